"""refunds and direct debits: pre-debit notices, contract signing links, debit resolution ids

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 02:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import data.types

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'debit_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mandate_id', sa.Integer(), nullable=False),
        sa.Column('merchant_request_id', sa.String(length=32), nullable=False),
        sa.Column('provider_notice_id', sa.String(length=64), nullable=True),
        sa.Column('estimated_amount', data.types.Money(precision=38, scale=8), nullable=False),
        sa.Column('currency', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error_message', sa.String(length=512), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('notified_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['mandate_id'], ['mandates.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('merchant_request_id'),
    )
    op.create_index('ix_debit_notices_mandate_id', 'debit_notices', ['mandate_id'], unique=False)
    with op.batch_alter_table('mandates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qr_content', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('pre_contract_id', sa.String(length=64), nullable=True))
    with op.batch_alter_table('direct_debits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prepay_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('notice_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_direct_debits_notice_id', 'debit_notices',
                                    ['notice_id'], ['id'])
        batch_op.create_unique_constraint('uq_direct_debits_notice_id', ['notice_id'])


def downgrade() -> None:
    with op.batch_alter_table('direct_debits', schema=None) as batch_op:
        batch_op.drop_constraint('uq_direct_debits_notice_id', type_='unique')
        batch_op.drop_constraint('fk_direct_debits_notice_id', type_='foreignkey')
        batch_op.drop_column('notice_id')
        batch_op.drop_column('prepay_id')
    with op.batch_alter_table('mandates', schema=None) as batch_op:
        batch_op.drop_column('pre_contract_id')
        batch_op.drop_column('qr_content')
    op.drop_index('ix_debit_notices_mandate_id', table_name='debit_notices')
    op.drop_table('debit_notices')
