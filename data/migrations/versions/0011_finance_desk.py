"""finance desk: alerts, needs-review indexes, saved views, scheduled reports and their runs, run-time settings

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import data.types

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.UTCDateTime(), nullable=nullable)


_FLAGGED = sa.text("review_note IS NOT NULL")
_REVIEWED = ("orders", "refunds", "payout_lines", "direct_debits")


def upgrade() -> None:
    for table in _REVIEWED:
        op.create_index(f"ix_{table}_needs_review", table, ["id"], unique=False,
                        sqlite_where=_FLAGGED, postgresql_where=_FLAGGED)
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        _text('kind', 16), _text('item_ref', 64), _text('message', 512),
        sa.Column('amount', data.types.Money(precision=38, scale=8), nullable=True),
        _text('currency', 12, True), _text('audience', 32), _time('created_at'),
        _time('dismissed_at', True), _text('dismissed_by', 64, True),
        _time('delivered_at', True), _text('delivery_note', 512, True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'item_ref', name='uq_alerts_kind_item'),
    )
    op.create_index('ix_alerts_open', 'alerts', ['dismissed_at', 'created_at'], unique=False)
    op.create_table(
        'saved_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        _text('page', 32), _text('name', 64), sa.Column('params_json', sa.Text(), nullable=False),
        _time('created_at'), _time('updated_at'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'page', 'name', name='uq_saved_views_name'),
    )
    op.create_index('ix_saved_views_user_id', 'saved_views', ['user_id'], unique=False)
    op.create_table(
        'report_schedules',
        sa.Column('id', sa.Integer(), nullable=False),
        _text('report', 32), _text('time_of_day', 5),
        sa.Column('params_json', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        _text('created_by', 64), _time('created_at'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'report_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('schedule_id', sa.Integer(), nullable=False),
        sa.Column('for_day', sa.Date(), nullable=False),
        _text('status', 16), _time('started_at'), _time('finished_at', True),
        _text('file_name', 256, True), sa.Column('row_count', sa.Integer(), nullable=True),
        _text('error', 512, True),
        sa.ForeignKeyConstraint(['schedule_id'], ['report_schedules.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('schedule_id', 'for_day', name='uq_report_runs_schedule_day'),
    )
    op.create_index('ix_report_runs_schedule_id', 'report_runs', ['schedule_id'], unique=False)
    op.create_table(
        'runtime_settings',
        _text('key', 64), _text('value', 1024), _time('updated_at'), _text('updated_by', 64),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    for table in _REVIEWED:
        op.drop_index(f"ix_{table}_needs_review", table_name=table)
    op.drop_table('runtime_settings')
    op.drop_index('ix_report_runs_schedule_id', table_name='report_runs')
    op.drop_table('report_runs')
    op.drop_table('report_schedules')
    op.drop_index('ix_saved_views_user_id', table_name='saved_views')
    op.drop_table('saved_views')
    op.drop_index('ix_alerts_open', table_name='alerts')
    op.drop_table('alerts')
