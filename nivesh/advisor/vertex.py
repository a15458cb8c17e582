"""Vertex AI through google-genai: the tuned Gemini call and the supervised-tuning job.

Every call has a per-attempt timeout and bounded retries with exponential backoff on
408 / 429 / 5xx (the client's own retry options); what still fails becomes
`VertexUnavailable`, which the predictor answers with 503. Tuning jobs are polled at
a fixed interval up to a deadline, and a failed or cancelled job raises
`TuningFailed` with Vertex's own error message.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nivesh.advisor.prompt import SYSTEM_INSTRUCTION, Prompt, build_prompt
from nivesh.advisor.retrieval import Passage
from nivesh.cluster import secrets
from nivesh.errors import NiveshError, UpstreamUnavailable
from nivesh.settings import VertexSettings

log = logging.getLogger(__name__)
RETRY_STATUS = (408, 429, 500, 502, 503, 504)
DONE = {"JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"}


class VertexUnavailable(UpstreamUnavailable):
    """Vertex could not be reached or did not answer in time (HTTP 503 to our clients)."""


class TuningFailed(NiveshError):
    """The tuning job ended without a tuned model."""


def client(settings: VertexSettings, credentials: Any = None) -> Any:
    """A google-genai client on Vertex AI for `settings.project` / `settings.region`."""
    from google import genai
    from google.genai import types

    if not settings.configured:
        raise NiveshError("no Google Cloud project: set NIVESH_VERTEX_PROJECT (the advisor runs offline without it)")
    if credentials is None:
        credentials = default_credentials()
    http = types.HttpOptions(
        timeout=int(settings.timeout_s * 1000),
        base_url=settings.base_url,
        retry_options=types.HttpRetryOptions(
            attempts=settings.attempts,
            initial_delay=settings.backoff_s,
            max_delay=settings.backoff_s * 8,
            http_status_codes=list(RETRY_STATUS),
        ),
    )
    return genai.Client(
        vertexai=True, project=settings.project, location=settings.region, credentials=credentials, http_options=http
    )


def default_credentials() -> Any:
    """Workload Identity in the cluster, the key file GOOGLE_APPLICATION_CREDENTIALS names, or
    the key the pipelines mount from the optional Secret (nivesh.cluster.secrets.GOOGLE_KEY_SECRET);
    a clear error at start-up when there are none, not a 500 per request."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    scopes = ["https://www.googleapis.com/auth/cloud-platform"]
    mounted = Path(secrets.GOOGLE_KEY_DIR) / secrets.GOOGLE_KEY_FILE
    if "GOOGLE_APPLICATION_CREDENTIALS" not in os.environ and mounted.is_file():
        credentials, _ = google.auth.load_credentials_from_file(str(mounted), scopes=scopes)
        return credentials
    try:
        credentials, _ = google.auth.default(scopes=scopes)
    except DefaultCredentialsError as exc:
        raise NiveshError(
            "NIVESH_VERTEX_PROJECT is set but there are no Google credentials: use Workload Identity, or mount a "
            f"service-account key from a Secret and set GOOGLE_APPLICATION_CREDENTIALS ({exc})"
        ) from None
    return credentials


def _unavailable(what: str, exc: Exception) -> VertexUnavailable:
    return VertexUnavailable(f"Vertex AI {what} failed: {exc.__class__.__name__}: {str(exc)[:300]}")


class GeminiGenerator:
    """The tuned model behind `endpoint` (or a base model id), called with the advisor's
    system instruction and the numbered passages."""

    name = "gemini"

    def __init__(self, genai_client: Any, model: str, settings: VertexSettings) -> None:
        self.client, self.model, self.settings = genai_client, model, settings

    def generate(self, question: str, passages: list[Passage], context: Mapping[str, Any]) -> str:
        import httpx
        from google.auth import exceptions as auth_errors
        from google.genai import errors, types

        config = types.GenerateContentConfig(
            system_instruction=SYSTEM_INSTRUCTION,
            temperature=self.settings.temperature,
            max_output_tokens=self.settings.max_output_tokens,
        )
        try:
            response = self.client.models.generate_content(
                model=self.model, contents=_user_turn(types, build_prompt(question, passages, context)), config=config
            )
        except (errors.ServerError, httpx.TransportError, auth_errors.RefreshError, auth_errors.TransportError) as exc:
            raise _unavailable("generateContent", exc) from exc
        except errors.ClientError as exc:
            if exc.code in RETRY_STATUS:
                raise _unavailable("generateContent", exc) from exc
            raise
        text = response.text or ""
        if not text.strip():
            reason = response.candidates[0].finish_reason if response.candidates else "no candidates"
            raise _unavailable("generateContent", ValueError(f"empty answer ({reason})"))
        return text


def _user_turn(types: Any, prompt: Prompt) -> Any:
    """One user turn whose sources, facts and question are separate parts."""
    return types.Content(role="user", parts=[types.Part(text=p) for p in prompt.parts])


@dataclass
class TunedModel:
    job: str
    endpoint: str
    model: str
    base_model: str


def start_tuning(
    genai_client: Any, settings: VertexSettings, train_uri: str, validation_uri: str | None, display_name: str
) -> str:
    """Create the supervised tuning job; returns its resource name."""
    from google.genai import errors, types

    config = types.CreateTuningJobConfig(
        tuned_model_display_name=display_name,
        epoch_count=settings.epochs,
        adapter_size=types.AdapterSize(settings.adapter_size),
        learning_rate_multiplier=settings.learning_rate_multiplier,
        validation_dataset=types.TuningValidationDataset(gcs_uri=validation_uri) if validation_uri else None,
    )
    try:
        job = genai_client.tunings.tune(
            base_model=settings.base_model, training_dataset=types.TuningDataset(gcs_uri=train_uri), config=config
        )
    except errors.ServerError as exc:
        raise _unavailable("tuningJobs.create", exc) from exc
    log.info("tuning job %s created (%s)", job.name, job.state)
    return str(job.name)


def wait_for_tuning(
    genai_client: Any,
    job_name: str,
    settings: VertexSettings,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> TunedModel:
    """Poll until the job ends or `max_wait_s` passes."""
    from google.genai import errors

    deadline = clock() + settings.max_wait_s
    while True:
        try:
            job = genai_client.tunings.get(name=job_name)
        except errors.ServerError as exc:  # one bad poll is not a failed job
            log.warning("polling %s: %s", job_name, exc)
            job = None
        state = str(getattr(getattr(job, "state", None), "value", getattr(job, "state", "")))
        if state in DONE:
            if state != "JOB_STATE_SUCCEEDED" or job is None or job.tuned_model is None:
                message = job.error.message if job is not None and job.error else "no error message"
                raise TuningFailed(f"tuning job {job_name} ended {state}: {message}")
            return TunedModel(job_name, str(job.tuned_model.endpoint), str(job.tuned_model.model), str(job.base_model))
        if clock() >= deadline:
            raise TuningFailed(
                f"tuning job {job_name} still {state or 'unknown'} after {settings.max_wait_s:.0f} s; it keeps "
                "running on Vertex: check it in the console, or raise NIVESH_VERTEX_MAX_WAIT_S"
            )
        sleep(settings.poll_s)
