"""Monetix callbacks (platform -> merchant): verify the signature, then read one event.

Nothing in a body is read before its signature verifies. The platform counts a delivery as
done on HTTP 200 only and retries for up to 11 days, so a receiver answers 200 to every
verified callback it has stored (even one it flags), and an error status to one it refuses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.providers.base import CheckoutLinks
from services.providers.errors import InvalidRequestError, UnreadableEvent
from services.providers.events import EventKind, InboundEvent

from . import signature, wire
from .errors import PROVIDER, CallbackRejected, MonetixError
from .events import DisplayData, classify, decline_reason, words
from .operations import ShapeError, parse_operation, parse_payment, section, text

ACK = b'{"status":"ok"}'
#: Real callbacks are a few kilobytes; anything far larger is not one.
MAX_BODY_BYTES = 256 * 1024


class MalformedCallback(MonetixError, UnreadableEvent, InvalidRequestError):
    """Signed correctly, but not the documented shape: store it for a person, apply nothing."""


def parse_display_data(value: object) -> DisplayData | None:
    """``display_data`` by ``title``, never by position; a JSON string is read as a list."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = wire.loads(value)
        except (ValueError, json.JSONDecodeError):
            raise ShapeError("'display_data' is neither a list nor JSON text") from None
    if not isinstance(value, list):
        raise ShapeError("'display_data' should be a list")
    found: dict[str, str] = {}
    for item in value:
        if isinstance(item, Mapping) and isinstance(item.get("title"), str):
            data = item.get("data")
            if isinstance(data, str | int):
                found.setdefault(item["title"], str(data))
    expires_at = None
    stamp = found.get("expired_timestamp", "")
    if stamp.isdigit():
        expires_at = datetime.fromtimestamp(int(stamp), tz=UTC)
    links = CheckoutLinks(
        checkout_url=found.get("checkouturl"),
        deeplink=found.get("app_url"),
        universal_url=found.get("universalurl"),
        qr_code_link=found.get("qr_url"),
    )
    return DisplayData(links=links, expires_at=expires_at)


def event_from_body(body: Mapping[str, Any], raw: bytes) -> InboundEvent:
    """The event of an already verified callback body."""
    payment = parse_payment(body)
    recurring_id = text(section(body, "recurring").get("id"))
    details: dict[str, Any] = {"payment_status": payment.status, "mandate_id": recurring_id,
                               "account": text(section(body, "account").get("number"))}
    display = parse_display_data(body.get("display_data"))
    if display is not None:
        details |= {"links": display.links, "expires_at": display.expires_at}
    if "operation" not in body:
        return InboundEvent(
            provider=PROVIDER, kind=EventKind.OTHER, provider_status=f"payment {payment.status}",
            state=None, merchant_id=payment.id, provider_id=None, raw_body=raw,
            details=details | {"unknown_reason": "callback without an operation"},
        )
    op = parse_operation(body["operation"])
    kind, outcome, state, unknown = classify(op)
    converted = op.sum_converted
    details |= {
        "outcome": outcome.value if outcome else None,
        "operation_id": op.id,
        "operation_type": op.type,
        "operation_status": op.status,
        "code": op.code,
        "reason": decline_reason(op),
        "request_id": op.request_id,
        "provider_reference": op.provider_reference,
        "converted_amount": converted.amount if converted else None,
        "converted_currency": converted.currency if converted else None,
        "unknown_reason": unknown,
    }
    merchant_id: str | None = payment.id
    parent: str | None = None
    provider_id = op.id
    if kind is EventKind.PAYMENT:
        # Monetix keys a purchase by our payment_id and gives it no id of its own; the sale's
        # operation id is known only once a callback or status arrives, so the create answer
        # (``CreatedOrder.provider_order_id``) can only be the payment id. Events name the
        # same id so that the core finds the order by either; the operation id is in details.
        provider_id = payment.id
    elif kind is EventKind.REFUND:
        merchant_id, parent = None, payment.id
    elif kind is EventKind.MANDATE and recurring_id is not None:
        provider_id = recurring_id
    elif kind is EventKind.DEBIT:
        # A COF charge is a payment of its own, keyed by our payment_id like a purchase.
        provider_id, parent = payment.id, recurring_id
    initial = op.sum_initial
    return InboundEvent(
        provider=PROVIDER,
        kind=kind,
        provider_status=words(op, payment.status),
        state=state,
        merchant_id=merchant_id,
        provider_id=provider_id,
        raw_body=raw,
        amount=initial.amount if initial else None,
        currency=initial.currency if initial else None,
        # Monetix callbacks carry no fee; fees come from the Dashboard report.
        fee=None,
        occurred_at=op.date or op.created_at,
        parent_merchant_id=parent,
        provider_event=op.type,
        details=details,
    )


class CallbackParser:
    """``parse_event(headers, body)`` for one Monetix project (its id and secret key)."""

    provider = PROVIDER

    def __init__(self, secret: str, *, project_id: int | str | None = None) -> None:
        self._secret = secret
        self._project_id = str(project_id) if project_id is not None else None

    def verify(self, body: bytes) -> dict[str, Any]:
        """The body as a dict once its signature and project check out."""
        if len(body) > MAX_BODY_BYTES:
            raise CallbackRejected("callback body is too large", provider=PROVIDER)
        try:
            data = wire.loads(body)
        except (ValueError, RecursionError):
            raise CallbackRejected("callback body is not JSON", provider=PROVIDER) from None
        if not isinstance(data, dict):
            raise CallbackRejected("callback body is not a JSON object", provider=PROVIDER)
        given = signature.find_signature(data)
        try:
            ok = signature.verify(data, self._secret, given)
        except (signature.UnsignableValue, RecursionError):
            ok = False
        if not ok:
            raise CallbackRejected("callback signature does not verify", code="3261",
                                   provider=PROVIDER)
        project = data.get("project_id")
        if self._project_id is not None and str(project) != self._project_id:
            raise CallbackRejected(
                f"callback is for project {project!r}, not ours",
                provider=PROVIDER,
            )
        return data

    def parse_event(self, headers: Mapping[str, str], body: bytes) -> InboundEvent:
        del headers  # Monetix signs the body only; headers carry nothing we may trust.
        data = self.verify(body)
        try:
            return event_from_body(data, body)
        except ShapeError as exc:
            raise MalformedCallback(f"signed callback has an unexpected shape: {exc}",
                                    provider=PROVIDER) from None

    def answer(self, accepted: bool, reason: str = "") -> bytes:
        # Monetix reads only the HTTP status; the body is for people reading logs.
        return b'{"status":"ok"}' if accepted else b'{"status":"error"}'
