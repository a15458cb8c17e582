"""The Alertmanager webhook receiver that retrains: POST /alerts starts the affected model's
pipeline once per incident, with a per-model cool-down, and records why in
`retraining_runs`.

An incident is an alert's fingerprint and start time: Alertmanager re-sends a firing
alert every repeat_interval and on every group change, and none of those start a
second run. Runs go through one worker thread, one at a time (a KFP submission is
quick; a kfp.local run is a whole training). Alertmanager gets its answer at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter, make_asgi_app

from nivesh import auth, catalog
from nivesh.retraining import records
from nivesh.retraining.launch import Launcher
from nivesh.retraining.records import RetrainingLog, Trigger

log = logging.getLogger(__name__)
RETRAIN_LABEL = ("action", "retrain")  # set by the drift and quality rules (monitors/alerts)
TRIGGERS = Counter("nivesh_retraining_triggers", "Retraining decisions on alerts", ["model", "outcome"])


class BadPayload(ValueError):
    """A webhook body that is not Alertmanager's (HTTP 400, naming the field)."""


def triggers(payload: Any) -> list[Trigger]:
    """The firing retrain alerts of one notification, one per model (the first one's reason)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
        raise BadPayload('alerts: expected Alertmanager\'s webhook body {"version": "4", "alerts": [...]}')
    out: dict[str, Trigger] = {}
    for i, alert in enumerate(payload["alerts"]):
        if not isinstance(alert, dict) or not isinstance(alert.get("labels"), dict):
            raise BadPayload(f"alerts[{i}].labels: expected an object of alert labels")
        labels, key, value = alert["labels"], *RETRAIN_LABEL
        if alert.get("status") != "firing" or labels.get(key) != value:
            continue
        model = labels.get("model")
        if model not in catalog.MODELS:
            log.warning("alerts[%d]: model %r is not in the catalogue; ignored", i, model)
            continue
        fingerprint = str(alert.get("fingerprint") or json.dumps(labels, sort_keys=True))
        incident = f"{fingerprint}@{alert.get('startsAt', '')}"[:128]
        summary = str((alert.get("annotations") or {}).get("summary") or labels.get("alertname", "alert"))
        out.setdefault(model, Trigger(model, str(labels.get("alertname", "alert")), incident, summary))
    return list(out.values())


class Retrainer:
    """Decides (duplicate, cool-down, start) under one lock and runs starts in order."""

    def __init__(
        self, runs: RetrainingLog, launcher: Launcher, cooldown: timedelta, models: list[str] | None = None
    ) -> None:
        self.runs = runs
        self.launcher = launcher
        self.cooldown = cooldown
        self.models = set(models) if models is not None else None
        self.lock = threading.Lock()
        self.jobs: queue.Queue[tuple[int, Trigger] | None] = queue.Queue()
        self.worker = threading.Thread(target=self._work, name="retrain-worker", daemon=True)
        self.worker.start()

    def handle(self, payload: Any, now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
        found = triggers(payload)
        result: dict[str, list[dict[str, Any]]] = {"started": [], "skipped": []}
        with self.lock:
            for t in found:
                when = now or records.now()
                if self.models is not None and t.model not in self.models:
                    result["skipped"].append(
                        {"model": t.model, "why": "not enabled for retraining (NIVESH_RETRAIN_MODELS)"}
                    )
                    TRIGGERS.labels(t.model, "disabled").inc()
                elif self.runs.seen(t.incident):
                    outcome = {"model": t.model, "why": "duplicate: this incident already started a run"}
                    result["skipped"].append(outcome)
                    TRIGGERS.labels(t.model, "duplicate").inc()
                elif self.runs.in_cooldown(t.model, self.cooldown, when):
                    self.runs.add(t, records.COOLDOWN, when)
                    hours = self.cooldown.total_seconds() / 3600
                    result["skipped"].append(
                        {"model": t.model, "why": f"cool-down: a run started in the last {hours:g} h"}
                    )
                    TRIGGERS.labels(t.model, "cooldown").inc()
                else:
                    run = self.runs.add(t, records.STARTED, when)
                    self.jobs.put((run, t))
                    result["started"].append({"model": t.model, "id": run, "trigger": t.trigger, "reason": t.reason})
                    TRIGGERS.labels(t.model, "started").inc()
        return result

    def _work(self) -> None:
        while (job := self.jobs.get()) is not None:
            run, t = job
            name = f"retrain-{t.model}-{run}"
            try:
                outcome = self.launcher.launch(t.model, name)
            except Exception as exc:  # recorded, and the next incident may try again
                log.exception("retraining %s failed", t.model)
                self.runs.update(run, status=records.FAILED, decision=str(exc)[:4000], finished_at=records.now())
            else:
                values: dict[str, Any] = {"run_id": outcome.run_id}
                if outcome.finished:
                    values |= {"status": records.SUCCEEDED, "finished_at": records.now()}
                    values |= {"version": outcome.version, "decision": outcome.decision}
                self.runs.update(run, **values)
            self.jobs.task_done()

    def drain(self, timeout: float) -> bool:
        """Wait for queued runs (tests, shutdown); True when none is left."""
        done = threading.Event()

        def wait() -> None:
            self.jobs.join()
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        return done.wait(timeout)


def app(retrainer: Retrainer, token: str) -> FastAPI:
    """/alerts and /runs take Alertmanager's bearer `token` (http_config.authorization reads it
    from the mounted Secret); /healthz and /metrics stay open for probes and Prometheus."""
    api = FastAPI(title="Nivesh retraining webhook")
    api.mount("/metrics", make_asgi_app())

    @api.post("/alerts")
    async def alerts(request: Request) -> JSONResponse:
        if (denied := auth.refusal(request, token)) is not None:
            return denied
        try:
            payload = json.loads(await request.body())
            return JSONResponse(await asyncio.to_thread(retrainer.handle, payload))
        except json.JSONDecodeError as exc:
            return JSONResponse({"error": f"body: not JSON ({exc.msg})"}, status_code=400)
        except BadPayload as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)

    @api.get("/runs")
    async def runs(request: Request, model: str | None = None, limit: int = 50) -> JSONResponse:
        if (denied := auth.refusal(request, token)) is not None:
            return denied
        rows = retrainer.runs.recent(model, min(max(limit, 1), 500))
        return JSONResponse(json.loads(json.dumps(rows, default=str)))

    @api.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return api
