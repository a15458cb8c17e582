"""`model_deployments`: what version of which model runs where, who put it there and when.

In the prediction store's database, beside the prediction log, so "what served this
request?" and "who deployed it?" are joins. A rollback reads it to find the version that
ran before; `nivesh status` shows the last live row per environment and a newer failed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from nivesh.store.tables import engine_for, insert_row, model_deployments

APPLIED, RENDERED, FAILED = "applied", "rendered", "failed"  # rendered = YAML written for GitOps
LIVE = (APPLIED, RENDERED)  # rows that changed what runs (or will, once GitOps syncs)
DEPLOY, ROLLBACK = "deploy", "rollback"


@dataclass(frozen=True)
class Deployment:
    model: str
    version: str
    mlflow_version: str
    environment: str
    namespace: str
    canary_percent: int | None
    action: str
    previous_version: str | None
    storage_uri: str
    deployed_by: str


class DeploymentLog:
    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)  # the schema is the migrations' (nivesh.store.schema)

    def add(self, deployment: Deployment, status: str, detail: str | None = None) -> int:
        row = {**deployment.__dict__, "status": status, "detail": detail, "deployed_at": datetime.now(UTC)}
        return insert_row(self.engine, model_deployments, row)

    def history(self, model: str, environment: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Newest first."""
        t = model_deployments
        q = sa.select(t).where(t.c.model == model).order_by(t.c.id.desc()).limit(limit)
        if environment is not None:
            q = q.where(t.c.environment == environment)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def live(self, model: str, environment: str) -> list[dict[str, Any]]:
        """The rows that changed what runs in `environment`, newest first."""
        return [r for r in self.history(model, environment, limit=500) if r["status"] in LIVE]

    def current(self, model: str, environment: str) -> dict[str, Any] | None:
        rows = self.live(model, environment)
        return rows[0] if rows else None

    def before_current(self, model: str, environment: str) -> dict[str, Any] | None:
        """The newest live row of another version than the current one: what a rollback restores."""
        rows = self.live(model, environment)
        return next((r for r in rows[1:] if r["version"] != rows[0]["version"]), None) if rows else None
