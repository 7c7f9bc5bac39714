"""Orders (pay-ins) and their refunds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from data.models._base import money_field, utcnow


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        # Covers the Overview's range scan + GROUP BY without touching the table rows.
        Index("ix_orders_created_currency_status_amount", "created_at", "currency", "status", "amount"),
        Index("ix_orders_status_created", "status", "created_at"),
        Index("ix_orders_currency_created", "currency", "created_at"),
        Index("ix_orders_provider_created", "provider", "created_at"),
        # Keyset paging of the order list (migration 0003); PostgreSQL-only prefix indexes there.
        Index("ix_orders_created_id", "created_at", "id"),
        Index("ix_orders_amount_id", "amount", "id"),
        # Payment requests (migration 0009): only orders made in the app say who asked for them.
        Index("ix_orders_requests_created", "created_at", "id",
              sqlite_where=text("created_by_id IS NOT NULL"),
              postgresql_where=text("created_by_id IS NOT NULL")),
        *(
            Index(f"ix_orders_{name}_pattern", name,
                  postgresql_ops={name: "varchar_pattern_ops"}).ddl_if(dialect="postgresql")
            for name in ("merchant_order_id", "provider_order_id", "transaction_id",
                         "customer_email")
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    merchant_order_id: str = Field(max_length=64, unique=True)
    provider_order_id: str | None = Field(default=None, max_length=64, unique=True)
    transaction_id: str | None = Field(default=None, max_length=64, index=True)
    provider: str = Field(default="binance_pay", max_length=16)
    amount: Decimal = money_field()
    currency: str = Field(max_length=12)
    status: str = Field(max_length=16)
    provider_status: str | None = Field(default=None, max_length=64)
    customer_email: str | None = Field(default=None, max_length=254, index=True)
    # Who was asked to pay, for providers that must name the payer when the payment is created
    # (migration 0014; Capabilities.payer_fields). Sent again unchanged on every repeat.
    customer_first_name: str | None = Field(default=None, max_length=100)
    customer_last_name: str | None = Field(default=None, max_length=100)
    customer_phone: str | None = Field(default=None, max_length=16)  # E.164, "+" and 15 digits
    customer_country: str | None = Field(default=None, max_length=2)  # ISO 3166-1 alpha-2
    payer_id: str | None = Field(default=None, max_length=64)
    product_name: str = Field(default="", max_length=256)
    product_type: str | None = Field(default=None, max_length=32)
    fee: Decimal | None = money_field(nullable=True)
    refunded_amount: Decimal = money_field(default=Decimal(0))
    checkout_url: str | None = Field(default=None, max_length=512)
    deeplink: str | None = Field(default=None, max_length=512)
    universal_url: str | None = Field(default=None, max_length=512)
    qr_content: str | None = Field(default=None, max_length=512)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    # Set when provider news disagreed with our figures (services.inbound.evidence): kept, shown as
    # "needs review", never overwritten by the provider's figure.
    review_note: str | None = Field(default=None, max_length=255)


class Refund(SQLModel, table=True):
    __tablename__ = "refunds"
    # The list's order, newest first (migration 0009 added id: no sort before the first page).
    __table_args__ = (Index("ix_refunds_created_id", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    refund_request_id: str = Field(max_length=64, unique=True)
    provider_refund_id: str | None = Field(default=None, max_length=64)
    amount: Decimal = money_field()
    currency: str = Field(max_length=12)
    reason: str = Field(max_length=32)
    note: str | None = Field(default=None, max_length=512)
    # Caller-chosen key (migration 0007): a double click or a retried form submits once.
    request_token: str | None = Field(default=None, max_length=64, unique=True)
    provider: str = Field(default="binance_pay", max_length=16)  # the order's provider
    status: str = Field(max_length=16)  # PENDING | UNKNOWN | REFUNDING | SUCCESS | FAIL
    provider_status: str | None = Field(default=None, max_length=64)
    remaining_attempts: int | None = None
    error_code: str | None = Field(default=None, max_length=16)
    error_message: str | None = Field(default=None, max_length=512)
    requested_by_id: int | None = Field(default=None, foreign_key="users.id")
    approved_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    # Set when provider news disagreed with our figures (services.inbound.evidence): kept, shown as
    # "needs review", never overwritten by the provider's figure.
    review_note: str | None = Field(default=None, max_length=255)
