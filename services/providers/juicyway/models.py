"""Typed views of Juicyway's payment and payment-session objects (amounts as ``Decimal``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .wire import WireFormatError, from_minor_units, parse_time

#: Statuses that end a payment (providers.md 12, "Final states"); pending/captured do not.
FINAL_STATUSES = frozenset({"settled", "success", "failed"})


@dataclass(frozen=True, slots=True)
class Customer:
    first_name: str
    last_name: str
    email: str
    phone_number: str
    country: str
    line1: str = "-"
    city: str = "-"
    state: str = "-"
    zip_code: str = "-"

    def as_wire(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "phone_number": self.phone_number,
            "billing_address": {
                "line1": self.line1,
                "city": self.city,
                "state": self.state,
                "country": self.country,
                "zip_code": self.zip_code,
            },
        }


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    reference: str | None
    status: str
    amount: Decimal | None
    currency: str | None
    created_at: datetime | None
    description: str | None = None
    cancellation_reason: str | None = None
    correlation_id: str | None = None
    mode: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass(frozen=True, slots=True)
class SessionLinks:
    hosted_page_url: str | None = None
    checkout_url: str | None = None
    deeplink: str | None = None
    payment_url: str | None = None
    qr_url: str | None = None


@dataclass(frozen=True, slots=True)
class Session:
    payment: Payment
    status: str
    message: str | None
    expires_at: datetime | None
    links: SessionLinks

    @property
    def captured(self) -> bool:
        """Capture is what creates the Binance order and its links."""
        return self.links.checkout_url is not None or self.links.qr_url is not None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_payment(data: Any) -> Payment:
    if not isinstance(data, Mapping) or not data.get("id"):
        raise WireFormatError("a Juicyway payment needs an object with an id")
    currency = _text(data.get("currency"))
    amount = data.get("amount")
    return Payment(
        id=str(data["id"]),
        reference=_text(data.get("reference")),
        status=str(data.get("status") or "").lower(),
        amount=from_minor_units(amount, currency) if amount is not None and currency else None,
        currency=currency.upper() if currency else None,
        created_at=parse_time(data.get("date")),
        description=_text(data.get("description")),
        cancellation_reason=_text(data.get("cancellation_reason")),
        correlation_id=_text(data.get("correlation_id")),
        mode=_text(data.get("mode")),
        raw=data,
    )


def parse_session(data: Any) -> Session:
    if not isinstance(data, Mapping):
        raise WireFormatError("a Juicyway payment session must be an object")
    links = data.get("links") or {}
    if not isinstance(links, Mapping):
        raise WireFormatError("links of a payment session must be an object")
    payment = parse_payment(data.get("payment"))
    return Session(
        payment=payment,
        status=str(data.get("status") or payment.status).lower(),
        message=_text(data.get("message")),
        expires_at=parse_time(data.get("expires_at")),
        links=SessionLinks(
            hosted_page_url=_text(links.get("url")),
            checkout_url=_text(links.get("checkout_url")),
            deeplink=_text(links.get("deeplink")),
            payment_url=_text(links.get("payment_url")),
            qr_url=_text(links.get("qr_url")),
        ),
    )


@dataclass(frozen=True, slots=True)
class PaymentPage:
    items: tuple[Session, ...]
    after: str | None
    before: str | None
