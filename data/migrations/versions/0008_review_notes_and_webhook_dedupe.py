"""provider news that disagrees with our figures puts the item up for review; webhook
deliveries deduped by a unique key inserted before the event is applied

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("orders", "refunds", "payout_lines", "direct_debits")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("review_note", sa.String(length=255), nullable=True))
    with op.batch_alter_table("webhook_deliveries") as batch_op:
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_webhook_deliveries_dedupe_key", ["dedupe_key"])


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch_op:
        batch_op.drop_constraint("uq_webhook_deliveries_dedupe_key", type_="unique")
        batch_op.drop_column("dedupe_key")
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("review_note")
