"""What the store keeps as record: provider notifications, the audit trail, approvals and store metadata."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Index, Text, UniqueConstraint, event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel import Field, SQLModel

from data.models._base import money_field, utcnow


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
