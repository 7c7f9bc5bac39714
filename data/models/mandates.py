"""Direct-debit mandates, debits and pre-debit notices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from data.models._base import money_field, utcnow


class Mandate(SQLModel, table=True):
    """A Binance Pay Direct Debit contract (or a Monetix recurring registration)."""

    __tablename__ = "mandates"
    __table_args__ = (Index("ix_mandates_created", "created_at"),)  # the list, newest first

    id: int | None = Field(default=None, primary_key=True)
    merchant_contract_code: str = Field(max_length=64, unique=True)
    contract_id: str | None = Field(default=None, max_length=64, unique=True)
    provider: str = Field(default="binance_pay", max_length=16)
    customer_email: str | None = Field(default=None, max_length=254, index=True)
    open_user_id: str | None = Field(default=None, max_length=64)
    service_name: str = Field(max_length=128)
    scenario_code: str | None = Field(default=None, max_length=32)
    single_upper_limit: Decimal = money_field()
    currency: str = Field(max_length=12)
    periodic: bool = False
    cycle_type: str | None = Field(default=None, max_length=8)  # DAY | MONTH
    cycle_value: int | None = None
    first_deduct_at: datetime | None = None
    next_debit_at: datetime | None = None
    status: str = Field(max_length=16, index=True)  # INITIAL | SIGNED | TERMINATED | EXPIRED
    provider_status: str | None = Field(default=None, max_length=64)
    termination_way: str | None = Field(default=None, max_length=16)
    termination_notes: str | None = Field(default=None, max_length=256)
    terminated_at: datetime | None = None
    checkout_url: str | None = Field(default=None, max_length=512)
    deeplink: str | None = Field(default=None, max_length=512)
    # What the customer scans to sign, and the provider's id before signing (migration 0004).
    qr_content: str | None = Field(default=None, max_length=512)
    pre_contract_id: str | None = Field(default=None, max_length=64)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    signed_at: datetime | None = None
    expires_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class DirectDebit(SQLModel, table=True):
    __tablename__ = "direct_debits"
    __table_args__ = (
        Index("ix_direct_debits_created", "created_at"),
        # A notice whose debit failed may be used again, so uniqueness only binds the debits
        # that did not fail (migration 0007): two live debits on one notice would both collect.
        Index(
            "uq_direct_debits_notice_not_failed", "notice_id", unique=True,
            sqlite_where=text("status != 'FAIL'"), postgresql_where=text("status != 'FAIL'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    mandate_id: int = Field(foreign_key="mandates.id", index=True)
    merchant_request_id: str = Field(max_length=64, unique=True)
    provider_pay_id: str | None = Field(default=None, max_length=64)
    # The order a debit turns into at the provider; a timed-out debit is resolved through it.
    provider_order_id: str | None = Field(default=None, max_length=64)
    # Periodic contracts: the notice this debit uses (see uq_direct_debits_notice_not_failed).
    notice_id: int | None = Field(default=None, foreign_key="debit_notices.id")
    # Caller-chosen key (migration 0007): a double click or a retried form submits once.
    request_token: str | None = Field(default=None, max_length=64, unique=True)
    amount: Decimal = money_field()
    currency: str = Field(max_length=12)
    product_name: str = Field(default="", max_length=256)
    status: str = Field(max_length=16)  # PENDING | UNKNOWN | PROCESSING | SUCCESS | FAIL
    provider_status: str | None = Field(default=None, max_length=64)
    fee: Decimal | None = money_field(nullable=True)
    error_code: str | None = Field(default=None, max_length=16)
    error_message: str | None = Field(default=None, max_length=512)
    requested_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    # Set when provider news disagreed with our figures (services.inbound.evidence): kept, shown as
    # "needs review", never overwritten by the provider's figure.
    review_note: str | None = Field(default=None, max_length=255)


class DebitNotice(SQLModel, table=True):
    """A pre-debit notice sent for a periodic contract (Binance `pay/notify`), migration 0004."""

    __tablename__ = "debit_notices"

    id: int | None = Field(default=None, primary_key=True)
    mandate_id: int = Field(foreign_key="mandates.id", index=True)
    merchant_request_id: str = Field(max_length=64, unique=True)
    provider_notice_id: str | None = Field(default=None, max_length=64)
    estimated_amount: Decimal = money_field()
    currency: str = Field(max_length=12)
    status: str = Field(max_length=16)  # PENDING | UNKNOWN | SENT | FAIL
    error_message: str | None = Field(default=None, max_length=512)
    requested_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    notified_at: datetime | None = None
