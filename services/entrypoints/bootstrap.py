"""The composition root: settings -> store -> providers -> services, for every entry point."""

from __future__ import annotations

from data import migrate
from data.db import make_engine, make_session_factory
from services.core.config import Settings, get_settings
from services.core.context import ProviderBundle, Services, utc_now
from services.entrypoints.provider_factory import build_provider
from services.inbound.sinks import in_process_sink

__all__ = ["Services", "build_services", "store_is_current", "upgrade_store", "utc_now"]


def connect_in_process_webhooks(services: Services, bundle: ProviderBundle) -> None:
    """In sandbox mode webhooks arrive in-process, through the same receiver as `paydesk
    webhooks`."""
    if bundle.sandbox is not None:
        bundle.sandbox.set_webhook_sink(in_process_sink(services, bundle.sandbox))


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    settings.check_safe_to_start()
    engine = make_engine(settings.database_url)
    return Services(settings=settings, engine=engine, session_factory=make_session_factory(engine),
                    provider_factory=build_provider,
                    on_providers_built=connect_in_process_webhooks)


def upgrade_store(services: Services) -> None:
    migrate.upgrade(services.settings.database_url)


def store_is_current(services: Services) -> bool:
    return migrate.is_up_to_date(services.engine)
