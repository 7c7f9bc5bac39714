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
from services.providers.monetix import MonetixClient
from services.providers.monetix import sandbox as monetix_sandbox
from services.providers.monetix.provider import MonetixProvider
from tests.providers.faulty_transport import FaultyTransport

PROVIDERS = ("binance_pay", "juicyway", "monetix")

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
    #: The path prefix of the call that refunds, where refunds are offered.
    refund_path: str | None = None
    #: What the sandbox says was refunded of a payment in all (its own books, not the port's).
    refunded: Callable[[base.CreatedOrder], Decimal] | None = None
    payout_currency: str | None = None
    debit_currency: str | None = None
    #: The customer signs a mandate (or pays the sale that registers it).
    sign: Callable[[base.Contract], None] | None = None
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

    def events(self) -> list[InboundEvent]:
        """The notifications since the last look, verified and read by the provider."""
        return [self.parse(headers, body) for headers, body in self.notifications()]


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

    engine.set_balance("USDT", Decimal(1000))  # payouts draw on the merchant wallet

    def pay(created: base.CreatedOrder) -> None:
        engine.pay_order(prepay_id=created.provider_order_id)
        engine.advance(5)

    def sign(contract: base.Contract) -> None:
        engine.sign_contract(merchant_contract_code=contract.merchant_contract_code)
        engine.advance(5)

    def refunded(created: base.CreatedOrder) -> Decimal:
        order = engine.world.order(created.provider_order_id, None)
        assert order is not None
        return order.refunded

    return Kit(
        name="binance_pay", provider=BinancePayProvider(client), currency="USDT",
        amount=Decimal("25.17"), faults=faults, create_path="/binancepay/openapi/v3/order",
        pay=pay, advance=engine.advance, _received=lambda: list(sink.received),
        parse=lambda headers, body: binance_events.parse_event(headers, body, keys),
        refund_path="/binancepay/openapi/order/refund", refunded=refunded,
        payout_currency="USDT", debit_currency="USDT", sign=sign,
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


def _monetix() -> Kit:
    sink = monetix_sandbox.CollectingSink()
    project, secret = 4321, "contract-monetix-secret"
    sandbox = monetix_sandbox.MonetixSandbox(
        project, secret, clock=monetix_sandbox.SandboxClock(frozen_at_ms=1_700_000_000_000),
        callback_sink=sink)
    faults = FaultyTransport(monetix_sandbox.SandboxTransport(sandbox))
    client = MonetixClient(project, secret, base_url="https://gate.sandbox.test",
                           transport=faults, sleep=lambda _s: None)
    # The payer's own IP is never seen in these tests: the operator's address stands in.
    provider = MonetixProvider(client, operator_ip="203.0.113.7")

    def pay_sale(payment_id: str) -> None:
        sandbox.advance(2)  # the QR is shown first (intermediate callback with display_data)
        sandbox.pay(payment_id)
        sandbox.advance(2)

    def refunded(created: base.CreatedOrder) -> Decimal:
        # The sandbox's own books: what is left of the payment, in minor units.
        payment = sandbox.world.payments[created.provider_order_id]
        return Decimal(payment.initial_amount - payment.amount).scaleb(-2)

    return Kit(
        name="monetix", provider=provider, currency="EUR", amount=Decimal("25.17"),
        faults=faults, create_path="/v2/payment/unify/sale",
        pay=lambda created: pay_sale(created.provider_order_id), advance=sandbox.advance,
        _received=lambda: [({}, body) for body in sink.received],
        parse=provider.parse_event, refund_path="/v2/payment/unify/refund", refunded=refunded,
        payout_currency="EUR", debit_currency="EUR",
        sign=lambda contract: pay_sale(contract.merchant_contract_code),
    )


_BUILDERS = {"binance_pay": _binance, "juicyway": _juicyway, "monetix": _monetix}


@pytest.fixture(params=PROVIDERS)
def kit(request: pytest.FixtureRequest) -> Kit:
    return _BUILDERS[request.param]()
