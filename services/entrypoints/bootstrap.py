"""The composition root: settings -> store -> providers -> services, for every entry point."""

from __future__ import annotations

from data import migrate
from data.db import make_engine, make_session_factory
from services.core.config import Settings, get_settings
from services.core.context import Services, utc_now
from services.entrypoints.provider_factory import build_providers
from services.inbound.sinks import in_process_sink
from services.providers.registry import ProviderRegistry

__all__ = ["Services", "build_services", "store_is_current", "upgrade_store", "utc_now"]


def connect_in_process_webhooks(services: Services, registry: ProviderRegistry) -> None:
    """In sandbox mode webhooks arrive in-process, through the same receiver as `paydesk
    webhooks`.

    Binance Pay's sandbox is connected to the receiver. The Monetix and Juicyway sandboxes keep
    their notifications in their outboxes (a CollectingSink, see provider_factory) until the
    receiver reads every provider's notifications (issue #11 point 1): this is the one place
    to connect them, with `sandbox.set_callback_sink(...)` (Monetix) / `sandbox.sink = ...`
    (Juicyway). Until then the services learn their outcomes by querying (`paydesk sync`).
    """
    if "binance_pay" in registry:
        engine = registry.sandbox("binance_pay")
        if engine is not None:
            engine.set_webhook_sink(in_process_sink(services, engine))


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    settings.check_safe_to_start()
    engine = make_engine(settings.database_url)
    return Services(settings=settings, engine=engine, session_factory=make_session_factory(engine),
                    provider_factory=build_providers,
                    on_providers_built=connect_in_process_webhooks)


def upgrade_store(services: Services) -> None:
    migrate.upgrade(services.settings.database_url)


def store_is_current(services: Services) -> bool:
    return migrate.is_up_to_date(services.engine)
