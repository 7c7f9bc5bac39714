"""The inbound half of the port: what a provider's notification means, in neutral terms.

Each provider package parses and verifies its own notifications into an ``InboundEvent``
(``parse_event(headers, body, ...)``); the core stores, dedupes and dispatches those and never
reads a raw provider field. An event whose ``state`` is None is one the provider package could
not map (an unknown status or event type): it is kept for the record and flagged, never applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from .base import (
    ContractState,
    DebitState,
    OrderState,
    PayoutBatchState,
    PayoutLineState,
    RefundState,
)

NeutralState = (
    OrderState | RefundState | PayoutBatchState | PayoutLineState | ContractState | DebitState
)


class EventKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    PAYOUT = "payout"
    PAYOUT_LINE = "payout_line"
    MANDATE = "mandate"
    DEBIT = "debit"
    #: Something the provider tells that PayDesk keeps but does not act on (reports, QR scans).
    OTHER = "other"


@dataclass(frozen=True)
class InboundEvent:
    """One verified notification.

    ``merchant_id`` is our id for the item (merchant order id, refund request id, payout batch
    request id, payout line id, contract code, debit request id); ``parent_merchant_id`` the
    item it belongs to where the provider says so (the order of a refund, the batch of a line).
    ``needs_confirmation`` is set by providers whose notifications are too weakly signed to move
    money on their own: the core confirms them with a query first.
    """

    provider: str
    kind: EventKind
    provider_status: str
    state: NeutralState | None
    merchant_id: str | None
    provider_id: str | None
    raw_body: bytes
    amount: Decimal | None = None
    currency: str | None = None
    fee: Decimal | None = None
    occurred_at: datetime | None = None
    parent_merchant_id: str | None = None
    needs_confirmation: bool = False
    #: The provider's own name for the notification (Binance's event type, a Monetix operation
    #: type, Juicyway's event name), kept for the record and the audit trail.
    provider_event: str | None = None
    #: Neutral extras a handler may use: payer_id, transaction_id, receiver, claim_deadline...
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    @property
    def identity(self) -> str:
        """What makes two deliveries the same event: the provider's retry of one notification
        repeats all of it, so provider, kind, ids, status and the body's digest."""
        digest = hashlib.sha256(self.raw_body).hexdigest()[:32]
        parts = (self.provider, self.kind.value, self.provider_id or "", self.merchant_id or "",
                 self.provider_status, digest)
        return "|".join(parts)


class EventReader(Protocol):
    """One provider's inbound half: verify and read a notification, and word the answer.

    ``parse_event`` raises ``errors.SignatureError`` (or another ``ProviderError``) for a delivery
    that does not verify, ``errors.VerificationUnavailable`` when it cannot be judged now, and
    ``errors.UnreadableEvent`` (or ``ValueError``) for a genuine one it cannot read.
    """

    provider: str

    def parse_event(self, headers: Mapping[str, str], body: bytes) -> InboundEvent: ...

    def answer(self, accepted: bool, reason: str = "") -> bytes:
        """The response body this provider expects (it retries until it reads success)."""
        ...
