"""An in-process Monetix sandbox and a client wired to it (no network)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.providers.events import InboundEvent
from services.providers.monetix import CallbackParser, Customer, MonetixClient
from services.providers.monetix.sandbox import (
    CollectingSink,
    MonetixSandbox,
    SandboxClock,
    SandboxTransport,
)

PROJECT = 1234
SECRET = "paydesk-test-secret"
ENCRYPTION_KEY = "encrypt_secret"
#: 2023-11-14T22:13:20Z; business time only moves when a test moves it.
T0 = 1_700_000_000_000
CUSTOMER = Customer("customer_123", "198.51.100.47", "John", "Doe", "johndoe@example.com")


@dataclass
class Sandbox:
    sandbox: MonetixSandbox
    client: MonetixClient
    sink: CollectingSink
    parser: CallbackParser

    def events(self) -> list[InboundEvent]:
        return [self.parser.parse_event({}, body) for body in self.sink.received]

    def events_for(self, payment_id: str) -> list[InboundEvent]:
        """Events about ``payment_id``: its own, and its refunds (known by their purchase)."""
        return [e for e in self.events()
                if payment_id in (e.merchant_id, e.parent_merchant_id)]

    def paid_sale(self, payment_id: str, amount: str = "100.00", currency: str = "EUR",
                  *, register_cof: bool = False) -> None:
        self.client.sale(payment_id=payment_id, amount=Decimal(amount), currency=currency,
                         customer=CUSTOMER, register_cof=register_cof)
        self.sandbox.advance(2)
        self.sandbox.pay(payment_id)
        self.sandbox.advance(2)


def make_sandbox(*, sandbox: MonetixSandbox | None = None, secret: str = SECRET,
                 max_retries: int = 2, **sandbox_kwargs) -> Sandbox:
    sink = CollectingSink()
    if sandbox is None:
        sandbox = MonetixSandbox(PROJECT, SECRET, clock=SandboxClock(frozen_at_ms=T0),
                                 callback_sink=sink, encryption_key=ENCRYPTION_KEY,
                                 **sandbox_kwargs)
    client = MonetixClient(PROJECT, secret, base_url="https://gate.sandbox.test",
                           transport=SandboxTransport(sandbox), max_retries=max_retries,
                           sleep=lambda _s: None)
    return Sandbox(sandbox, client, sink, CallbackParser(SECRET, project_id=PROJECT))
