"""The spine on real processes: kfp.local pipeline -> MLflow -> KServe predictor + Feast
transformer -> prediction log -> Evidently monitor -> Pushgateway."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import sqlalchemy as sa
import yaml

from nivesh import auth, registry
from nivesh.catalog import CREDIT_RISK
from nivesh.cluster.secrets import FEEDBACK_TOKEN
from nivesh.local import traffic
from nivesh.local.servers import Served, serve
from nivesh.settings import MonitorSettings, StoreSettings
from nivesh.store.predictions import PredictionStore
from nivesh.store.tables import model_predictions
from tests.conftest import infer

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME = CREDIT_RISK.name


@pytest.fixture(scope="module")
def registered(trained):
    return trained(NAME)


@pytest.fixture(scope="module")
def served(registered, serving) -> Served:
    """As the catalogue serves it: one process, the predictor reading Feast itself."""
    return serving(NAME)


@pytest.fixture(scope="module")
def two_process(registered, serving) -> Served:
    """The transformer form: Feast in the transformer, the predictor behind it."""
    return serving(NAME, "transformer")


@pytest.fixture(scope="module", params=["one-process", "transformer"])
def either(request, registered, serving) -> Served:
    """Both forms: a client cannot tell them apart."""
    return serving(NAME, request.param)


def test_pipeline_registers_a_gated_version_and_emits_its_isvc(workspace, registered) -> None:
    assert registered.semver.startswith("v1.")
    client = registry.connect(workspace)
    mv = client.get_model_version(NAME, registered.version)
    assert float(mv.tags["metric.auc"]) > CREDIT_RISK.gate.minimum
    assert mv.tags["feature_service"] == CREDIT_RISK.feature_service
    isvc = yaml.safe_load((workspace.home / "manifests" / f"{NAME}.yaml").read_text())
    assert isvc["kind"] == "InferenceService" and isvc["metadata"]["name"] == NAME
    env = {e["name"]: e.get("value") for e in isvc["spec"]["predictor"]["containers"][0]["env"]}
    assert env["STORAGE_URI"] == registered.source
    # the UI artifacts: ROC + confusion matrix, HTML report
    root = workspace.home / "kfp" / "root"
    assert list(root.rglob("report")), "no HTML report artifact"
    executor_outputs = [json.loads(p.read_text()) for p in root.rglob("executor_output.json")]
    assert executor_outputs


def test_metadata_lists_inputs_and_outputs(served: Served, two_process: Served) -> None:
    for form in (served, two_process):
        meta = httpx.get(f"{form.endpoint}/v2/models/{NAME}", timeout=5).json()
        assert [i["name"] for i in meta["inputs"]] == ["user_id", *CREDIT_RISK.request_fields]
        assert {o["name"] for o in meta["outputs"]} == {"probability", "decision", "reason_codes"}
    assert served.transformer is None and two_process.transformer is not None
    pmeta = httpx.get(f"{two_process.predictor.url}/v2/models/{NAME}", timeout=5).json()
    assert "loan_percent_income" in [i["name"] for i in pmeta["inputs"]]


def test_features_are_fetched_and_the_predictor_explains(workspace, either: Served) -> None:
    served = either
    rows = traffic.sample_applications(workspace, 12, seed=4)
    r = infer(served, traffic.v2_body(rows))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model_version"] == served.semver
    out = {o["name"]: o["data"] for o in body["outputs"]}
    assert len(out["probability"]) == 12 and all(0 <= p <= 1 for p in out["probability"])
    threshold = body["parameters"]["threshold"]
    for p, decision, reasons in zip(out["probability"], out["decision"], out["reason_codes"], strict=True):
        assert decision == ("decline" if p >= threshold else "approve")
        assert (json.loads(reasons) != []) == (decision == "decline")


def test_unload_and_load_are_refused_and_the_model_keeps_answering(workspace, served: Served) -> None:
    body = traffic.v2_body(traffic.sample_applications(workspace, 1, seed=8))
    for process in served.processes:  # the transformer and the predictor
        for action in ("unload", "load"):
            r = httpx.post(f"{process.url}/v2/repository/models/{NAME}/{action}", timeout=5)
            assert r.status_code == 403, (process.name, action, r.text)
        assert httpx.get(f"{process.url}/v2/repository/index", timeout=5).status_code == 403
        assert httpx.get(f"{process.url}/v2/models/{NAME}/ready", timeout=5).status_code == 200
    assert infer(served, body).status_code == 200


def test_feedback_takes_the_back_ends_token_and_labels_a_logged_request_once(workspace, either: Served) -> None:
    """In both forms: feedback finds the predictor's log row (the transformer passes its id on)."""
    served = either
    response = infer(served, traffic.v2_body(traffic.sample_applications(workspace, 2, seed=9))).json()
    url, body = f"{served.endpoint}/v2/models/{NAME}/feedback", {"id": response["id"], "labels": [1, 0]}
    headers = auth.local_headers(workspace, FEEDBACK_TOKEN)
    for wrong in ({}, {"Authorization": "Bearer not-the-token-at-all"}, {"Authorization": "Basic eDp5"}):
        assert httpx.post(url, json=body, headers=wrong, timeout=10).status_code == 401
    time.sleep(1.5)  # the prediction logger's batch
    unknown = httpx.post(url, json={**body, "id": "never-answered"}, headers=headers, timeout=10)
    assert unknown.status_code == 404 and unknown.json()["error"].startswith("id:"), unknown.text
    assert httpx.post(url, json=body, headers=headers, timeout=10).json() == {"id": response["id"], "stored": 2}
    again = httpx.post(url, json={**body, "labels": [0, 0]}, headers=headers, timeout=10)
    assert again.status_code == 409, again.text  # another client's label is never overwritten


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["inputs"].pop(1), "loan_intent"),
        (lambda b: b["inputs"][0].update(data=["U999999"]), "user_id"),
        (lambda b: b["inputs"][2].update(data=["lots"]), "loan_amnt"),
        (lambda b: b["inputs"][1].update(data=["CAR"]), "loan_intent"),
        (lambda b: b["inputs"][3].update(shape=[2]), "loan_int_rate"),
        (lambda b: b.update(inputs=5), "inputs"),
    ],
)
def test_bad_requests_are_400_naming_the_field(workspace, either: Served, mutate, field) -> None:
    body = traffic.v2_body(traffic.sample_applications(workspace, 1, seed=5))
    mutate(body)
    r = infer(either, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"].startswith(field), r.text


def test_requests_are_logged_masked(workspace, either: Served) -> None:
    from datetime import UTC, datetime, timedelta

    since = datetime.now(UTC) - timedelta(milliseconds=50)
    answer = infer(either, traffic.v2_body(traffic.sample_applications(workspace, 3, seed=6))).json()
    time.sleep(1.5)
    store = PredictionStore(StoreSettings().resolved_url(workspace))
    rows = {
        c: [r for r in store.window(NAME, since, component=c) if r["request_id"] == answer["id"]]
        for c in ("transformer", "predictor")
    }
    public = rows["transformer"] if either.transformer else rows["predictor"]
    assert len(public) == 1 and all(u.startswith("anon_") for u in public[0]["inputs"]["user_id"])
    [predictor] = rows["predictor"]
    assert predictor["version"] == either.semver and predictor["latency_ms"] > 0
    # the predictor's row holds what the model was given (the drift monitor reads those columns),
    # in one process with the pseudonymised key beside it
    assert "person_income" in predictor["inputs"] and "loan_amnt" in predictor["inputs"]
    assert rows["transformer"] if either.transformer else not rows["transformer"]


def test_monitor_detects_shifted_traffic_and_pushes(workspace, served: Served, pushgateway: str) -> None:
    from nivesh.monitoring import job

    traffic.send(served.endpoint, NAME, traffic.credit_risk(workspace, 200, 1.5, 7))
    time.sleep(1.5)
    settings = MonitorSettings(window_hours=1, pushgateway_url=pushgateway)
    result = job.run(NAME, workspace, StoreSettings().resolved_url(workspace), settings)
    assert result.rows_compared >= 200 and result.alert
    assert result.columns["loan_amnt"].drifted and result.report and result.report.is_file()
    metrics = httpx.get(f"{pushgateway}/metrics", timeout=5).text
    assert f'nivesh_drift_share{{instance="",job="nivesh-monitor",model="{NAME}",version="{served.semver}"}}' in metrics
    assert "nivesh_drift_column_score" in metrics and "nivesh_monitor_last_success_timestamp_seconds" in metrics


def test_sigterm_writes_every_queued_record_once(workspace, registered) -> None:
    """A rollout stops the pods right after traffic: every answered request has exactly one
    row per component, though the last ones were still queued when SIGTERM came."""
    from nivesh.local import processes

    fresh = serve(NAME, workspace, registered.semver)  # its own processes: these are stopped here
    try:
        bodies = traffic.credit_risk(workspace, 240, 0.0, 11)  # 30 requests of 8 applications
        ids = [r["id"] for r in traffic.send(fresh.endpoint, NAME, bodies)]
    finally:
        processes.stop_all(fresh.processes)  # SIGTERM, within the logger's one-second flush
    assert len(ids) == len(bodies) >= 20 and len(set(ids)) == len(ids)
    store = PredictionStore(StoreSettings().resolved_url(workspace))
    with store.engine.connect() as conn:
        t = model_predictions
        rows = conn.execute(sa.select(t.c.request_id, t.c.component).where(t.c.request_id.in_(ids))).all()
    for component in ("transformer", "predictor") if fresh.transformer else ("predictor",):
        logged = [r.request_id for r in rows if r.component == component]
        assert sorted(logged) == sorted(ids), (component, len(logged))


def test_a_predictor_that_is_down_is_a_503_with_retry_after_from_its_transformer(workspace, registered) -> None:
    from nivesh.local import processes

    fresh = serve(NAME, workspace, registered.semver, feature_join="transformer")
    try:
        body = traffic.v2_body(traffic.sample_applications(workspace, 1, seed=12))
        assert infer(fresh, body).status_code == 200
        fresh.predictor.stop()
        r = infer(fresh, body, timeout=30)
        assert r.status_code == 503 and r.headers["retry-after"], r.text
        assert "predictor is unavailable" in r.json()["error"] and "127.0.0.1" not in r.text
    finally:
        processes.stop_all(fresh.processes)


@pytest.mark.parametrize("form", ["transformer", "one-process"])
def test_redis_down_is_a_503_with_retry_after_within_its_timeout(workspace, two_process: Served, form: str) -> None:
    """A server whose Redis does not answer says so at once: a 503 the client may retry,
    within the client's connect timeout (nivesh.features.REDIS_TIMEOUT_S), not a 500 or a hang;
    the transformer, or the predictor that reads its features itself."""
    from nivesh.local import processes
    from nivesh.local.servers import start_predictor, start_transformer

    nothing = {"NIVESH_REDIS_URL": f"redis://127.0.0.1:{processes.free_port()}/0"}  # nobody listens
    port, logs = processes.free_port(), workspace.path("logs")
    if form == "transformer":
        orphan = start_transformer(CREDIT_RISK, two_process.predictor.url, port, logs, nothing)
    else:
        folder = registry.download(
            workspace, registry.resolve(workspace, NAME, two_process.semver), workspace.path("redis-down")
        )[0]
        orphan = start_predictor(CREDIT_RISK, folder, port, logs, nothing, feature_join=True)
    try:
        body = traffic.v2_body(traffic.sample_applications(workspace, 1, seed=13))
        started = time.monotonic()
        r = httpx.post(f"{orphan.url}/v2/models/{NAME}/infer", json=body, timeout=30)
        assert r.status_code == 503 and r.headers["retry-after"], r.text
        assert "feature store is unavailable" in r.json()["error"] and "127.0.0.1" not in r.text
        assert time.monotonic() - started < 10
    finally:
        orphan.stop()
