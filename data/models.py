"""Table models of the PayDesk store.

Money columns use `Money` (exact on SQLite and PostgreSQL); timestamps are UTC-aware. Statuses are
plain strings, so a new value never needs a migration; beside `status` (the state the services
decide on) each item keeps `provider_status`, the provider's own word as last reported, for display
and audit. Every money movement row carries the merchant id it was (or will be) sent under, unique,
so that a retry can only ever reuse it. Ids are provider-neutral and 64 long (migration 0013):
`merchant_order_id` is ours, `provider_order_id` the provider's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint, event, text
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel import Field, SQLModel

from data.types import Money


def utcnow() -> datetime:
    return datetime.now(UTC)


def money_field(*, nullable: bool = False, default: Decimal | None = None, **kw):  # type: ignore[no-untyped-def]
    return Field(default=default, sa_type=Money(), nullable=nullable, **kw)


# --- people --------------------------------------------------------------------------------------


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=128)
    email: str | None = Field(default=None, max_length=254)
    role: str = Field(max_length=16)  # viewer | operator | approver | admin
    password_hash: str | None = Field(default=None, max_length=255)
    # Fernet token (services.identity.secret_box), never the base32 secret itself.
    totp_secret: str | None = Field(default=None, max_length=512)
    totp_required: bool = False
    # Last accepted TOTP time step: a code is good once, so a shoulder-surfed code cannot replay.
    totp_last_step: int | None = None
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins per key (a hash of name+source, or of the source): the wait grows with
    each failure. Keys are hashes, so a password typed into the username box is never stored."""

    __tablename__ = "sign_in_throttles"

    key: str = Field(primary_key=True, max_length=80)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow)
    blocked_until: datetime | None = None


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the store only its SHA-256."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # Set when the browser trades its one-time ticket for the cookie (services.identity.sessions).
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=32)


# --- orders (pay-ins) ----------------------------------------------------------------------------


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


# --- payouts -------------------------------------------------------------------------------------


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


# --- mandates and direct debits ------------------------------------------------------------------


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


# --- provider events and the audit trail ---------------------------------------------------------


class WebhookDelivery(SQLModel, table=True):
    """Every delivery is kept, valid or not, exactly as received."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_event", "event_type", "provider_item_id"),
        Index("ix_webhook_deliveries_kind_merchant", "kind", "merchant_id"),
        Index("ix_webhook_deliveries_received", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(default="binance_pay", max_length=16)
    # The provider's own event name (Binance's event type, a Monetix operation...), its id of the item the event is
    # about, its own status word, and the id of the key that signed it (migration 0013).
    event_type: str | None = Field(default=None, max_length=64)
    provider_item_id: str | None = Field(default=None, max_length=64)
    provider_status: str | None = Field(default=None, max_length=64)
    signature_key_id: str | None = Field(default=None, max_length=128)
    # The neutral EventKind value and our id of the item, when the event could be read.
    kind: str | None = Field(default=None, max_length=16)
    merchant_id: str | None = Field(default=None, max_length=64)
    nonce: str | None = Field(default=None, max_length=64)
    timestamp_ms: int | None = Field(default=None, sa_type=BigInteger())
    headers_json: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    signature_valid: bool = False
    duplicate_of_id: int | None = Field(default=None, foreign_key="webhook_deliveries.id")
    # Set on the one delivery that applied an event (migration 0008): inserted before the event
    # is applied, so a second receiver with the same delivery fails on it instead of applying.
    dedupe_key: str | None = Field(default=None, max_length=64, unique=True)
    outcome: str = Field(default="received", max_length=32)
    received_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Append-only: services insert, nothing updates or deletes."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_actor_at", "actor_id", "at"),
        Index("ix_audit_entries_action_at", "action", "at"),
        Index("ix_audit_entries_target", "target_type", "target_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor_name: str = Field(max_length=64)
    action: str = Field(max_length=64)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    amount: Decimal | None = money_field(nullable=True)
    currency: str | None = Field(default=None, max_length=12)
    idempotency_key: str | None = Field(default=None, max_length=64)
    provider_code: str | None = Field(default=None, max_length=32)
    outcome: str = Field(default="ok", max_length=32)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class AuditEntryImmutableError(RuntimeError):
    """Raised on any attempt to update or delete an audit entry through the ORM."""


def _refuse_audit_change(*_args: object) -> None:
    raise AuditEntryImmutableError(
        "audit entries are append-only: they cannot be updated or deleted"
    )


# The store refuses too (triggers in migration 0002); these catch it earlier, in the ORM, for
# flushes of loaded entries and for bulk UPDATE/DELETE statements alike.
event.listen(AuditEntry, "before_update", _refuse_audit_change)
event.listen(AuditEntry, "before_delete", _refuse_audit_change)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        _refuse_audit_change()


class Approval(SQLModel, table=True):
    """Four-eyes decision on one prepared item (a payout batch, a refund above the threshold).

    One row per item, so an item can be decided at most once; the decision is a conditional
    UPDATE from PENDING, so two approvers clicking together cannot both win.
    """

    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("kind", "item_id", name="uq_approvals_kind_item"),
        Index("ix_approvals_status_requested", "status", "requested_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # payout | refund
    item_id: str = Field(max_length=64)
    amount: Decimal = money_field()
    currency: str = Field(max_length=12)
    status: str = Field(default="PENDING", max_length=16)  # PENDING | APPROVED | REJECTED
    prepared_by_id: int | None = Field(default=None, foreign_key="users.id")
    prepared_by_name: str = Field(max_length=64)
    requested_at: datetime = Field(default_factory=utcnow)
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    decided_by_name: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = None
    comment: str | None = Field(default=None, max_length=512)


class AppMeta(SQLModel, table=True):
    """Small key/value facts about this store (e.g. when demo data was seeded)."""

    __tablename__ = "app_meta"
    __table_args__ = (UniqueConstraint("key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    value: str = Field(max_length=512)
    updated_at: datetime = Field(default_factory=utcnow)


# --- day totals (migration 0010) -----------------------------------------------------------------
# Kept by database triggers in the same transaction as every write to orders and refunds, per
# local day of the zone recorded in app_meta 'rollup_zone' (data/queries/day_totals.py).


class OrderDayTotal(SQLModel, table=True):
    __tablename__ = "order_day_totals"

    day: date = Field(primary_key=True)
    provider: str = Field(primary_key=True, max_length=16)
    currency: str = Field(primary_key=True, max_length=12)
    status: str = Field(primary_key=True, max_length=16)
    orders: int = Field(sa_type=BigInteger)
    amount: Decimal = money_field()


class RefundDayTotal(SQLModel, table=True):
    __tablename__ = "refund_day_totals"

    day: date = Field(primary_key=True)
    currency: str = Field(primary_key=True, max_length=12)
    status: str = Field(primary_key=True, max_length=16)
    refunds: int = Field(sa_type=BigInteger)
    amount: Decimal = money_field()


class RollupZoneOffset(SQLModel, table=True):
    """SQLite only (PostgreSQL knows zones): the recorded zone's UTC offset from each moment on."""

    __tablename__ = "rollup_zone_offsets"

    starts_at: datetime = Field(primary_key=True)
    offset_minutes: int


