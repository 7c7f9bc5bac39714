"""Payout batches and their lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from data.models._base import money_field, utcnow


class PayoutBatch(SQLModel, table=True):
    """One provider batch: a single currency, at most 500 lines, one requestId."""

    __tablename__ = "payout_batches"
    __table_args__ = (Index("ix_payout_batches_created", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: str = Field(max_length=64, unique=True)
    upload_ref: str | None = Field(default=None, max_length=64, index=True)
    file_name: str | None = Field(default=None, max_length=256)
    file_sha256: str | None = Field(default=None, max_length=64, index=True)
    batch_name: str = Field(default="", max_length=128)
    currency: str = Field(max_length=12)
    total_amount: Decimal = money_field()
    line_count: int
    provider: str = Field(default="binance_pay", max_length=16)
    status: str = Field(max_length=20)
    provider_status: str | None = Field(default=None, max_length=64)
    total_fee: Decimal | None = money_field(nullable=True)
    error_code: str | None = Field(default=None, max_length=16)
    error_message: str | None = Field(default=None, max_length=512)
    prepared_by_id: int | None = Field(default=None, foreign_key="users.id")
    approved_by_id: int | None = Field(default=None, foreign_key="users.id")
    approval_comment: str | None = Field(default=None, max_length=512)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    completed_at: datetime | None = None


class PayoutLine(SQLModel, table=True):
    __tablename__ = "payout_lines"
    __table_args__ = (Index("ix_payout_lines_receiver_amount", "receiver", "amount"),)

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="payout_batches.id", index=True)
    file_line: int
    merchant_send_id: str = Field(max_length=64, unique=True)
    receive_type: str = Field(max_length=16)  # BINANCE_ID | EMAIL
    receiver: str = Field(max_length=254)
    amount: Decimal = money_field()
    currency: str = Field(max_length=12)
    remark: str | None = Field(default=None, max_length=128)
    status: str = Field(max_length=20)  # PENDING | SUCCESS | FAIL | AWAITING_RECEIPT | REFUNDED
    provider_status: str | None = Field(default=None, max_length=64)
    fee: Decimal | None = money_field(nullable=True)
    provider_order_id: str | None = Field(default=None, max_length=64)
    claim_deadline: datetime | None = None
    error_code: str | None = Field(default=None, max_length=32)
    updated_at: datetime = Field(default_factory=utcnow)
    # Set when provider news disagreed with our figures (services.inbound.evidence): kept, shown as
    # "needs review", never overwritten by the provider's figure.
    review_note: str | None = Field(default=None, max_length=255)
