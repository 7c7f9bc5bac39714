"""a pre-debit notice may be reused after its debit failed; request tokens for submissions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_FAILED = sa.text("status != 'FAIL'")


def upgrade() -> None:
    with op.batch_alter_table("direct_debits") as batch_op:
        batch_op.drop_constraint("uq_direct_debits_notice_id", type_="unique")
        batch_op.add_column(sa.Column("request_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_direct_debits_request_token", ["request_token"])
    op.create_index(
        "uq_direct_debits_notice_not_failed", "direct_debits", ["notice_id"], unique=True,
        sqlite_where=_NOT_FAILED, postgresql_where=_NOT_FAILED,
    )
    with op.batch_alter_table("refunds") as batch_op:
        batch_op.add_column(sa.Column("request_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_refunds_request_token", ["request_token"])


def downgrade() -> None:
    with op.batch_alter_table("refunds") as batch_op:
        batch_op.drop_constraint("uq_refunds_request_token", type_="unique")
        batch_op.drop_column("request_token")
    # The plain unique constraint cannot hold while a notice carries a failed debit and its retry:
    # detach the notice from the failed ones (their merchantRequestId still identifies them).
    op.execute(
        "UPDATE direct_debits SET notice_id = NULL WHERE status = 'FAIL' AND notice_id IN ("
        " SELECT notice_id FROM direct_debits WHERE notice_id IS NOT NULL"
        " GROUP BY notice_id HAVING COUNT(*) > 1)"
    )
    op.drop_index("uq_direct_debits_notice_not_failed", table_name="direct_debits")
    with op.batch_alter_table("direct_debits") as batch_op:
        batch_op.drop_constraint("uq_direct_debits_request_token", type_="unique")
        batch_op.drop_column("request_token")
        batch_op.create_unique_constraint("uq_direct_debits_notice_id", ["notice_id"])
