"""The advisor's Vertex AI calls through the real google-genai client, against a local
server speaking the REST endpoints they use (Vertex itself cannot be reached here)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.oauth2.credentials import Credentials

from nivesh.advisor import vertex
from nivesh.advisor.prompt import SYSTEM_INSTRUCTION
from nivesh.advisor.retrieval import Passage
from nivesh.errors import NiveshError
from nivesh.settings import VertexSettings
from tests.fakes_vertex import FakeVertex, serve

pytestmark = pytest.mark.integration

ENDPOINT = "projects/nivesh-test/locations/asia-south1/endpoints/777"
PASSAGE = Passage(
    "tax-80c", "What counts for 80C?", "Up to Rs 1.5 lakh a year for EPF, PPF, ELSS.", "IT Act s.80C", "c"
)


@pytest.fixture
def fake() -> Iterator[FakeVertex]:
    with serve(FakeVertex()) as f:
        yield f


def _settings(fake: FakeVertex, **kw: Any) -> VertexSettings:
    base: dict[str, Any] = {
        "project": "nivesh-test",
        "region": "asia-south1",
        "base_url": fake.url,
        "backoff_s": 0.01,
        "poll_s": 0.0,
    }
    return VertexSettings(**(base | kw))


def _client(settings: VertexSettings) -> object:
    return vertex.client(settings, credentials=Credentials(token="test-token"))


def test_generate_sends_the_rules_sources_and_question(fake: FakeVertex) -> None:
    s = _settings(fake)
    text = vertex.GeminiGenerator(_client(s), ENDPOINT, s).generate("80C limit?", [PASSAGE], {"savings_rate": 0.2})
    assert text == fake.answer
    method, path, body = fake.requests[-1]
    assert (method, path) == ("POST", f"/v1beta1/{ENDPOINT}:generateContent")
    assert body["systemInstruction"]["parts"][0]["text"] == SYSTEM_INSTRUCTION
    sources, facts, question = (p["text"] for p in body["contents"][0]["parts"])  # three parts, in this order
    assert "[1] What counts for 80C?" in sources and "savings rate: 0.2" in facts
    assert question.startswith("<question boundary=") and "80C limit?</question boundary=" in question
    assert body["generationConfig"]["maxOutputTokens"] == s.max_output_tokens


def test_transient_failures_are_retried_with_backoff(fake: FakeVertex) -> None:
    fake.fail_next = [503, 429]
    s = _settings(fake, attempts=3)
    assert vertex.GeminiGenerator(_client(s), ENDPOINT, s).generate("q", [PASSAGE], {}) == fake.answer
    assert len(fake.requests) == 3


def test_vertex_down_is_unavailable_not_a_crash(fake: FakeVertex) -> None:
    fake.fail_next = [503, 503, 503]
    s = _settings(fake, attempts=3)
    with pytest.raises(vertex.VertexUnavailable, match="503"):
        vertex.GeminiGenerator(_client(s), ENDPOINT, s).generate("q", [PASSAGE], {})


def test_a_stalled_call_times_out(fake: FakeVertex) -> None:
    fake.stall_s = 2.0
    s = _settings(fake, timeout_s=0.3, attempts=1)
    started = time.monotonic()
    with pytest.raises(vertex.VertexUnavailable):
        vertex.GeminiGenerator(_client(s), ENDPOINT, s).generate("q", [PASSAGE], {})
    assert time.monotonic() - started < 1.5


def test_tuning_job_is_created_and_polled_to_its_endpoint(fake: FakeVertex) -> None:
    s = _settings(fake, epochs=4)
    c = _client(s)
    name = vertex.start_tuning(c, s, "gs://b/train.jsonl", "gs://b/val.jsonl", "nivesh-advisor-v1")
    _, path, body = fake.requests[-1]
    assert path == "/v1beta1/projects/nivesh-test/locations/asia-south1/tuningJobs"
    assert body["baseModel"] == s.base_model and body["tunedModelDisplayName"] == "nivesh-advisor-v1"
    spec = body["supervisedTuningSpec"]
    assert spec["trainingDatasetUri"] == "gs://b/train.jsonl" and spec["validationDatasetUri"] == "gs://b/val.jsonl"
    assert spec["hyperParameters"]["epochCount"] == "4" or spec["hyperParameters"]["epochCount"] == 4
    tuned = vertex.wait_for_tuning(c, name, s, sleep=lambda s: None)
    assert tuned.endpoint.endswith("/endpoints/777") and tuned.job == name


def test_failed_tuning_says_why(fake: FakeVertex) -> None:
    fake.tuning_outcome = "JOB_STATE_FAILED"
    s = _settings(fake)
    c = _client(s)
    name = vertex.start_tuning(c, s, "gs://b/train.jsonl", None, "x")
    with pytest.raises(vertex.TuningFailed, match="invalid rows"):
        vertex.wait_for_tuning(c, name, s, sleep=lambda s: None)


def test_polling_is_bounded(fake: FakeVertex) -> None:
    fake.polls_until_done = 10**6
    s = _settings(fake, max_wait_s=5.0, poll_s=1.0)
    c = _client(s)
    name = vertex.start_tuning(c, s, "gs://b/train.jsonl", None, "x")
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(vertex.TuningFailed, match="still JOB_STATE_RUNNING after 5 s"):
        vertex.wait_for_tuning(c, name, s, sleep=sleep, clock=lambda: now[0])


def test_tuning_files_are_uploaded_to_cloud_storage(fake: FakeVertex, tmp_path: Path) -> None:
    from google.auth.credentials import AnonymousCredentials

    from nivesh.advisor import gcs

    files = {"train": tmp_path / "train.jsonl", "validation": tmp_path / "validation.jsonl"}
    files["train"].write_text('{"contents": []}\n' * 3)
    files["validation"].write_text('{"contents": []}\n')
    uris = gcs.upload(files, "gs://nivesh-tuning/advisor", "nivesh-test", AnonymousCredentials(), fake.url.rstrip("/"))
    assert uris["train"].startswith("gs://nivesh-tuning/advisor/") and uris["train"].endswith("/train.jsonl")
    assert fake.objects[uris["train"]] == files["train"].read_bytes()
    assert fake.objects[uris["validation"]] == files["validation"].read_bytes()
    with pytest.raises(NiveshError, match="gs://BUCKET/PREFIX"):
        gcs.upload(files, "s3://wrong/place", "nivesh-test", AnonymousCredentials(), fake.url)
