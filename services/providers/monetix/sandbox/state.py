"""What the platform keeps: payments, their operations and COF registrations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Operation:
    id: int
    type: str  # sale, refund, payout, recurring, recurring_cancel
    status: str  # processing, awaiting customer action, success, decline
    amount: int  # minor units
    currency: str
    created_ms: int
    request_id: str
    provider_id: int
    provider_payment_id: str
    origin_path: str
    updated_ms: int = 0
    code: str = "0"
    message: str = "Processing"
    merchant_refund_id: str | None = None


@dataclass
class Payment:
    id: str  # the merchant's payment_id
    type: str  # purchase, payout, recurring
    status: str
    currency: str
    amount: int  # what the payment stands at now (the remainder after refunds)
    initial_amount: int
    customer: dict[str, Any]
    created_ms: int
    description: str = ""
    account: str | None = None
    receive_type: str | None = None
    register_cof: bool = False
    recurring_id: int | None = None
    qr_expires_ms: int | None = None
    callback_url: str | None = None
    operations: list[Operation] = field(default_factory=list)

    def last(self, *types: str) -> Operation | None:
        return next((op for op in reversed(self.operations) if op.type in types), None)


@dataclass
class Registration:
    """A COF (stored credential) registered on a successful sale."""

    id: int
    payment_id: str
    currency: str
    amount: int
    customer_id: str
    active: bool = True


@dataclass
class Timings:
    """Seconds of sandbox time between a cause and its outcome."""

    qr_callback_s: int = 1
    #: The seed: "The QR code is valid only for 20 minutes."
    qr_ttl_s: int = 20 * 60
    refund_settle_s: int = 2
    payout_settle_s: int = 3
    recurring_settle_s: int = 2
    cancel_settle_s: int = 1
    callback_delay_s: int = 1
    #: Which ``display_data`` layout the project gets (seed tables 3 and 4).
    display_layout: int = 2
    #: The QR-expiry decline code is not published; the sandbox uses "timeout".
    expiry_code: str = "20602"
