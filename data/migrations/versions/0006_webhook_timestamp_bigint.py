"""webhook timestamps in milliseconds need 64 bits

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch_op:
        batch_op.alter_column(
            "timestamp_ms", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True
        )


def downgrade() -> None:
    # Millisecond stamps do not fit 32 bits: drop them rather than fail the downgrade.
    op.execute("UPDATE webhook_deliveries SET timestamp_ms = NULL WHERE timestamp_ms > 2147483647")
    with op.batch_alter_table("webhook_deliveries") as batch_op:
        batch_op.alter_column(
            "timestamp_ms", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True
        )
