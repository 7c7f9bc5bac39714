"""The provider registry: lookups by name, the default provider, and refusals in words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.providers.capabilities import Capabilities, PayoutMode
from services.providers.registry import (
    CapabilityMissingError,
    ProviderRegistry,
    RegisteredProvider,
    UnknownProviderError,
    offers,
    refusal,
)


class _Stub:
    def __init__(self, name: str) -> None:
        self.name = name


def _caps(name: str, **kwargs: object) -> Capabilities:
    return Capabilities(provider=name, title=name.title(), payment_currencies={"USD": 2},
                        default_payment_expiry=timedelta(minutes=10), **kwargs)  # type: ignore[arg-type]


def _registry(default: str | None = None) -> ProviderRegistry:
    return ProviderRegistry(
        [RegisteredProvider("alpha", _Stub("alpha"), _caps("alpha", refund=True,  # type: ignore[arg-type]
                                                            payouts=PayoutMode.BATCH), "box"),
         RegisteredProvider("beta", _Stub("beta"),  # type: ignore[arg-type]
                            _caps("beta", not_offered={"refund": "Beta gives nothing back."}))],
        default=default)


def test_lookups_by_name_and_the_first_is_the_default() -> None:
    registry = _registry()
    assert registry.names == ("alpha", "beta")
    assert registry.default_name == "alpha"
    assert registry.provider("beta").name == "beta"
    assert registry.provider(None).name == "alpha"
    assert registry.sandbox("alpha") == "box" and registry.sandbox("beta") is None
    assert "beta" in registry and "gamma" not in registry and len(registry) == 2


def test_a_named_default() -> None:
    assert _registry(default="beta").default.name == "beta"
    with pytest.raises(UnknownProviderError):
        _registry(default="gamma")


def test_an_unknown_provider_is_refused_naming_the_enabled_ones() -> None:
    with pytest.raises(UnknownProviderError, match="alpha, beta"):
        _registry().entry("gamma")


def test_require_refuses_in_words_what_a_provider_does_not_offer() -> None:
    registry = _registry()
    assert registry.require("alpha", "refund").provider == "alpha"
    with pytest.raises(CapabilityMissingError, match="Beta gives nothing back") as refused:
        registry.require("beta", "refund")
    assert refused.value.provider == "beta" and refused.value.capability == "refund"
    # Without a stated reason the title says who does not offer it.
    assert refusal(registry.capabilities("beta"), "payouts") == \
        "Beta does not offer this through its API"


def test_offering_lists_providers_default_first() -> None:
    assert _registry().offering("refund") == ("alpha",)
    assert _registry().offering("payouts") == ("alpha",)
    assert _registry().offering("close_payment") == ()


def test_offers_reads_modes_and_flags_and_refuses_limits() -> None:
    caps = _caps("alpha", payouts=PayoutMode.SINGLE, close_payment=True)
    assert offers(caps, "payouts") and offers(caps, "close_payment")
    assert not offers(caps, "recurring")
    with pytest.raises(ValueError):
        offers(caps, "max_refund_attempts")


def test_entries_must_be_consistent() -> None:
    with pytest.raises(ValueError, match="twice"):
        ProviderRegistry([RegisteredProvider("a", _Stub("a"), _caps("a"))] * 2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capabilities of 'b'"):
        ProviderRegistry([RegisteredProvider("a", _Stub("a"), _caps("b"))])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ProviderRegistry([])


def test_of_one_wraps_a_single_provider() -> None:
    registry = ProviderRegistry.of_one(_Stub("solo"), "sb")  # type: ignore[arg-type]
    assert registry.names == ("solo",) and registry.sandbox() == "sb"
    assert not offers(registry.capabilities("solo"), "refund")


def test_the_real_declarations_fit_the_registry() -> None:
    from services.providers.binance_pay.capabilities import CAPABILITIES as binance
    from services.providers.juicyway.capabilities import CAPABILITIES as juicyway
    from services.providers.monetix.capabilities import CAPABILITIES as monetix

    registry = ProviderRegistry(
        [RegisteredProvider(c.provider, _Stub(c.provider), c)  # type: ignore[arg-type]
         for c in (binance, monetix, juicyway)])
    assert registry.offering("refund") == ("binance_pay", "monetix")
    assert registry.offering("payouts") == ("binance_pay", "monetix")
    assert registry.offering("close_payment") == ("binance_pay",)
    with pytest.raises(CapabilityMissingError, match="no refunds"):
        registry.require("juicyway", "refund")
