"""The four tables as `metadata.create_all` built them before migrations existed.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "model_predictions",
        _id(),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("component", sa.String(16), nullable=False),
        sa.Column("ce_type", sa.String(64), nullable=False),
        sa.Column("ce_source", sa.String(256), nullable=False),
        sa.Column("ce_specversion", sa.String(8), nullable=False),
        sa.Column("namespace", sa.String(64), nullable=True),
        sa.Column("endpoint", sa.String(64), nullable=True),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=True),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_model_predictions_request_id", "model_predictions", ["request_id"])
    op.create_index("ix_model_predictions_model_time", "model_predictions", ["model", "component", "created_at"])
    op.create_table(
        "model_feedback",
        _id(),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("label", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("model", "request_id", "row", name="uq_model_feedback_row"),
    )
    op.create_table(
        "model_deployments",
        _id(),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("mlflow_version", sa.String(16), nullable=False),
        sa.Column("environment", sa.String(32), nullable=False),
        sa.Column("namespace", sa.String(63), nullable=False),
        sa.Column("canary_percent", sa.Integer, nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("previous_version", sa.String(32), nullable=True),
        sa.Column("storage_uri", sa.Text, nullable=False),
        sa.Column("deployed_by", sa.String(128), nullable=False),
        sa.Column("deployed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=True),
    )
    op.create_index("ix_model_deployments_model_env", "model_deployments", ["model", "environment", "id"])
    op.create_table(
        "retraining_runs",
        _id(),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(64), nullable=False),
        sa.Column("incident", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("run_id", sa.String(256), nullable=True),
        sa.Column("version", sa.String(32), nullable=True),
        sa.Column("decision", sa.Text, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_retraining_runs_model_time", "retraining_runs", ["model", "received_at"])
    op.create_index("ix_retraining_runs_incident", "retraining_runs", ["incident"])


def downgrade() -> None:
    for table in ("retraining_runs", "model_deployments", "model_feedback", "model_predictions"):
        op.drop_table(table)
