"""Every table in the prediction store's database, and the helpers they share.

One MetaData, so the schema is read in one place: the prediction log
(`model_predictions`), labels that arrive later (`model_feedback`), what runs where
(`model_deployments`) and why a model was retrained (`retraining_runs`). SQLite with
WAL on one machine, PostgreSQL in a cluster. Changes here are also an Alembic migration
(nivesh/store/migrations; a test holds the two to each other).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa


def id_column() -> sa.Column[int]:
    """A table's surrogate key: BIGINT on PostgreSQL, SQLite's INTEGER rowid alias."""
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)


def insert_row(engine: sa.Engine, table: sa.Table, row: dict[str, Any]) -> int:
    """Insert one row of a table keyed by id_column(); returns its id."""
    with engine.begin() as conn:
        key = conn.execute(table.insert().values(**row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL lets the monitor read while servers write; NORMAL sync skips an fsync per commit
    (a crash may lose the last batch of log rows, never corrupt the file)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


@dataclass(frozen=True, slots=True)
class JsonText:
    """A JSON column's value encoded already: the log writer stores a response's tensors as
    the serving process encoded them when they would be stored unchanged (nivesh.store.predictions)."""

    text: str


def to_json(obj: Any) -> str:
    """JSON columns through orjson (several times the standard library's speed on the logger
    thread); what orjson refuses (an integer beyond 64 bits) through the standard library."""
    if type(obj) is JsonText:
        return obj.text
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj)


def engine_for(url: str, timeout_s: float = 30.0) -> sa.Engine:
    """An engine on the prediction store's database (SQLite with WAL, or PostgreSQL): the
    prediction log and the tables beside it (retraining runs) share it. On PostgreSQL every
    connect and statement has a timeout, so a store that hangs is a store that is down."""
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        connect_args = {
            "connect_timeout": max(1, int(min(timeout_s, 5))),
            "options": f"-c statement_timeout={int(timeout_s * 1000)}",
        }
    engine = sa.create_engine(
        url, pool_pre_ping=True, pool_timeout=timeout_s, connect_args=connect_args, json_serializer=to_json
    )
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", sqlite_pragmas)
    return engine


# What logged a row (`component`): the model's predictor, or the Feast transformer in front of it.
PREDICTOR = "predictor"
TRANSFORMER = "transformer"

metadata = sa.MetaData()
model_predictions = sa.Table(
    "model_predictions",
    metadata,
    id_column(),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("component", sa.String(16), nullable=False),  # predictor | transformer
    sa.Column("ce_type", sa.String(64), nullable=False),
    sa.Column("ce_source", sa.String(256), nullable=False),
    sa.Column("ce_specversion", sa.String(8), nullable=False, default="1.0"),
    sa.Column("namespace", sa.String(64), nullable=True),
    sa.Column("endpoint", sa.String(64), nullable=True),
    sa.Column("inputs", sa.JSON, nullable=False),
    sa.Column("outputs", sa.JSON, nullable=True),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_model_predictions_model_time", "model", "component", "created_at"),
    # the idempotency key: a record written twice (a retried batch, a replayed journal) is one row
    sa.Index("uq_model_predictions_request", "model", "component", "request_id", unique=True),
)

model_feedback = sa.Table(
    "model_feedback",
    metadata,
    id_column(),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("request_id", sa.String(64), nullable=False),
    sa.Column("row", sa.Integer, nullable=False),
    sa.Column("label", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("model", "request_id", "row", name="uq_model_feedback_row"),
)

model_deployments = sa.Table(
    "model_deployments",
    metadata,
    id_column(),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("version", sa.String(32), nullable=False),  # semver
    sa.Column("mlflow_version", sa.String(16), nullable=False),
    sa.Column("environment", sa.String(32), nullable=False),
    sa.Column("namespace", sa.String(63), nullable=False),
    sa.Column("canary_percent", sa.Integer, nullable=True),  # None = all traffic
    sa.Column("action", sa.String(16), nullable=False),  # deploy | rollback
    sa.Column("previous_version", sa.String(32), nullable=True),
    sa.Column("storage_uri", sa.Text, nullable=False),
    sa.Column("deployed_by", sa.String(128), nullable=False),
    sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),  # the error, or where the YAML went
    sa.Index("ix_model_deployments_model_env", "model", "environment", "id"),
)

retraining_runs = sa.Table(
    "retraining_runs",
    metadata,
    id_column(),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("trigger", sa.String(64), nullable=False),  # the alert name, or "schedule" / "manual"
    sa.Column("incident", sa.String(128), nullable=False),  # alert fingerprint @ startsAt
    sa.Column("reason", sa.Text, nullable=False),  # the alert's summary
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("run_id", sa.String(256), nullable=True),  # KFP run id, or the local run's log
    sa.Column("version", sa.String(32), nullable=True),  # what the run registered
    sa.Column("decision", sa.Text, nullable=True),  # champion / challenger outcome
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_retraining_runs_model_time", "model", "received_at"),
    sa.Index("ix_retraining_runs_incident", "incident"),
)
