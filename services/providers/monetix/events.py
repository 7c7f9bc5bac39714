"""Reading one Monetix operation as the core's neutral ``InboundEvent``.

The state comes from ``(operation.type, operation.status)`` only. ``payment.status`` is kept
for display: a declined refund arrives with payment status ``success`` and a declined COF
charge too, so reading it would book money that never moved. An operation type or status this
module does not know yields an event with no state and ``details["unknown_reason"]`` set: it is
stored and flagged for a person, never applied.

Ids: ``merchant_id`` is our ``payment_id`` for payments, payout lines and COF charges. A refund
has no id of its own on the platform (it reuses the purchase's), so a refund event carries the
purchase as ``parent_merchant_id`` and no ``merchant_id``: with at most one refund in flight per
payment (capabilities) the core knows which refund it is. ``provider_id`` is our payment id for
a purchase and a COF charge (Monetix gives those no id of its own), the registration id
(``recurring.id``) for a COF cancellation, and ``operation.id`` otherwise (refund, payout);
``details["operation_id"]`` always holds the operation id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.providers.base import (
    CheckoutLinks,
    ContractState,
    DebitState,
    OrderState,
    PayoutLineState,
    RefundState,
)
from services.providers.events import EventKind, InboundEvent, NeutralState

from .errors import reason
from .operations import Operation


class Outcome(StrEnum):
    """Where the operation itself stands, whatever object it belongs to."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


#: operation.status -> outcome (platform list, providers.md §4).
OUTCOMES: dict[str, Outcome] = {
    "success": Outcome.SUCCEEDED,
    "decline": Outcome.FAILED,
    "error": Outcome.FAILED,
    "processing": Outcome.PENDING,
    "awaiting 3ds result": Outcome.PENDING,
    "awaiting redirect result": Outcome.PENDING,
    "awaiting clarification": Outcome.PENDING,
    "awaiting customer": Outcome.PENDING,
    "awaiting customer action": Outcome.PENDING,
    "awaiting merchant auth": Outcome.PENDING,
}

#: operation.type -> kind. ``reversal`` is a same-day full refund (platform rule).
KINDS: dict[str, EventKind] = {
    "sale": EventKind.PAYMENT,
    "refund": EventKind.REFUND,
    "reversal": EventKind.REFUND,
    "payout": EventKind.PAYOUT_LINE,
    "recurring": EventKind.DEBIT,
    "recurring_cancel": EventKind.MANDATE,
}

#: Sale declines that are not failures of the payer's money. The code of the QR-expiry
#: decline is not published (providers.md §17); the sandbox uses 20602 ("timeout") and says so.
EXPIRY_CODES = frozenset({"20602"})
CANCEL_CODES = frozenset({"20301"})

_STATES: dict[EventKind, dict[Outcome, NeutralState]] = {
    EventKind.PAYMENT: {Outcome.PENDING: OrderState.PENDING, Outcome.SUCCEEDED: OrderState.PAID,
                        Outcome.FAILED: OrderState.ERROR},
    EventKind.REFUND: {Outcome.PENDING: RefundState.PENDING,
                       Outcome.SUCCEEDED: RefundState.SUCCEEDED,
                       Outcome.FAILED: RefundState.FAILED},
    EventKind.PAYOUT_LINE: {Outcome.PENDING: PayoutLineState.PROCESSING,
                       Outcome.SUCCEEDED: PayoutLineState.SUCCEEDED,
                       Outcome.FAILED: PayoutLineState.FAILED},
    EventKind.DEBIT: {Outcome.PENDING: DebitState.PROCESSING,
                      Outcome.SUCCEEDED: DebitState.SUCCEEDED,
                      Outcome.FAILED: DebitState.FAILED},
    # A cancellation that failed or is pending leaves the registration as it was: no state.
    EventKind.MANDATE: {Outcome.SUCCEEDED: ContractState.TERMINATED},
}


def classify(op: Operation) -> tuple[EventKind, Outcome | None, NeutralState | None, str | None]:
    """``(kind, outcome, state, unknown_reason)`` for one operation."""
    kind = KINDS.get(op.type)
    if kind is None:
        return EventKind.OTHER, None, None, f"unknown operation type '{op.type}'"
    outcome = OUTCOMES.get(op.status)
    if outcome is None:
        return kind, None, None, f"unknown status '{op.status}' of a {op.type} operation"
    state = _STATES[kind].get(outcome)
    if kind is EventKind.PAYMENT and outcome is Outcome.FAILED:
        if op.code in EXPIRY_CODES:
            state = OrderState.EXPIRED
        elif op.code in CANCEL_CODES:
            state = OrderState.CANCELED
    return kind, outcome, state, None


@dataclass(frozen=True, slots=True)
class DisplayData:
    """What the payment request page shows while the customer pays (intermediate callback)."""

    links: CheckoutLinks
    #: Layout 2 only; Unix seconds in the callback.
    expires_at: datetime | None = None


def words(op: Operation, payment_status: str | None) -> str:
    base = f"{op.type} {op.status}"
    return f"{base} (payment {payment_status})" if payment_status else base


def decline_reason(op: Operation) -> str | None:
    if op.code is None or op.code == "0":
        return None
    return reason(op.code)


def display_of(event: InboundEvent) -> DisplayData | None:
    """The QR, links and expiry of an intermediate payment callback, if it carried them."""
    links = event.details.get("links")
    if not isinstance(links, CheckoutLinks):
        return None
    return DisplayData(links=links, expires_at=event.details.get("expires_at"))


def is_flagged(event: InboundEvent) -> bool:
    """An operation type or status PayDesk does not know: stored and shown, never applied."""
    return bool(event.details.get("unknown_reason"))