# --- reconciliation ------------------------------------------------------------------------------


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


# --- the finance desk: alerts, saved views, scheduled reports, run-time settings (migration 0011)


class Alert(SQLModel, table=True):
    """A money movement that failed, for the people who can act on it (one row per item)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("kind", "item_ref", name="uq_alerts_kind_item"),
        Index("ix_alerts_open", "dismissed_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # payout | refund | debit
    item_ref: str = Field(max_length=64)
    message: str = Field(max_length=512)
    amount: Decimal | None = money_field(nullable=True)
    currency: str | None = Field(default=None, max_length=12)
    # The permission whose holders can act on the failure (and so see the alert).
    audience: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    dismissed_at: datetime | None = None
    dismissed_by: str | None = Field(default=None, max_length=64)
    # E-mail / chat webhook, only when configured: the worker sends each alert once.
    delivered_at: datetime | None = None
    delivery_note: str | None = Field(default=None, max_length=512)


class SavedView(SQLModel, table=True):
    """A named set of filters and columns of one page, owned by one user, opened by a link."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "page", "name", name="uq_saved_views_name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    page: str = Field(max_length=32)
    name: str = Field(max_length=64)
    params_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReportSchedule(SQLModel, table=True):
    __tablename__ = "report_schedules"

    id: int | None = Field(default=None, primary_key=True)
    report: str = Field(max_length=32)  # settlement | orders
    time_of_day: str = Field(max_length=5)  # HH:MM in the configured time zone
    params_json: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = True
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ReportRun(SQLModel, table=True):
    """One scheduled report for one day; the unique day makes two workers write it once."""

    __tablename__ = "report_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "for_day", name="uq_report_runs_schedule_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="report_schedules.id", index=True)
    for_day: date
    status: str = Field(max_length=16)  # RUNNING | DONE | FAILED
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    file_name: str | None = Field(default=None, max_length=256)
    row_count: int | None = None
    error: str | None = Field(default=None, max_length=512)


class RuntimeSetting(SQLModel, table=True):
    """A setting an admin changed in the app; it overrides the environment's value."""

    __tablename__ = "runtime_settings"

    key: str = Field(max_length=64, primary_key=True)
    value: str = Field(max_length=1024)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(max_length=64)


# "Needs review" (migration 0008) is rare and asked for on every click (the Inbox count): a
# partial index per table holds only the flagged rows, so finding them never scans 10M orders.
for _table in (Order, Refund, PayoutLine, DirectDebit):
    Index(f"ix_{_table.__tablename__}_needs_review", _table.__table__.c.id,  # type: ignore[attr-defined]
          sqlite_where=text("review_note IS NOT NULL"),
          postgresql_where=text("review_note IS NOT NULL"))
del _table
