"""`retraining_runs`: why each retraining run started (or did not), in the prediction
store's database, so "why was credit-risk retrained on Tuesday?" is one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from nivesh.store.tables import engine_for, insert_row, retraining_runs

STARTED, SUCCEEDED, FAILED, COOLDOWN = "started", "succeeded", "failed", "skipped-cooldown"


@dataclass(frozen=True)
class Trigger:
    model: str
    trigger: str
    incident: str
    reason: str


class RetrainingLog:
    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)  # the schema is the migrations' (nivesh.store.schema)

    def seen(self, incident: str) -> bool:
        """A run already started for this incident (a cool-down skip does not count: the
        incident may still retrain once the cool-down is over)."""
        t = retraining_runs
        q = sa.select(sa.func.count()).where(t.c.incident == incident, t.c.status != COOLDOWN)
        with self.engine.connect() as conn:
            return bool(conn.execute(q).scalar_one())

    def last_started(self, model: str) -> datetime | None:
        t = retraining_runs
        q = sa.select(sa.func.max(t.c.received_at)).where(t.c.model == model, t.c.status.in_([STARTED, SUCCEEDED]))
        with self.engine.connect() as conn:
            value = conn.execute(q).scalar_one()
        return value.replace(tzinfo=value.tzinfo or UTC) if value else None

    def in_cooldown(self, model: str, cooldown: timedelta, now: datetime) -> bool:
        last = self.last_started(model)
        return last is not None and now - last < cooldown

    def add(self, trigger: Trigger, status: str, now: datetime) -> int:
        return insert_row(self.engine, retraining_runs, {**trigger.__dict__, "status": status, "received_at": now})

    def update(self, run: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(retraining_runs.update().where(retraining_runs.c.id == run).values(**values))

    def recent(self, model: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        q = sa.select(retraining_runs).order_by(retraining_runs.c.id.desc()).limit(limit)
        if model:
            q = q.where(retraining_runs.c.model == model)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]


def now() -> datetime:
    return datetime.now(UTC)
