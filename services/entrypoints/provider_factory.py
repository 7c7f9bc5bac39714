"""Builds the payment providers the services talk to, from the settings, into a registry.

The one place that names concrete providers (import contract "Only the composition root names a
concrete provider"). Sandbox mode: every provider, each over its in-process sandbox. Live mode:
each configured provider (``Settings.enabled_providers``) over its real API.

Adding a provider: one builder below and its name in ``BUILDERS`` (and its settings in
``services.core.config``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import httpx

from services.core.config import Settings
from services.core.context import Services
from services.entrypoints.sandbox_adoption import store_lookups
from services.providers.base import Certificate, PaymentProvider
from services.providers.binance_pay import BinancePayClient, BinancePayProvider
from services.providers.binance_pay.capabilities import CAPABILITIES as BINANCE_PAY
from services.providers.binance_pay.inbound import BinancePayEvents
from services.providers.binance_pay.sandbox import SandboxEngine, SandboxTransport
from services.providers.capabilities import Capabilities
from services.providers.events import EventReader
from services.providers.juicyway import sandbox as juicyway_sandbox
from services.providers.juicyway import server as juicyway_server
from services.providers.juicyway.capabilities import CAPABILITIES as JUICYWAY
from services.providers.juicyway.client import JuicywayClient
from services.providers.juicyway.provider import JuicywayProvider
from services.providers.juicyway.webhooks import JuicywayEvents
from services.providers.monetix import MonetixClient
from services.providers.monetix import sandbox as monetix_sandbox
from services.providers.monetix import server as monetix_server
from services.providers.monetix.callbacks import CallbackParser
from services.providers.monetix.capabilities import CAPABILITIES as MONETIX
from services.providers.monetix.provider import MonetixProvider
from services.providers.registry import ProviderRegistry, RegisteredProvider

SANDBOX_BASE_URL = "http://sandbox.binancepay.local"
MONETIX_SANDBOX_URL = "http://sandbox.monetix.local"
JUICYWAY_SANDBOX_URL = "http://sandbox.juicyway.local"
#: Stands in for the payer's address in the Monetix sandbox when MONETIX_OPERATOR_IP is unset.
SANDBOX_OPERATOR_IP = "127.0.0.1"

Wrap = Callable[[httpx.BaseTransport], httpx.BaseTransport]


@dataclass
class ProviderBundle:
    """One provider with its client and sandbox (a ``provider_factory`` may still return one:
    the services make it a registry of one)."""

    provider: PaymentProvider
    client: BinancePayClient
    sandbox: SandboxEngine | None  # only in sandbox mode: the in-process Binance Pay


def _timeout(seconds_setting: Decimal) -> httpx.Timeout:
    seconds = float(seconds_setting)  # float-ok: a timeout, not money
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))  # float-ok


def _binance_pay(settings: Settings, wrap: Wrap) -> RegisteredProvider:
    key = settings.binance_pay_api_key.get_secret_value()
    secret = settings.binance_pay_api_secret.get_secret_value()
    timeout = _timeout(settings.binance_pay_timeout_seconds)
    if settings.is_sandbox:
        # The store's paid orders and signed contracts are adopted on first use (demo data, or a
        # store that outlived the in-memory sandbox).
        lookups = store_lookups(settings.database_url)
        engine = SandboxEngine(key, secret, public_base_url=SANDBOX_BASE_URL,
                               order_lookup=lookups.order, contract_lookup=lookups.contract,
                               refund_lookup=lookups.refund, payout_lookup=lookups.payout)
        client = BinancePayClient(key, secret, base_url=SANDBOX_BASE_URL,
                                  transport=wrap(SandboxTransport(engine, auto_tick=True)),
                                  timeout=timeout)
        return RegisteredProvider("binance_pay", BinancePayProvider(client), BINANCE_PAY, engine)
    client = BinancePayClient(key, secret, base_url=settings.binance_pay_base_url,
                              timeout=timeout)
    return RegisteredProvider("binance_pay", BinancePayProvider(client), BINANCE_PAY)


def _monetix(settings: Settings, wrap: Wrap) -> RegisteredProvider:
    timeout = _timeout(settings.monetix_timeout_seconds)
    if settings.is_sandbox:
        project_id, secret, encryption_key = monetix_credentials(settings)
        # Collected until bootstrap.connect_in_process_webhooks hands it the receiver.
        engine = monetix_sandbox.MonetixSandbox(
            project_id, secret, encryption_key=encryption_key,
            callback_sink=monetix_sandbox.CollectingSink())
        client = MonetixClient(project_id, secret, base_url=MONETIX_SANDBOX_URL,
                               transport=wrap(monetix_sandbox.SandboxTransport(engine)),
                               timeout=timeout)
        provider = MonetixProvider(client,
                                   operator_ip=settings.monetix_operator_ip or SANDBOX_OPERATOR_IP)
        return RegisteredProvider("monetix", provider, MONETIX, engine)
    assert settings.monetix_project_id is not None  # check_safe_to_start refuses otherwise
    client = MonetixClient(settings.monetix_project_id,
                           settings.monetix_secret_key.get_secret_value(),
                           base_url=settings.monetix_gate_url, timeout=timeout)
    return RegisteredProvider(
        "monetix", MonetixProvider(client, operator_ip=settings.monetix_operator_ip or None),
        MONETIX)


def _juicyway(settings: Settings, wrap: Wrap) -> RegisteredProvider:
    timeout = _timeout(settings.juicyway_timeout_seconds)
    if settings.is_sandbox:
        api_key, business_id = juicyway_credentials(settings)
        engine = juicyway_sandbox.JuicywaySandbox(
            api_key, business_id, hosted_base_url=f"{JUICYWAY_SANDBOX_URL}/hosted",
            sink=juicyway_sandbox.CollectingSink())
        client = JuicywayClient(api_key, base_url=JUICYWAY_SANDBOX_URL,
                                transport=wrap(juicyway_sandbox.SandboxTransport(engine)),
                                timeout=timeout)
        return RegisteredProvider("juicyway", JuicywayProvider(client, business_id=business_id),
                                  JUICYWAY, engine)
    client = JuicywayClient(settings.juicyway_api_key.get_secret_value(),
                            base_url=settings.juicyway_base_url, timeout=timeout)
    return RegisteredProvider(
        "juicyway",
        JuicywayProvider(client, business_id=settings.juicyway_business_id.get_secret_value()),
        JUICYWAY)


#: What each provider offers, for entry points that need it without building any provider.
CAPABILITIES: dict[str, Capabilities] = {
    "binance_pay": BINANCE_PAY,
    "monetix": MONETIX,
    "juicyway": JUICYWAY,
}

BUILDERS: dict[str, Callable[[Settings, Wrap], RegisteredProvider]] = {
    "binance_pay": _binance_pay,
    "monetix": _monetix,
    "juicyway": _juicyway,
}


def monetix_credentials(settings: Settings) -> tuple[int, str, str]:
    """Project id, secret and encryption key for a Monetix sandbox: the settings', else the
    sandbox's own."""
    return (settings.monetix_project_id or monetix_server.SANDBOX_PROJECT_ID,
            settings.monetix_secret_key.get_secret_value() or monetix_server.SANDBOX_SECRET,
            settings.monetix_encryption_key.get_secret_value()
            or monetix_server.SANDBOX_ENCRYPTION_KEY)


