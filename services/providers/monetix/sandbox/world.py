"""The platform's memory and how it writes payments, operations and callbacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.providers.sandbox_kit import SandboxClock, Scheduler

from .ids import IdSource
from .outbox import Outbox, signed_bytes
from .state import Operation, Payment, Registration, Timings

METHOD = "unify"


class ApiFail(Exception):
    """A synchronous refusal: ``{"status": "error", "code": ..., "message": ...}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def platform_date(ms: int) -> str:
    """``2024-12-07T19:08:45+0000``, the platform's format."""
    return datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class World:
    project_id: int
    secret: str
    clock: SandboxClock
    timings: Timings
    ids: IdSource = field(default_factory=IdSource)
    payments: dict[str, Payment] = field(default_factory=dict)
    registrations: dict[int, Registration] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)
    scheduler: Scheduler = field(default_factory=Scheduler)
    #: Payout accounts whose payouts are declined, with the code.
    failing_accounts: dict[str, str] = field(default_factory=dict)
    #: Purchases whose next refund is declined, with the code.
    failing_refunds: dict[str, str] = field(default_factory=dict)
    #: Merchant balance for payouts, minor units per currency; absent currency = unlimited.
    balances: dict[str, int] = field(default_factory=dict)
    merchant_refund_ids: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)

    #: While a scheduled change runs, the time it was due: its operation dates and callbacks
    #: must read as when it happened, however far the clock was pushed past it.
    acting_at_ms: int | None = None

    def now(self) -> int:
        return self.acting_at_ms if self.acting_at_ms is not None else self.clock.now_ms()

    def run_due(self) -> int:
        ran = 0
        now = self.clock.now_ms()
        for when, action in self.scheduler.pop_due(now):
            self.acting_at_ms = when
            try:
                action(when)
            finally:
                self.acting_at_ms = None
            ran += 1
        return ran

    def new_operation(self, op_type: str, amount: int, currency: str, origin: str,
                      status: str = "processing") -> Operation:
        now = self.now()
        provider_id = self.ids.next()
        return Operation(
            id=self.ids.next(), type=op_type, status=status, amount=amount, currency=currency,
            created_ms=now, updated_ms=now, request_id=f"{self.ids.next():x}",
            provider_id=provider_id, provider_payment_id=f"bnc-{provider_id}",
            origin_path=origin,
        )

    def log(self, what: str, payment: Payment, op: Operation | None = None) -> None:
        self.events.append({"atMs": self.now(), "event": what, "paymentId": payment.id,
                            "operationId": op.id if op else None,
                            "paymentStatus": payment.status})

    # -- rendering -----------------------------------------------------------------------

    def payment_object(self, payment: Payment) -> dict[str, Any]:
        return {
            "id": payment.id,
            "type": payment.type,
            "status": payment.status,
            "date": platform_date(max([payment.created_ms]
                                      + [op.updated_ms for op in payment.operations])),
            "method": METHOD,
            "sum": {"amount": payment.amount, "currency": payment.currency},
            "description": payment.description,
        }

    @staticmethod
    def operation_object(op: Operation) -> dict[str, Any]:
        return {
            "id": op.id,
            "type": op.type,
            "status": op.status,
            "date": platform_date(op.updated_ms),
            "created_date": platform_date(op.created_ms),
            "request_id": op.request_id,
            "sum_initial": {"amount": op.amount, "currency": op.currency},
            "sum_converted": {"amount": op.amount, "currency": op.currency},
            "code": op.code,
            "message": op.message,
            "provider": {"id": op.provider_id, "payment_id": op.provider_payment_id,
                         "auth_code": ""},
        }

    def common(self, payment: Payment) -> dict[str, Any]:
        body: dict[str, Any] = {"project_id": self.project_id,
                                "payment": self.payment_object(payment),
                                "customer": {"id": str(payment.customer.get("id", ""))}}
        if payment.account:
            body["account"] = {"number": payment.account}
        registration = self.registrations.get(payment.recurring_id or -1)
        if registration is not None:
            # The seed prints this placeholder for Binance Pay registrations (figure 14).
            body["recurring"] = {"id": registration.id, "currency": registration.currency,
                                 "valid_thru": "-0001-11-30T00:00:00+0000"}
        return body

    def status_body(self, payment: Payment) -> dict[str, Any]:
        return {**self.common(payment),
                "operations": [self.operation_object(op) for op in payment.operations]}

    def display_data(self, payment: Payment) -> list[dict[str, str]]:
        base = f"https://sandbox.monetix.local/binance/{payment.id}"
        items = [
            {"type": "qr_url", "title": "qr_url", "data": f"{base}/qr.png"},
            {"type": "add_info", "title": "checkouturl", "data": f"{base}/checkout"},
            {"type": "add_info", "title": "app_url", "data": f"bnc://app.binance.com/payment/{payment.id}"},
        ]
        if self.timings.display_layout == 2 and payment.qr_expires_ms is not None:
            items += [
                {"type": "add_info", "title": "universalurl", "data": f"{base}/universal"},
                {"type": "add_info", "title": "expired_timestamp",
                 "data": str(payment.qr_expires_ms // 1000)},
            ]
        return items

    def callback(self, payment: Payment, op: Operation, *, display: bool = False,
                 errors: list[dict[str, str]] | None = None) -> None:
        """Queue a signed callback about ``op`` as it stands now."""
        body = {**self.common(payment), "operation": self.operation_object(op)}
        if display:
            body["display_data"] = self.display_data(payment)
        if errors:
            body["errors"] = errors
        self.outbox.add(
            signed_bytes(body, self.secret), payment_id=payment.id, operation_id=op.id,
            operation_type=op.type, operation_status=op.status, origin_path=op.origin_path,
            due_ms=self.now() + self.timings.callback_delay_s * 1000,
            target_url=payment.callback_url,
        )
