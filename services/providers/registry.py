"""The payment providers of one deployment, by name: each with its port object, what it offers
(its ``Capabilities``) and, in sandbox mode, its in-process sandbox.

Neutral: it names no concrete provider. The composition root
(``services.entrypoints.provider_factory``) fills it from the settings; services ask it for the
provider that owns an item (``services.provider_for(order.provider)``) and for what that provider
offers (``capabilities_for``), and ``require`` refuses, in words, what a provider does not offer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.providers.base import PaymentProvider
from services.providers.capabilities import Capabilities, PayoutMode, RecurringMode

_NO_EXPIRY = timedelta(0)


class UnknownProviderError(LookupError):
    """No provider of that name is enabled in this deployment."""

    def __init__(self, name: str, enabled: Iterable[str]) -> None:
        listed = ", ".join(enabled) or "none"
        super().__init__(
            f"payment provider '{name}' is not enabled in this deployment (enabled: {listed}); "
            "configure it in .env to work with its items")
        self.name = name


class CapabilityMissingError(Exception):
    """A provider does not offer what was asked; ``reason`` says why, for a finance user."""

    def __init__(self, provider: str, capability: str, reason: str) -> None:
        super().__init__(reason)
        self.provider = provider
        self.capability = capability
        self.reason = reason


@dataclass(frozen=True)
class RegisteredProvider:
    name: str
    provider: PaymentProvider
    capabilities: Capabilities
    #: The in-process sandbox behind ``provider`` in sandbox mode; None in live mode.
    sandbox: Any = None


def offers(capabilities: Capabilities, capability: str) -> bool:
    """Whether a provider offers a capability by its field name in ``Capabilities``
    ("refund", "close_payment", "payouts", "recurring", "balances", "statements", ...)."""
    value = getattr(capabilities, capability, None)
    if isinstance(value, PayoutMode):
        return value is not PayoutMode.NONE
    if isinstance(value, RecurringMode):
        return value is not RecurringMode.NONE
    if isinstance(value, bool):
        return value
    raise ValueError(f"'{capability}' is not a capability a provider offers or not")


def refusal(capabilities: Capabilities, capability: str) -> str | None:
    """None when offered, else why not, in words."""
    return None if offers(capabilities, capability) else capabilities.why_not(capability)


class ProviderRegistry:
    """Enabled providers in a stable order; the first is the default unless one is named."""

    def __init__(self, entries: Iterable[RegisteredProvider], *,
                 default: str | None = None) -> None:
        self._entries: dict[str, RegisteredProvider] = {}
        for entry in entries:
            if entry.name in self._entries:
                raise ValueError(f"provider '{entry.name}' registered twice")
            if entry.capabilities.provider != entry.name:
                raise ValueError(f"provider '{entry.name}' declares the capabilities of "
                                 f"'{entry.capabilities.provider}'")
            self._entries[entry.name] = entry
        if not self._entries:
            raise ValueError("a registry holds at least one provider")
        self.default_name = default or next(iter(self._entries))
        if self.default_name not in self._entries:
            raise UnknownProviderError(self.default_name, self._entries)

    @classmethod
    def of_one(cls, provider: PaymentProvider, sandbox: Any = None, *,
               capabilities: Capabilities | None = None) -> ProviderRegistry:
        """A registry of a single provider (tests; a deployment of one)."""
        caps = capabilities or getattr(provider, "capabilities", None)
        if caps is None:
            # A stand-in provider without declared capabilities: it offers nothing we check.
            caps = Capabilities(provider=provider.name, title=provider.name,
                                payment_currencies={}, default_payment_expiry=_NO_EXPIRY)
        return cls([RegisteredProvider(provider.name, provider, caps, sandbox)])

    # -- lookups ----------------------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[RegisteredProvider]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, name: str | None = None) -> RegisteredProvider:
        """The provider of that name (the default one for None)."""
        key = self.default_name if name is None else name
        try:
            return self._entries[key]
        except KeyError:
            raise UnknownProviderError(key, self._entries) from None

    @property
    def default(self) -> RegisteredProvider:
        return self._entries[self.default_name]

    def provider(self, name: str | None = None) -> PaymentProvider:
        return self.entry(name).provider

    def capabilities(self, name: str | None = None) -> Capabilities:
        return self.entry(name).capabilities

    def sandbox(self, name: str | None = None) -> Any:
        return self.entry(name).sandbox

    def title(self, name: str) -> str:
        """A provider's name for people; known even for a provider that is not enabled."""
        entry = self._entries.get(name)
        return entry.capabilities.title if entry else name.replace("_", " ").title()

    def offering(self, capability: str) -> tuple[str, ...]:
        """The enabled providers that offer a capability, default first."""
        ordered = [self.default, *(e for e in self if e.name != self.default_name)]
        return tuple(e.name for e in ordered if offers(e.capabilities, capability))

    def require(self, name: str | None, capability: str) -> Capabilities:
        """The provider's capabilities when it offers ``capability``; else
        ``CapabilityMissingError`` with the reason in words."""
        caps = self.capabilities(name)
        reason = refusal(caps, capability)
        if reason is not None:
            raise CapabilityMissingError(caps.provider, capability, reason)
        return caps

