"""reconciliation: statements and their lines, column mappings per source, runs and run items

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 03:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import data.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, data.types.Money(precision=38, scale=8), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.UTCDateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'recon_statements',
        sa.Column('id', sa.Integer(), nullable=False),
        _text('source', 64), _text('file_name', 256), _text('content_sha256', 64),
        _time('period_start', True), _time('period_end', True),
        sa.Column('line_count', sa.Integer(), nullable=False),
        _time('imported_at'), _text('imported_by', 64),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'content_sha256', name='uq_recon_statements_source_sha'),
    )
    op.create_table(
        'recon_statement_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('line_no', sa.Integer(), nullable=False),
        _text('kind', 16), _text('provider_ref', 64, True), _text('merchant_ref', 128, True),
        _money('amount'), _money('fee', True), _money('balance', True),
        _text('currency', 12), _time('occurred_at'), _text('status', 32, True),
        sa.ForeignKeyConstraint(['statement_id'], ['recon_statements.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recon_statement_lines_statement_at', 'recon_statement_lines',
                    ['statement_id', 'occurred_at'], unique=False)
    op.create_table(
        'recon_statement_mappings',
        sa.Column('id', sa.Integer(), nullable=False),
        _text('source', 64),
        sa.Column('mapping_json', sa.Text(), nullable=False),
        _time('updated_at'), _text('updated_by', 64),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source'),
    )
    op.create_table(
        'recon_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        _time('period_from'), _time('period_to'), _text('timezone', 64),
        sa.Column('statement_ids', sa.Text(), nullable=False),
        sa.Column('parameters_json', sa.Text(), nullable=False),
        _text('inputs_sha256', 64),
        sa.Column('ledger_count', sa.Integer(), nullable=False),
        sa.Column('statement_line_count', sa.Integer(), nullable=False),
        sa.Column('totals_json', sa.Text(), nullable=False),
        sa.Column('break_count', sa.Integer(), nullable=False),
        _text('created_by', 64), _time('created_at'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recon_runs_created', 'recon_runs', ['created_at'], unique=False)
    op.create_table(
        'recon_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        _text('klass', 24), _text('kind', 16),
        sa.Column('ledger_id', sa.Integer(), nullable=True),
        _text('ledger_ref', 128, True), _text('group_ref', 128, True),
        _text('provider_ref', 64, True),
        sa.Column('statement_line_id', sa.Integer(), nullable=True),
        _text('matched_by', 16, True), _text('currency', 12), _time('occurred_at'),
        _text('ledger_status', 32, True), _text('provider_status', 32, True),
        _money('ledger_amount'), _money('provider_amount'), _money('difference'),
        _money('ledger_fee'), _money('provider_fee'), _money('fee_difference'),
        _money('provider_balance', True),
        sa.Column('resolved', sa.Boolean(), nullable=False),
        _text('note', 1024, True), _text('resolved_by', 64, True), _time('resolved_at', True),
        sa.ForeignKeyConstraint(['run_id'], ['recon_runs.id']),
        sa.ForeignKeyConstraint(['statement_line_id'], ['recon_statement_lines.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recon_items_run_class', 'recon_items', ['run_id', 'klass'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_recon_items_run_class', table_name='recon_items')
    op.drop_table('recon_items')
    op.drop_index('ix_recon_runs_created', table_name='recon_runs')
    op.drop_table('recon_runs')
    op.drop_table('recon_statement_mappings')
    op.drop_index('ix_recon_statement_lines_statement_at', table_name='recon_statement_lines')
    op.drop_table('recon_statement_lines')
    op.drop_table('recon_statements')
