"""Builds an in-process Binance Pay sandbox and a client wired to it (no network)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.providers.binance_pay import BinancePayClient, BinancePayProvider
from services.providers.binance_pay.sandbox import (
    CollectingSink,
    SandboxClock,
    SandboxEngine,
    SandboxTransport,
)

KEY = "sbx-api-key-0001"
SECRET = "sbx-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
#: 2023-11-14T22:13:20Z; business time starts here and only moves when a test moves it.
T0 = 1_700_000_000_000


@dataclass
class Sandbox:
    engine: SandboxEngine
    client: BinancePayClient
    provider: BinancePayProvider
    sink: CollectingSink

    def paid_order(self, trade_no: str, amount: str = "100", currency: str = "USDT") -> str:
        created = self.client.create_order_v3(
            merchant_trade_no=trade_no, order_amount=Decimal(amount), currency=currency,
            description="test order", goods_details=[GOODS],
        )
        self.engine.pay_order(prepay_id=created.prepayId)
        self.engine.advance(5)
        return created.prepayId

    def signed_contract(self, code: str, *, periodic: bool = False, limit: str = "50") -> str:
        extra = {}
        if periodic:
            extra = {"cycle_type": "DAY", "cycle_value": 30,
                     "first_deduct_time": self.engine.clock.now_ms() + 10 * 86_400_000}
        self.client.create_contract(
            merchant_contract_code=code, service_name="Gym", scenario_code="Membership",
            single_upper_limit=Decimal(limit), periodic=periodic, **extra,
        )
        return self.engine.sign_contract(merchant_contract_code=code)["contractId"]


GOODS = {"goodsType": "02", "goodsCategory": "Z000", "referenceGoodsId": "sku1",
         "goodsName": "Widget"}


def make_sandbox(
    *,
    window_ms: int = 5000,
    max_retries: int = 2,
    engine: SandboxEngine | None = None,
    secret: str = SECRET,
    **client_kwargs,
) -> Sandbox:
    """A fresh engine (or ``engine``, shared) and a client signing with ``secret``."""
    sink = CollectingSink()
    if engine is None:
        engine = SandboxEngine(
            KEY, SECRET, clock=SandboxClock(frozen_at_ms=T0), timestamp_window_ms=window_ms,
            webhook_sink=sink,
        )
    client = BinancePayClient(
        KEY, secret, base_url="https://bpay.sandbox.test", transport=SandboxTransport(engine),
        max_retries=max_retries, sleep=lambda _s: None, **client_kwargs,
    )
    return Sandbox(engine, client, BinancePayProvider(client), sink)
