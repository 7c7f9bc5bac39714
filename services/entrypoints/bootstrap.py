"""The composition root: settings -> store -> providers -> services, for every entry point."""

from __future__ import annotations

from data import migrate
from data.db import make_engine, make_session_factory
from services.core.config import Settings, get_settings
from services.core.context import Services, utc_now
from services.entrypoints.provider_factory import build_providers, in_process_event_readers
from services.inbound.receiver import WebhookReceiver
from services.providers.registry import ProviderRegistry

__all__ = ["Services", "build_services", "store_is_current", "upgrade_store", "utc_now"]


def connect_in_process_webhooks(services: Services, registry: ProviderRegistry) -> None:
    """In sandbox mode every provider's notifications arrive in-process, through the same
    receiver as `paydesk webhooks`, verified by the same provider code as in live mode."""
    readers = in_process_event_readers(services, registry)
    if not readers:
        return
    receiver = WebhookReceiver(services, readers)

    def sink_for(name: str):  # type: ignore[no-untyped-def]
        return lambda headers, body: receiver.handle(name, headers, body)

    binance = registry.sandbox("binance_pay") if "binance_pay" in readers else None
    if binance is not None:
        binance.set_webhook_sink(sink_for("binance_pay"))
    monetix = registry.sandbox("monetix") if "monetix" in readers else None
    if monetix is not None:
        monetix.set_callback_sink(sink_for("monetix"))
    juicyway = registry.sandbox("juicyway") if "juicyway" in readers else None
    if juicyway is not None:
        handle = sink_for("juicyway")
        # Juicyway's sandbox reads only the HTTP status of its deliveries.
        juicyway.sink = lambda headers, body: handle(headers, body)[0]


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
