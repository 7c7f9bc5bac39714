"""Reading Juicyway webhooks: checksum first, then a neutral payment event.

Juicyway's checksum scheme is brittle (keyed by the business id, computed over a re-encoding of
``data``), so a verified event is still only a hint: ``needs_confirmation`` is always true and
the caller confirms with ``GET /payments/{id}`` before any money state changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.providers import errors as neutral
from services.providers.base import OrderState
from services.providers.events import EventKind, InboundEvent

from . import checksum, wire
from .errors import PROVIDER
from .models import Payment, parse_payment

#: Documented session events and the neutral state each one claims.
EVENT_STATES: dict[str, OrderState] = {
    "payment.session.succeeded": OrderState.PAID,
    "payment.session.failed": OrderState.ERROR,
}

#: Payment statuses (query answers and event data) and the neutral state they mean.
STATUS_STATES: dict[str, OrderState] = {
    "pending": OrderState.PENDING,
    "captured": OrderState.PENDING,
    "settled": OrderState.PAID,
    "success": OrderState.PAID,
    "failed": OrderState.ERROR,
}

MAX_BODY_BYTES = 256 * 1024


def state_of(payment: Payment) -> OrderState | None:
    # A session that ran out of time fails with reason "expired": for PayDesk it expired (a
    # Binance order may still complete after it; the core books such a late success for review).
    if payment.status == "failed" and payment.cancellation_reason == "expired":
        return OrderState.EXPIRED
    return STATUS_STATES.get(payment.status)


def parse_event(headers: Mapping[str, str], body: bytes, *, business_id: str) -> InboundEvent:
    """Verify the body's checksum and read the event; raises ``SignatureError`` when the
    checksum does not match and ``InvalidRequestError`` when the body is not an event."""
    del headers  # Juicyway signs in the body; no header carries anything we check.
    if len(body) > MAX_BODY_BYTES:
        raise neutral.InvalidRequestError("webhook body too large", provider=PROVIDER)
    try:
        envelope: Any = wire.loads(body)
    except (ValueError, RecursionError):
        raise neutral.InvalidRequestError("webhook body is not JSON", provider=PROVIDER) from None
    if not isinstance(envelope, Mapping):
        raise neutral.InvalidRequestError("webhook body is not an object", provider=PROVIDER)
    event_name, data = envelope.get("event"), envelope.get("data")
    offered = envelope.get("checksum")
    if not (isinstance(event_name, str) and isinstance(data, Mapping) and isinstance(offered, str)):
        raise neutral.InvalidRequestError(
            "webhook needs event (text), data (object) and checksum (text)", provider=PROVIDER
        )
    variant = checksum.matching_variant(event_name, data, business_id, offered)
    if variant is None:
        raise neutral.SignatureError("webhook checksum does not match", provider=PROVIDER)
    try:
        payment = parse_payment(data)
    except wire.WireFormatError as exc:
        raise neutral.InvalidRequestError(
            f"webhook data is not a payment: {exc}", provider=PROVIDER
        ) from None
    state = EVENT_STATES.get(event_name)
    if state is OrderState.ERROR and payment.cancellation_reason == "expired":
        state = OrderState.EXPIRED  # as state_of: the session ran out of time
    return InboundEvent(
        provider=PROVIDER,
        kind=EventKind.PAYMENT,
        provider_status=payment.status or event_name,
        state=state,
        merchant_id=payment.reference,
        provider_id=payment.id,
        raw_body=body,
        amount=payment.amount,
        currency=payment.currency,
        occurred_at=payment.created_at,
        needs_confirmation=True,
        provider_event=event_name,
        details={"event_name": event_name, "checksum_variant": variant},
    )


class JuicywayEvents:
    """``parse_event(headers, body)`` for one Juicyway business (its id keys the checksum)."""

    provider = PROVIDER

    def __init__(self, business_id: str) -> None:
        self._business_id = business_id

    def parse_event(self, headers: Mapping[str, str], body: bytes) -> InboundEvent:
        return parse_event(headers, body, business_id=self._business_id)

    def answer(self, accepted: bool, reason: str = "") -> bytes:
        return b'{"ok":true}' if accepted else b'{"ok":false}'


def envelope(event_name: str, data: Mapping[str, Any], business_id: str) -> bytes:
    """A signed webhook body as Juicyway sends it (used by the sandbox and by tests)."""
    signed = {
        "event": event_name,
        "data": data,
        "checksum": checksum.sign(event_name, data, business_id),
    }
    return wire.dumps(signed).encode()
