"""Statements, their lines and mappings, reconciliation runs and items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from data.models._base import money_field, utcnow


class Statement(SQLModel, table=True):
    """One provider statement file as imported; the same bytes from one source are kept once."""

    __tablename__ = "recon_statements"
    __table_args__ = (
        UniqueConstraint("source", "content_sha256", name="uq_recon_statements_source_sha"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)  # "binance_pay" for pulled reports, else the upload source
    file_name: str = Field(default="", max_length=256)
    content_sha256: str = Field(max_length=64)
    period_start: datetime | None = None
    period_end: datetime | None = None
    line_count: int = 0
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by: str = Field(default="", max_length=64)


class StatementLine(SQLModel, table=True):
    __tablename__ = "recon_statement_lines"
    __table_args__ = (Index("ix_recon_statement_lines_statement_at", "statement_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    statement_id: int = Field(foreign_key="recon_statements.id")
    line_no: int
    kind: str = Field(max_length=16)  # payment | refund | payout | debit | fee | payout_return
    provider_ref: str | None = Field(default=None, max_length=64)
    merchant_ref: str | None = Field(default=None, max_length=128)
    amount: Decimal = money_field()  # signed: + credits the merchant
    fee: Decimal | None = money_field(nullable=True)
    balance: Decimal | None = money_field(nullable=True)  # after this line, when the file says
    currency: str = Field(max_length=12)
    occurred_at: datetime
    status: str | None = Field(default=None, max_length=32)


class StatementMapping(SQLModel, table=True):
    """Which column of an uploaded file holds which field, remembered per source."""

    __tablename__ = "recon_statement_mappings"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64, unique=True)
    mapping_json: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=64)


class ReconciliationRun(SQLModel, table=True):
    __tablename__ = "recon_runs"
    __table_args__ = (Index("ix_recon_runs_created", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    period_from: datetime  # local dates turned into UTC instants, [from, to)
    period_to: datetime
    timezone: str = Field(max_length=64)
    statement_ids: str = Field(sa_column=Column(Text, nullable=False))  # JSON list
    parameters_json: str = Field(sa_column=Column(Text, nullable=False))
    inputs_sha256: str = Field(max_length=64)
    ledger_count: int = 0
    statement_line_count: int = 0
    totals_json: str = Field(sa_column=Column(Text, nullable=False))  # item count per class
    break_count: int = 0
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ReconciliationItem(SQLModel, table=True):
    __tablename__ = "recon_items"
    __table_args__ = (Index("ix_recon_items_run_class", "run_id", "klass"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="recon_runs.id")
    klass: str = Field(max_length=24)
    kind: str = Field(max_length=16)
    ledger_id: int | None = None
    ledger_ref: str | None = Field(default=None, max_length=128)
    group_ref: str | None = Field(default=None, max_length=128)  # order of a refund, payout batch
    provider_ref: str | None = Field(default=None, max_length=64)
    statement_line_id: int | None = Field(default=None, foreign_key="recon_statement_lines.id")
    matched_by: str | None = Field(default=None, max_length=16)
    currency: str = Field(max_length=12)
    occurred_at: datetime
    ledger_status: str | None = Field(default=None, max_length=32)
    provider_status: str | None = Field(default=None, max_length=32)
    ledger_amount: Decimal = money_field()  # what moved by PayDesk's record (0 unless settled)
    provider_amount: Decimal = money_field()
    difference: Decimal = money_field()  # provider - ledger
    ledger_fee: Decimal = money_field()
    provider_fee: Decimal = money_field()
    fee_difference: Decimal = money_field()
    provider_balance: Decimal | None = money_field(nullable=True)
    resolved: bool = False
    note: str | None = Field(default=None, max_length=1024)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = None
