"""PostgreSQL: the prediction store and the MLflow registry backed by a real server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nivesh.store import schema
from nivesh.store.predictions import PredictionRecord, PredictionStore, to_wire
from nivesh.store.tables import JsonText

pytestmark = pytest.mark.integration


def test_prediction_store_on_postgres(pg_dsn: str) -> None:
    url = pg_dsn.replace("postgresql://", "postgresql+psycopg://")
    assert schema.upgrade(url) == schema.head()  # what `nivesh db upgrade` runs in the cluster's Job
    store = PredictionStore(url)
    rec = PredictionRecord(
        model="credit-risk",
        version="v1.0.0",
        component="predictor",
        inputs={"user_id": ["U1"], "note": ["a/c 123456789012"]},
        outputs={"probability": [0.2]},
        status_code=200,
        latency_ms=1.0,
    )
    store.write([rec.row({"user_id"}, b"k")])
    store.write([rec.row({"user_id"}, b"k")])  # a retried batch: ON CONFLICT DO NOTHING
    rows = store.window("credit-risk", datetime.now(UTC) - timedelta(minutes=5))
    assert len(rows) == 1
    assert rows[0]["inputs"]["user_id"][0].startswith("anon_")
    assert rows[0]["inputs"]["note"] == ["a/c XXXXXXXX9012"]
    # as the log writer gets it from a server: a response's JSON stored as it came (JSONB here)
    outputs = {"probability": [0.3], "decision": ["approve"], "reason_codes": ['[{"feature":"x"}]']}
    wired = PredictionRecord("credit-risk", "v1.0.0", "predictor", {"user_id": ["U2"]}, dict(outputs), 200, 1.0, "w")
    to_wire(wired)
    row = wired.row({"user_id"}, b"k", ())
    assert isinstance(row["outputs"], JsonText)
    store.write([row])
    stored = {r["request_id"]: r for r in store.window("credit-risk", datetime.now(UTC) - timedelta(minutes=5))}
    assert stored["w"]["outputs"] == outputs and stored["w"]["inputs"]["user_id"][0].startswith("anon_")


def test_mlflow_registry_on_postgres(pg_dsn: str, tmp_path, small_credit_data, monkeypatch) -> None:
    import pandas as pd

    from nivesh import registry
    from nivesh.data.credit_risk import assemble
    from nivesh.settings import Workspace
    from nivesh.training import steps

    monkeypatch.setenv("MLFLOW_TRACKING_URI", pg_dsn.replace("postgresql://", "postgresql+psycopg://"))
    d = small_credit_data
    frame = assemble(
        pd.merge_asof(
            d.applications.sort_values("event_timestamp"),
            d.profiles.sort_values("event_timestamp").drop(columns="created_timestamp"),
            on="event_timestamp",
            by="user_id",
        )
    )
    art = steps.fit("credit-risk", frame, "loan_status", tmp_path / "model")
    ws = Workspace(home=tmp_path / "var")
    # an artifact location the PostgreSQL-backed store can use without a server
    client = registry.connect(ws)
    client.create_experiment("credit-risk", artifact_location=(tmp_path / "artifacts").as_uri())
    first = steps.publish("credit-risk", art, {"auc": 0.9}, ws)
    second = steps.publish("credit-risk", art, {"auc": 0.91}, ws)
    assert (first.semver, second.semver) == ("v1.0.0", "v1.1.0")
    assert registry.resolve(ws, "credit-risk", "staging").version == second.version
    assert registry.resolve(ws, "credit-risk", "v1.0.0").version == first.version
    _, manifest = registry.download(ws, second, tmp_path / "dl")
    assert manifest.version == "v1.1.0" and manifest.metrics == {"auc": 0.91}
