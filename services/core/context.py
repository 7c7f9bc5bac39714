"""What every service is handed: the settings, the store, the clock and the payment providers.

The composition root (`services.entrypoints.bootstrap`) fills it in; services only read it, so no
service needs to know which concrete providers exist or how they were built.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from services.core.config import Settings
from services.core.errors import ConfigurationError
from services.core.unit_of_work import UnitOfWork
from services.providers.base import PaymentProvider


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProviderBundle(Protocol):
    """What the composition root builds from the settings: the provider the services call, and in
    sandbox mode the in-process sandbox behind it."""

    provider: PaymentProvider
    sandbox: Any


def _no_providers(settings: Settings) -> ProviderBundle:
    raise ConfigurationError("this process was built without payment providers; build it with "
                             "services.entrypoints.bootstrap.build_services")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime] = field(default=utc_now)
    provider_factory: Callable[[Settings], ProviderBundle] = field(default=_no_providers)
    #: Called once the providers exist (the composition root connects the in-process sandbox's
    #: webhooks to the receiver here).
    on_providers_built: Callable[[Services, ProviderBundle], None] | None = field(
        default=None, repr=False)
    _providers: ProviderBundle | None = field(default=None, init=False, repr=False)
    _providers_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    #: The settings as the environment gave them; `settings` may carry an admin's run-time
    #: changes on top (services.core.runtime_settings.apply).
    env_settings: Settings = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.env_settings = self.settings

    def _provider_bundle(self) -> ProviderBundle:
        # Built on first use: most commands and tests never call the provider, and a sandbox
        # generates keys when it starts.
        with self._providers_lock:
            if self._providers is None:
                bundle = self.provider_factory(self.settings)
                if self.on_providers_built is not None:
                    self.on_providers_built(self, bundle)
                self._providers = bundle
            return self._providers

    @property
    def provider(self) -> PaymentProvider:
        return self._provider_bundle().provider

    @property
    def sandbox(self) -> Any:
        """The in-process sandbox in sandbox mode; None in live mode."""
        return self._provider_bundle().sandbox

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def now(self) -> datetime:
        return self.clock()
