"""indexes for the per-user and recent lists: payment requests, refunds and mandates newest first

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Only orders made on the Payment requests page carry who asked; a partial index holds just those,
# so the page reads its 20 newest without walking the (millions of) imported and demo orders.
_REQUESTS = sa.text("created_by_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_orders_requests_created", "orders", ["created_at", "id"],
                    sqlite_where=_REQUESTS, postgresql_where=_REQUESTS)
    op.create_index("ix_mandates_created", "mandates", ["created_at"])
    op.create_index("ix_refunds_created_id", "refunds", ["created_at", "id"])
    op.drop_index("ix_refunds_created", table_name="refunds")


def downgrade() -> None:
    op.create_index("ix_refunds_created", "refunds", ["created_at"])
    op.drop_index("ix_refunds_created_id", table_name="refunds")
    op.drop_index("ix_mandates_created", table_name="mandates")
    op.drop_index("ix_orders_requests_created", table_name="orders")
