"""One kit per provider sandbox, so that the same contract tests run against every provider.

A kit gives the port object (``provider``), how the customer acts in the sandbox (``pay``),
the notifications the sandbox sent since the last look (``notifications``), how the provider
reads one (``parse``), and a ``FaultyTransport`` between the client and the sandbox. Adding a
provider: add a builder below and its name to ``PROVIDERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from services.providers import base
from services.providers.binance_pay import BinancePayClient, BinancePayProvider
from services.providers.binance_pay import events as binance_events
from services.providers.binance_pay import sandbox as binance_sandbox
from services.providers.events import InboundEvent
from services.providers.juicyway.client import JuicywayClient
from services.providers.juicyway.provider import JuicywayProvider
from services.providers.juicyway.sandbox import CollectingSink as JuicywaySink
from services.providers.juicyway.sandbox import JuicywaySandbox, SandboxTransport
from tests.providers.faulty_transport import FaultyTransport

PROVIDERS = ("binance_pay", "juicyway")

PAYER = base.Payer(first_name="Ada", last_name="Okafor", email="ada@example.com",
                   phone_number="+2348012345678", country="NG")


@dataclass
class Kit:
    name: str
    provider: base.PaymentProvider
    currency: str
    amount: Decimal
    faults: FaultyTransport
    #: The path prefix of the call that creates a payment.
    create_path: str
    pay: Callable[[base.CreatedOrder], None]
    advance: Callable[[int], None]
    _received: Callable[[], list[tuple[dict[str, str], bytes]]]
    parse: Callable[[dict[str, str], bytes], InboundEvent]
    _seen: int = field(default=0)

    def create(self, merchant_order_id: str, amount: Decimal | None = None) -> base.CreatedOrder:
        return self.provider.create_order(
            merchant_order_id=merchant_order_id, amount=amount or self.amount,
            currency=self.currency, description="Contract test order", goods_name="Widget",
            payer=PAYER,
        )

    def notifications(self) -> list[tuple[dict[str, str], bytes]]:
        received = self._received()
        fresh, self._seen = received[self._seen:], len(received)
        return fresh


def _binance() -> Kit:
    sink = binance_sandbox.CollectingSink()
    engine = binance_sandbox.SandboxEngine(
        "contract-key", "contract-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH",
        clock=binance_sandbox.SandboxClock(frozen_at_ms=1_700_000_000_000), webhook_sink=sink,
    )
    faults = FaultyTransport(binance_sandbox.SandboxTransport(engine))
    client = BinancePayClient(
        "contract-key", "contract-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH",
        base_url="https://bpay.sandbox.test", transport=faults, sleep=lambda _s: None,
    )
    cert = engine.certificate
    keys = {cert["certSerial"]: cert["certPublic"]}

    def pay(created: base.CreatedOrder) -> None:
        engine.pay_order(prepay_id=created.provider_order_id)
        engine.advance(5)

    return Kit(
        name="binance_pay", provider=BinancePayProvider(client), currency="USDT",
        amount=Decimal("25.17"), faults=faults, create_path="/binancepay/openapi/v3/order",
        pay=pay, advance=engine.advance, _received=lambda: list(sink.received),
        parse=lambda headers, body: binance_events.parse_event(headers, body, keys),
    )


def _juicyway() -> Kit:
    sink = JuicywaySink()
    sandbox = JuicywaySandbox("test_contract_key", "contract-business", sink=sink)
    faults = FaultyTransport(SandboxTransport(sandbox))
    client = JuicywayClient("test_contract_key", base_url="https://juicyway.sandbox.test",
                            transport=faults, sleep=lambda _s: None)
    provider = JuicywayProvider(client, business_id="contract-business")

    def pay(created: base.CreatedOrder) -> None:
        sandbox.pay(created.provider_order_id)
        sandbox.tick()

    return Kit(
        name="juicyway", provider=provider, currency="USD", amount=Decimal("25.17"),
        faults=faults, create_path="/payment-sessions", pay=pay, advance=sandbox.advance,
        _received=lambda: [({}, body) for body in sink.received],
        parse=provider.parse_event,
    )


_BUILDERS = {"binance_pay": _binance, "juicyway": _juicyway}


@pytest.fixture(params=PROVIDERS)
def kit(request: pytest.FixtureRequest) -> Kit:
    return _BUILDERS[request.param]()
