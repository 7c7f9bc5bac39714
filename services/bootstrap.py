"""Builds everything the entry points need from settings."""

from __future__ import annotations

from collections.abc import Callable
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from data import migrate
from data.db import make_engine, make_session_factory
from services.config import Settings, get_settings
from services.provider_factory import ProviderBundle, build_provider
from services.providers.base import PaymentProvider
from services.providers.binance_pay.sandbox import SandboxEngine
from services.unit_of_work import UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime] = field(default=utc_now)
    provider_factory: Callable[[Settings], ProviderBundle] = field(default=build_provider)
    _providers: ProviderBundle | None = field(default=None, init=False, repr=False)
    _providers_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    #: The settings as the environment gave them; `settings` may carry an admin's run-time
    #: changes on top (services.runtime_settings.apply).
    env_settings: Settings = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.env_settings = self.settings

    def _provider_bundle(self) -> ProviderBundle:
        # Built on first use: most commands and tests never call the provider, and the sandbox
        # generates an RSA key when it starts.
        with self._providers_lock:
            if self._providers is None:
                bundle = self.provider_factory(self.settings)
                if bundle.sandbox is not None:
                    # In sandbox mode webhooks arrive in-process, through the same receiver as
                    # `paydesk webhooks` (imported here: the receiver itself needs Services).
                    from services.webhooks import in_process_sink

                    bundle.sandbox.set_webhook_sink(in_process_sink(self, bundle.sandbox))
                self._providers = bundle
            return self._providers

    @property
    def provider(self) -> PaymentProvider:
        return self._provider_bundle().provider

    @property
    def sandbox(self) -> SandboxEngine | None:
        """The in-process Binance Pay sandbox in sandbox mode; None in live mode."""
        return self._provider_bundle().sandbox

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def now(self) -> datetime:
        return self.clock()


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    settings.check_safe_to_start()
    engine = make_engine(settings.database_url)
    return Services(settings=settings, engine=engine, session_factory=make_session_factory(engine))


def upgrade_store(services: Services) -> None:
    migrate.upgrade(services.settings.database_url)


def store_is_current(services: Services) -> bool:
    return migrate.is_up_to_date(services.engine)
