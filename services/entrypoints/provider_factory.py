"""Builds the payment provider the services talk to: the in-process sandbox, or the live API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from services.core.config import Settings
from services.providers.base import PaymentProvider
from services.providers.binance_pay import BinancePayClient, BinancePayProvider
from services.providers.binance_pay.sandbox import SandboxEngine, SandboxTransport
from services.entrypoints.sandbox_adoption import store_lookups

SANDBOX_BASE_URL = "http://sandbox.binancepay.local"


@dataclass
class ProviderBundle:
    provider: PaymentProvider
    client: BinancePayClient
    sandbox: SandboxEngine | None  # only in sandbox mode: the in-process Binance Pay


def _timeout(settings: Settings) -> httpx.Timeout:
    seconds = float(settings.binance_pay_timeout_seconds)  # float-ok: a timeout, not money
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))  # float-ok


def build_provider(settings: Settings, *,
                   wrap_transport: Callable[[httpx.BaseTransport], httpx.BaseTransport]
                   | None = None) -> ProviderBundle:
    """`wrap_transport` puts something between the client and the sandbox (tests inject faults
    there, the way a network would)."""
    key = settings.binance_pay_api_key.get_secret_value()
    secret = settings.binance_pay_api_secret.get_secret_value()
    if settings.is_sandbox:
        # The store's paid orders and signed contracts are adopted on first use (demo data, or a
        # store that outlived the in-memory sandbox).
        lookups = store_lookups(settings.database_url)
        wrap = wrap_transport or (lambda transport: transport)
        engine = SandboxEngine(key, secret, public_base_url=SANDBOX_BASE_URL,
                               order_lookup=lookups.order, contract_lookup=lookups.contract,
                               refund_lookup=lookups.refund, payout_lookup=lookups.payout)
        client = BinancePayClient(
            key,
            secret,
            base_url=SANDBOX_BASE_URL,
            transport=wrap(SandboxTransport(engine, auto_tick=True)),
            timeout=_timeout(settings),
        )
        return ProviderBundle(BinancePayProvider(client), client, engine)
    client = BinancePayClient(
        key, secret, base_url=settings.binance_pay_base_url, timeout=_timeout(settings)
    )
    return ProviderBundle(BinancePayProvider(client), client, None)
