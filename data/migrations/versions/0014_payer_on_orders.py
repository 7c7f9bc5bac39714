"""who pays: the payer's name, phone and country on orders, for providers that need them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Monetix and Juicyway must be told who pays when a payment is created (Capabilities.payer_fields);
the payment request stores it so that every repeat of the create sends the same payer. All four
columns are nullable: orders of providers that identify the payer at checkout (Binance Pay), and
every order written before this migration, have none.

Plain ADD/DROP COLUMN on both databases, never a SQLite batch (copy-and-move): ``orders`` carries
the day-total triggers of 0010, which a table copy would drop, and with foreign keys on SQLite
cannot drop ``orders`` under its refunds. None of the new columns is indexed.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel types)
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("customer_first_name", 100), ("customer_last_name", 100), ("customer_phone", 16),
           ("customer_country", 2))


def upgrade() -> None:
    for name, length in COLUMNS:
        op.add_column("orders", sa.Column(
            name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=True))


def downgrade() -> None:
    # The payer's details go with the columns; the orders themselves stay (a repeat of an
    # unresolved create for such a provider is then refused for want of a payer, never sent
    # with another one).
    for name, _ in reversed(COLUMNS):
        op.drop_column("orders", name)
