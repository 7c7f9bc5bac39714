"""A provider-neutral event read from one Monetix operation.

Defined here until the provider-neutral core (issue 11) gives every provider one event type;
its fields are the ones that issue lists, so moving it is a rename, not a redesign.

The state comes from ``(operation.type, operation.status)`` only. ``payment.status`` is kept
for display: a declined refund arrives with payment status ``success`` and a declined COF
charge too, so reading it would book money that never moved. An operation type or status this
module does not know yields an event with no state and ``unknown_reason`` set: it is stored
and flagged for a person, never applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from services.providers.base import (
    CheckoutLinks,
    ContractState,
    DebitState,
    OrderState,
    PayoutLineState,
    RefundState,
)

from .errors import PROVIDER, reason
from .operations import Operation


class EventKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"
    PAYOUT = "payout"
    MANDATE = "mandate"
    DEBIT = "debit"
    #: An operation type PayDesk does not know; never applied.
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    """Where the operation itself stands, whatever object it belongs to."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


NeutralState = OrderState | RefundState | PayoutLineState | ContractState | DebitState

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
    "payout": EventKind.PAYOUT,
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
    EventKind.PAYOUT: {Outcome.PENDING: PayoutLineState.PROCESSING,
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
        return EventKind.UNKNOWN, None, None, f"unknown operation type '{op.type}'"
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


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    kind: EventKind
    #: Our id: ``payment.id`` (the purchase's id also for its refunds).
    merchant_id: str
    #: ``operation.id``: one per operation, the same in every callback about it.
    provider_id: str | None
    outcome: Outcome | None
    state: NeutralState | None
    #: Provider words for display and audit: "sale decline (payment decline)".
    provider_status: str
    operation_type: str
    operation_status: str
    payment_status: str | None
    amount: Decimal | None
    currency: str | None
    converted_amount: Decimal | None
    converted_currency: str | None
    #: Monetix callbacks carry no fee; fees come from the Dashboard report.
    fee: Decimal | None
    occurred_at: datetime | None
    code: str | None
    reason: str | None
    raw: bytes = field(repr=False)
    display: DisplayData | None = None
    #: The COF registration id (``recurring.id``) when the callback names one.
    mandate_id: str | None = None
    #: The Binance account (id or e-mail) of payer or payee, when given.
    account: str | None = None
    request_id: str | None = None
    provider_reference: str | None = None
    #: Set when the event must be stored and shown to a person but never applied.
    unknown_reason: str | None = None
    provider: str = PROVIDER

    @property
    def flagged(self) -> bool:
        return self.unknown_reason is not None

    @property
    def dedupe_key(self) -> str:
        """Same operation in the same status: a repeat delivery, whatever its byte order.
        The QR callback and the final one share an operation id but not a status."""
        return f"{PROVIDER}:{self.merchant_id}:{self.provider_id}:{self.operation_status}" + (
            ":display" if self.display is not None else ""
        )


def words(op: Operation, payment_status: str | None) -> str:
    base = f"{op.type} {op.status}"
    return f"{base} (payment {payment_status})" if payment_status else base


def decline_reason(op: Operation) -> str | None:
    if op.code is None or op.code == "0":
        return None
    return reason(op.code)
