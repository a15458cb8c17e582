"""The prediction log's single-column request-id index goes: the unique (model, component,
request id) key of 0002 answers every lookup by request id (feedback names the model and reads
the predictor's row), and each index on a random-looking id costs the log's writer a page
write per row (benchmarks/load.py: the log cost the predictor 8 % of its throughput).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_model_predictions_request_id", table_name="model_predictions")


def downgrade() -> None:
    op.create_index("ix_model_predictions_request_id", "model_predictions", ["request_id"])
