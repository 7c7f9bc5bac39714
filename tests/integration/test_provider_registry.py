"""The composition root builds one registry: every provider with its in-process sandbox in
sandbox mode, the configured ones in live mode; services reach the provider that owns an item."""

from __future__ import annotations

import pytest

from services.core.config import Settings
from services.core.errors import NotFoundError, NotOfferedError
from services.entrypoints.bootstrap import Services, build_services
from services.entrypoints.provider_factory import build_providers
from tests.unit.test_provider_settings import BINANCE, JUICYWAY, MONETIX, live


def test_sandbox_mode_registers_every_provider_with_its_sandbox(services: Services) -> None:
    registry = services.providers
    assert registry.names == ("binance_pay", "monetix", "juicyway")
    for entry in registry:
        assert entry.provider.name == entry.name == entry.capabilities.provider
        assert entry.sandbox is not None
    # Existing callers keep the default provider and its sandbox.
    assert services.provider is registry.provider("binance_pay")
    assert services.sandbox is registry.sandbox("binance_pay")
    assert services.provider_for("juicyway").name == "juicyway"
    assert services.provider_for(None) is services.provider
    assert services.capabilities_for("monetix").title == "Monetix"
    assert services.sandbox_for("monetix") is registry.sandbox("monetix")


def test_services_refuse_in_words_what_the_owning_provider_does_not_offer(
        services: Services) -> None:
    assert services.require("binance_pay", "refund").max_refund_attempts == 10
    with pytest.raises(NotOfferedError, match="Juicyway offers no refunds") as refused:
        services.require("juicyway", "refund")
    assert refused.value.provider == "juicyway" and refused.value.capability == "refund"
    with pytest.raises(NotOfferedError, match="cannot cancel"):
        services.require("monetix", "close_payment")


def test_an_item_of_a_provider_not_enabled_here_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = live(**MONETIX, DATABASE_URL=f"sqlite:///{tmp_path}/live.db")
    built = build_services(settings)
    assert built.providers.names == ("monetix",)
    assert built.provider.name == "monetix"
    with pytest.raises(NotFoundError, match="binance_pay.*not enabled"):
        built.provider_for("binance_pay")


@pytest.mark.parametrize(("values", "names"), [
    (BINANCE, ("binance_pay",)),
    ({**MONETIX, **JUICYWAY}, ("monetix", "juicyway")),
    ({**BINANCE, **JUICYWAY, "PAYDESK_DEFAULT_PROVIDER": "juicyway"}, ("binance_pay", "juicyway")),
])
def test_live_mode_builds_the_configured_providers_without_sandboxes(
        values: dict[str, str], names: tuple[str, ...]) -> None:
    settings = live(**values)
    registry = build_providers(settings)
    assert registry.names == names
    assert registry.default_name == settings.default_provider
    assert all(entry.sandbox is None for entry in registry)


def test_the_provider_sandboxes_take_their_credentials_from_the_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(PAYDESK_MODE="sandbox", DATABASE_URL=f"sqlite:///{tmp_path}/s.db",  # type: ignore[call-arg]
                        JUICYWAY_API_KEY="test_own_key", JUICYWAY_BUSINESS_ID="own-business",
                        MONETIX_PROJECT_ID=777, _env_file=None)
    registry = build_providers(settings)
    assert registry.sandbox("juicyway").api_key == "test_own_key"
    assert registry.provider("juicyway").business_id == "own-business"
    assert registry.provider("monetix").client.project_id == 777
