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
from services.core.errors import ConfigurationError, NotFoundError, NotOfferedError
from services.core.unit_of_work import UnitOfWork
from services.providers.base import PaymentProvider
from services.providers.capabilities import Capabilities
from services.providers.registry import (
    CapabilityMissingError,
    ProviderRegistry,
    RegisteredProvider,
    UnknownProviderError,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProviderBundle(Protocol):
    """A single provider and its sandbox: what the composition root built before the registry
    (still accepted from a ``provider_factory``: it becomes a registry of one)."""

    provider: PaymentProvider
    sandbox: Any


def _no_providers(settings: Settings) -> ProviderRegistry:
    raise ConfigurationError("this process was built without payment providers; build it with "
                             "services.entrypoints.bootstrap.build_services")


def as_registry(built: ProviderRegistry | ProviderBundle) -> ProviderRegistry:
    if isinstance(built, ProviderRegistry):
        return built
    return ProviderRegistry.of_one(built.provider, built.sandbox)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Callable[[], datetime] = field(default=utc_now)
    #: Builds the enabled providers from the settings (the composition root's
    #: ``build_providers``); a factory returning one ``ProviderBundle`` still works.
    provider_factory: Callable[[Settings], ProviderRegistry | ProviderBundle] = field(
        default=_no_providers)
    #: Called once the providers exist (the composition root connects the in-process sandboxes'
    #: webhooks to the receiver here).
    on_providers_built: Callable[[Services, ProviderRegistry], None] | None = field(
        default=None, repr=False)
    _providers: ProviderRegistry | None = field(default=None, init=False, repr=False)
    _providers_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    #: The settings as the environment gave them; `settings` may carry an admin's run-time
    #: changes on top (services.core.runtime_settings.apply).
    env_settings: Settings = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.env_settings = self.settings

    @property
    def providers(self) -> ProviderRegistry:
        """Every enabled provider, by name. Built on first use: most commands and tests never
        call a provider, and a sandbox generates keys when it starts."""
        with self._providers_lock:
            if self._providers is None:
                registry = as_registry(self.provider_factory(self.settings))
                if self.on_providers_built is not None:
                    self.on_providers_built(self, registry)
                self._providers = registry
            return self._providers

    @property
    def provider(self) -> PaymentProvider:
        """The default provider (new items go to it unless another is chosen)."""
        return self.providers.default.provider

    @property
    def sandbox(self) -> Any:
        """The default provider's in-process sandbox in sandbox mode; None in live mode."""
        return self.providers.default.sandbox

    def provider_for(self, name: str | None) -> PaymentProvider:
        """The provider that owns an item (``order.provider``, ``batch.provider``...); the
        default one for None. ``NotFoundError`` when that provider is not enabled here."""
        return self._entry(name).provider

    def capabilities_for(self, name: str | None) -> Capabilities:
        """What the owning provider (or the one chosen for a new item) offers."""
        return self._entry(name).capabilities

    def sandbox_for(self, name: str | None) -> Any:
        return self._entry(name).sandbox

    def require(self, name: str | None, capability: str) -> Capabilities:
        """The provider's capabilities when it offers ``capability`` (a ``Capabilities`` field:
        "refund", "close_payment", "payouts", "recurring", "balances", "statements"); else
        ``NotOfferedError`` with the reason in words, before anything is sent."""
        try:
            return self.providers.require(name, capability)
        except CapabilityMissingError as missing:
            raise NotOfferedError(missing.reason, provider=missing.provider,
                                  capability=capability) from None
        except UnknownProviderError as unknown:
            raise NotFoundError(str(unknown)) from None

    def _entry(self, name: str | None) -> RegisteredProvider:
        try:
            return self.providers.entry(name)
        except UnknownProviderError as unknown:
            raise NotFoundError(str(unknown)) from None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def now(self) -> datetime:
        return self.clock()
