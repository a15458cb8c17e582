"""No prediction record is lost, none is written twice: real credit-risk servers (transformer
and predictor) log to a real PostgreSQL that is down when they start, comes up, is stopped
for 20 s under a steady load of distinct requests (a hostile body among them) and started
again; then the servers get SIGTERM. Every request answered 2xx has exactly one row per
component."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from nivesh import registry
from nivesh.catalog import CREDIT_RISK
from nivesh.local import processes, traffic
from nivesh.local.servers import start_predictor, start_transformer
from nivesh.store import schema
from nivesh.store.tables import engine_for, model_predictions

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME = CREDIT_RISK.name
OUTAGE_S = 20.0
# A hostile body in the middle of the load: NaN (JSON's extension), a lone surrogate, a
# 400-digit integer. Answered 4xx; its rows must not hold up anyone else's.
HOSTILE = (
    '{"inputs": [{"name": "user_id", "shape": [1], "datatype": "BYTES", "data": ["\\ud800"]},'
    ' {"name": "loan_amnt", "shape": [1], "datatype": "FP64", "data": [NaN]}],'
    ' "parameters": {"x": ' + "9" * 400 + "}}"
)


class Load(threading.Thread):
    """Distinct requests, one after another, until stopped: (request id, status) of each."""

    def __init__(self, url: str, bodies: list[dict[str, Any]]) -> None:
        super().__init__(daemon=True)
        self.url, self.bodies = url, bodies
        self.sent: list[tuple[str, int]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            i = 0
            while not self.halt.is_set():
                request_id = f"fault-{i:06d}"
                body = self.bodies[i % len(self.bodies)]
                try:
                    url, headers = f"{self.url}/v2/models/{NAME}/infer", {"x-request-id": request_id}
                    r = client.post(url, json=body, headers=headers)
                    self.sent.append((request_id, r.status_code))
                except httpx.HTTPError:
                    self.sent.append((request_id, 0))
                i += 1
                time.sleep(0.02)


def _counted(url: str, outcome: str) -> float:
    """The server's nivesh_prediction_log_records_total for one outcome, from its /metrics."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "nivesh_prediction_log_records_total" and s.labels.get("outcome") == outcome
    )


def test_a_store_outage_under_load_then_sigterm_loses_nothing_and_doubles_nothing(
    own_postgres, workspace, trained, tmp_path: Path
) -> None:
    pg = own_postgres
    version = trained(NAME)
    folder, _ = registry.download(workspace, version, tmp_path / "model")
    env = {
        "NIVESH_PREDICTION_STORE_URL": pg.url,
        "NIVESH_PREDICTION_JOURNAL": str(tmp_path / "journal"),
    }
    logs = tmp_path / "logs"
    # The database is down when the servers start: they start anyway (no DDL, no connection).
    predictor = start_predictor(CREDIT_RISK, folder, processes.free_port(), logs, env)
    transformer = start_transformer(CREDIT_RISK, predictor.url, processes.free_port(), logs, env)
    served = [transformer, predictor]
    try:
        pg.start()
        assert schema.upgrade(pg.url) == schema.head()  # the migration Job
        load = Load(transformer.url, traffic.credit_risk(workspace, 64, 0.0, 21))
        load.start()
        time.sleep(3)
        pg.stop()
        outage_began = len(load.sent)
        time.sleep(OUTAGE_S / 2)
        hostile = httpx.post(
            f"{transformer.url}/v2/models/{NAME}/infer",
            content=HOSTILE.encode("utf-8", "surrogatepass"),
            headers={"content-type": "application/json", "x-request-id": "fault-hostile"},
            timeout=30,
        )
        time.sleep(OUTAGE_S / 2)
        answered_in_outage = len(load.sent) - outage_began
        pg.start()
        time.sleep(3)
        load.halt.set()
        load.join(30)
        spilled = {proc.name: _counted(proc.url, "spilled") for proc in served}
    finally:
        for proc in served:  # SIGTERM, then wait as the pod's grace period would
            proc.stop(timeout=30)
    assert 400 <= hostile.status_code < 500, hostile.text
    assert all(n > 0 for n in spilled.values()), spilled  # the outage reached both loggers
    assert all(proc.popen.returncode is not None for proc in served)

    ok = [rid for rid, status in load.sent if 200 <= status < 300]
    assert answered_in_outage > 50 and len(ok) == len(load.sent), Counter(s for _, s in load.sent)
    engine = engine_for(pg.url)
    t = model_predictions
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.c.request_id, t.c.component).where(t.c.model == NAME)).all()
    engine.dispose()
    per_component = Counter((r.request_id, r.component) for r in rows)
    assert max(per_component.values()) == 1  # none twice
    for component in ("transformer", "predictor"):
        logged = {rid for rid, c in per_component if c == component}
        missing = set(ok) - logged
        assert not missing, f"{component}: {len(missing)} of {len(ok)} answered requests have no row"
    assert ("fault-hostile", "transformer") in per_component  # the 4xx is in the log too
    leftovers = [p for p in (tmp_path / "journal").rglob("*.jsonl")]
    assert not leftovers, leftovers
    summary = {"answered_2xx": len(ok), "rows_expected": 2 * len(ok), "rows_found": len(rows) - 1}
    print("prediction log fault test:", summary, "duplicates: 0")
