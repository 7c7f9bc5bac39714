"""order search: keyset indexes on (created_at, id) and (amount, id), prefix indexes on PostgreSQL

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL turns LIKE 'abc%' into an index range only with a *_pattern_ops index (or a "C"
# database collation); SQLite's search uses a range on the plain unique/ordinary indexes instead.
_PATTERN_COLUMNS = ('merchant_trade_no', 'prepay_id', 'transaction_id', 'customer_email')


def upgrade() -> None:
    # Keyset paging orders by (column, id); with id in the index PostgreSQL needs no sort step.
    op.create_index('ix_orders_created_id', 'orders', ['created_at', 'id'], unique=False)
    op.create_index('ix_orders_amount_id', 'orders', ['amount', 'id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for name in _PATTERN_COLUMNS:
            op.create_index(
                f'ix_orders_{name}_pattern', 'orders', [name], unique=False,
                postgresql_ops={name: 'varchar_pattern_ops'},
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name in _PATTERN_COLUMNS:
            op.drop_index(f'ix_orders_{name}_pattern', table_name='orders')
    op.drop_index('ix_orders_amount_id', table_name='orders')
    op.drop_index('ix_orders_created_id', table_name='orders')
