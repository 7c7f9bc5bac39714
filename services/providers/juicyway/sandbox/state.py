"""What the Juicyway sandbox remembers: sessions and their Binance links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..wire import format_time

DEFAULT_SESSION_TTL = timedelta(minutes=30)


def new_payment_id() -> str:
    """Random UUIDs, as Juicyway's: ids never repeat, not even across sandbox restarts."""
    return str(uuid.uuid4())


@dataclass
class SessionRecord:
    id: str
    reference: str
    amount_minor: int
    currency: str
    customer: dict[str, Any]
    description: str
    metadata: dict[str, Any]
    created_at: datetime
    customer_id: str = field(default_factory=new_payment_id)
    correlation_id: str = field(default_factory=new_payment_id)
    status: str = "pending"
    cancellation_reason: str | None = None
    captured_at: datetime | None = None
    expires_at: datetime | None = None
    binance_token: str | None = None
    #: How many Binance orders capture created for this session (more than one is the hazard
    #: a repeated capture would cause; tests assert it stays at one).
    captures: int = 0
    paid_at: datetime | None = None

    def payment(self) -> dict[str, Any]:
        return {
            "amount": self.amount_minor,
            "cancellation_reason": self.cancellation_reason,
            "correlation_id": self.correlation_id,
            "currency": self.currency,
            "customer": {"id": self.customer_id, **self.customer},
            "date": format_time(self.created_at),
            "description": self.description,
            "id": self.id,
            "metadata": self.metadata,
            "mode": "test",
            "payment_method": {"type": "binance_pay"} if self.captures else None,
            "reference": self.reference,
            "status": self.status,
        }

    def links(self, hosted_base: str) -> dict[str, Any]:
        if self.binance_token is None:
            return {"url": f"{hosted_base}/payment-sessions/{self.id}"}
        token = self.binance_token
        return {
            "checkout_url": f"{hosted_base}/binance/checkout/{token}",
            "deeplink": f"bnc://app.binance.com/payment/secpay?tempToken={token}",
            "payment_url": f"{hosted_base}/binance/secpay?linkToken={token}",
            "qr_url": f"{hosted_base}/binance/qr/{token}.png",
        }

    def session(self, hosted_base: str) -> dict[str, Any]:
        captured = self.binance_token is not None
        return {
            "auth_type": None,
            "expires_at": format_time(self.expires_at) if self.expires_at else None,
            "links": self.links(hosted_base),
            "message": _MESSAGES.get(self.status, "Pending")
            if not captured or self.status != "pending"
            else "Waiting for payment",
            "payment": self.payment(),
            "status": self.status,
        }


_MESSAGES = {
    "pending": "Pending",
    "settled": "Payment successful",
    "failed": "Payment failed",
}