def juicyway_credentials(settings: Settings) -> tuple[str, str]:
    """API key and business id for a Juicyway sandbox: the settings', else the sandbox's own."""
    return (settings.juicyway_api_key.get_secret_value() or juicyway_server.SANDBOX_API_KEY,
            settings.juicyway_business_id.get_secret_value()
            or juicyway_server.SANDBOX_BUSINESS_ID)


def build_providers(settings: Settings, *, wrap_transport: Wrap | None = None
                    ) -> ProviderRegistry:
    """Every enabled provider. `wrap_transport` puts something between each sandbox client and
    its sandbox (tests inject faults there, the way a network would); Binance Pay is built
    first."""
    wrap = wrap_transport or (lambda transport: transport)
    entries = [BUILDERS[name](settings, wrap) for name in settings.enabled_providers]
    return ProviderRegistry(entries, default=settings.default_provider)


#: The name existing callers and tests use.
build_provider = build_providers


def _binance_pay_events(services: Services, registry: ProviderRegistry) -> EventReader:
    engine = registry.sandbox("binance_pay")
    if engine is None:
        # Binance publishes its signing keys through its API: fetched on first need.
        return BinancePayEvents(lambda: services.provider_for("binance_pay").get_certificates())

    # In-process sandbox: its keys come straight from it, since asking the in-process provider
    # would run a sandbox request whose tick delivers webhooks, re-entering the receiver.
    def engine_certificates() -> tuple[Certificate, ...]:
        cert = engine.certificate
        return (Certificate(cert["certSerial"], cert["certPublic"]),)

    return BinancePayEvents(engine_certificates, min_refresh_seconds=0)


def _monetix_events(services: Services, registry: ProviderRegistry) -> EventReader:
    settings = services.settings
    if settings.is_sandbox:
        project_id, secret, _ = monetix_credentials(settings)
    else:
        project_id = settings.monetix_project_id  # type: ignore[assignment]
        secret = settings.monetix_secret_key.get_secret_value()
    return CallbackParser(secret, project_id=project_id)


def _juicyway_events(services: Services, registry: ProviderRegistry) -> EventReader:
    settings = services.settings
    if settings.is_sandbox:
        return JuicywayEvents(juicyway_credentials(settings)[1])
    return JuicywayEvents(settings.juicyway_business_id.get_secret_value())


#: How each provider's notifications are verified and read.
EVENT_READERS: dict[str, Callable[[Services, ProviderRegistry], EventReader]] = {
    "binance_pay": _binance_pay_events,
    "monetix": _monetix_events,
    "juicyway": _juicyway_events,
}


def event_readers(services: Services) -> dict[str, EventReader]:
    """A reader for every enabled provider (the HTTP receiver, `paydesk webhooks`)."""
    registry = services.providers
    return {name: EVENT_READERS[name](services, registry) for name in registry.names}


def in_process_event_readers(services: Services,
                             registry: ProviderRegistry) -> dict[str, EventReader]:
    """Readers for the in-process sandboxes (sandbox mode only)."""
    return {entry.name: EVENT_READERS[entry.name](services, registry)
            for entry in registry if entry.sandbox is not None and entry.name in EVENT_READERS}
