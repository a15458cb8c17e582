"""The retraining webhook's decisions: once per incident, a cool-down per model, a record of
why; runs go through the launcher in order (here one that records what it was asked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nivesh.retraining import records, webhook
from nivesh.retraining.launch import Outcome
from nivesh.store import schema

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
TOKEN = "a-token-from-the-mounted-secret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.asked: list[str] = []
        self.fail = fail

    def launch(self, model: str, run_name: str) -> Outcome:
        self.asked.append(model)
        if self.fail:
            raise RuntimeError("KFP API unreachable")
        return Outcome(f"run-{len(self.asked)}", finished=True, version="v1.1.0", decision="staging: not better")


def _alert(model: str, starts: str = "2026-11-24T08:00:00Z", fingerprint: str = "fp1", **labels: str) -> dict[str, Any]:
    return {
        "status": "firing",
        "labels": {"alertname": "NiveshInputDrift", "action": "retrain", "model": model, **labels},
        "annotations": {"summary": f"{model} v1.0.0: input drift share 60%"},
        "startsAt": starts,
        "fingerprint": fingerprint,
    }


def _retrainer(tmp_path: Path, launcher: Recorder) -> webhook.Retrainer:
    runs = records.RetrainingLog(schema.prepare_local(f"sqlite:///{tmp_path / 'predictions.db'}"))
    return webhook.Retrainer(runs, launcher, cooldown=timedelta(hours=6))


def test_once_per_incident_and_a_cooldown_per_model(tmp_path: Path) -> None:
    launcher = Recorder()
    r = _retrainer(tmp_path, launcher)
    body = {
        "version": "4",
        "alerts": [_alert("credit-risk", version="v1.0.0"), _alert("credit-risk", fingerprint="fp2")],
    }
    first = r.handle(body, T0)
    assert [s["model"] for s in first["started"]] == ["credit-risk"]  # two alerts, one model: one run
    assert r.drain(10)
    again = r.handle(body, T0 + timedelta(minutes=5))  # Alertmanager's repeat
    assert again["started"] == [] and again["skipped"][0]["why"].startswith("duplicate")
    new = {"alerts": [_alert("credit-risk", starts="2026-11-24T10:00:00Z")]}
    cooled = r.handle(new, T0 + timedelta(hours=2))
    assert cooled["started"] == [] and cooled["skipped"][0]["why"].startswith("cool-down")
    later = r.handle(new, T0 + timedelta(hours=7))  # the same incident, after the cool-down
    assert [s["model"] for s in later["started"]] == ["credit-risk"]
    assert r.drain(10) and launcher.asked == ["credit-risk", "credit-risk"]
    rows = r.runs.recent("credit-risk")
    assert [row["status"] for row in rows] == ["succeeded", "skipped-cooldown", "succeeded"]
    assert (
        rows[-1]["reason"] == "credit-risk v1.0.0: input drift share 60%" and rows[-1]["trigger"] == "NiveshInputDrift"
    )
    assert rows[-1]["version"] == "v1.1.0" and rows[-1]["decision"] == "staging: not better"


def test_only_firing_retrain_alerts_of_known_models_count(tmp_path: Path) -> None:
    launcher = Recorder()
    r = _retrainer(tmp_path, launcher)
    resolved = _alert("intent-classifier") | {"status": "resolved"}
    latency = _alert("intent-classifier") | {
        "labels": {"alertname": "NiveshLatencyP95High", "model": "intent-classifier"}
    }
    unknown = _alert("fraud-model-9")
    assert r.handle({"alerts": [resolved, latency, unknown]}, T0) == {"started": [], "skipped": []}
    assert r.runs.recent() == []


def test_models_not_enabled_are_skipped(tmp_path: Path) -> None:
    launcher = Recorder()
    runs = records.RetrainingLog(schema.prepare_local(f"sqlite:///{tmp_path / 'predictions.db'}"))
    r = webhook.Retrainer(runs, launcher, timedelta(hours=6), models=["credit-risk"])
    out = r.handle({"alerts": [_alert("intent-classifier"), _alert("credit-risk", fingerprint="fp9")]}, T0)
    assert [s["model"] for s in out["started"]] == ["credit-risk"]
    assert out["skipped"] == [
        {"model": "intent-classifier", "why": "not enabled for retraining (NIVESH_RETRAIN_MODELS)"}
    ]
    assert r.drain(10) and launcher.asked == ["credit-risk"]


def test_a_failed_start_is_recorded(tmp_path: Path) -> None:
    r = _retrainer(tmp_path, Recorder(fail=True))
    r.handle({"alerts": [_alert("anomaly-detector")]}, T0)
    assert r.drain(10)
    row = r.runs.recent("anomaly-detector")[0]
    assert row["status"] == "failed" and "KFP API unreachable" in row["decision"]


def test_http_bad_bodies_are_400_naming_the_field(tmp_path: Path) -> None:
    client = TestClient(webhook.app(_retrainer(tmp_path, Recorder()), TOKEN), headers=AUTH)
    bad_json = client.post("/alerts", content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.json()["error"].startswith("body: not JSON")
    no_alerts = client.post("/alerts", json={"version": "4"})
    assert no_alerts.status_code == 400 and no_alerts.json()["error"].startswith("alerts: expected")
    bad_alert = client.post("/alerts", json={"alerts": [{"labels": "model=credit-risk"}]})
    assert bad_alert.status_code == 400 and bad_alert.json()["error"].startswith("alerts[0].labels")
    ok = client.post("/alerts", json={"alerts": [_alert("financial-ner")]})
    assert ok.status_code == 200 and ok.json()["started"][0]["model"] == "financial-ner"
    assert client.get("/runs", params={"model": "financial-ner"}).json()[0]["status"] in ("started", "succeeded")
    assert "nivesh_retraining_triggers_total" in client.get("/metrics/").text


def test_only_alertmanagers_token_starts_a_run(tmp_path: Path) -> None:
    recorder = Recorder()
    retrainer = _retrainer(tmp_path, recorder)
    client = TestClient(webhook.app(retrainer, TOKEN))
    body = {"alerts": [_alert("credit-risk")]}
    for headers in ({}, {"Authorization": "Bearer wrong-token-of-enough-length"}, {"Authorization": TOKEN}):
        r = client.post("/alerts", json=body, headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), r.text
        assert client.get("/runs", headers=headers).status_code == 401
    assert client.get("/healthz").status_code == 200  # probes and Prometheus need no token
    assert retrainer.drain(5) and recorder.asked == [] and retrainer.runs.recent("credit-risk") == []
    assert client.post("/alerts", json=body, headers=AUTH).status_code == 200


def test_the_webhook_beyond_loopback_needs_its_secret(tmp_path: Path, monkeypatch) -> None:
    from nivesh import auth
    from nivesh.cluster.secrets import RETRAIN_TOKEN
    from nivesh.errors import NiveshError
    from nivesh.settings import Workspace

    ws = Workspace(home=tmp_path)
    with pytest.raises(NiveshError, match=f"{RETRAIN_TOKEN.env} is not set: mount key 'retrain-webhook-token'"):
        auth.bearer_token(RETRAIN_TOKEN, None, "0.0.0.0", ws)
    (tmp_path / "t").write_text("")
    with pytest.raises(NiveshError, match="shorter than 16"):
        auth.bearer_token(RETRAIN_TOKEN, tmp_path / "t", "0.0.0.0", ws)
    local = auth.bearer_token(RETRAIN_TOKEN, None, "127.0.0.1", ws)  # the workspace's own, made once
    assert local == auth.bearer_token(RETRAIN_TOKEN, None, "::1", ws)
    assert oct(auth.local_token_file(ws, RETRAIN_TOKEN).stat().st_mode & 0o777) == "0o600"
