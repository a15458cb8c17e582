"""One row per (model, component, request id) in the prediction log: the key that makes its
writes idempotent (a batch written twice, a journal replayed after a crash, adds nothing).

Rows already written twice under the at-most-once logger are folded into the first.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "DELETE FROM model_predictions WHERE id NOT IN "
        "(SELECT MIN(id) FROM model_predictions GROUP BY model, component, request_id)"
    )
    op.create_index(
        "uq_model_predictions_request", "model_predictions", ["model", "component", "request_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_model_predictions_request", table_name="model_predictions")
