"""Per-provider settings: a provider is on when configured, every one in sandbox mode, and the
live checks apply to each enabled provider."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.core.config import PROVIDER_NAMES, Settings, provider_name
from services.core.errors import ConfigurationError
from tests.unit.test_settings import LIVE_TOTP_KEY, REAL_KEY, REAL_SECRET

MONETIX = {"MONETIX_PROJECT_ID": "4321", "MONETIX_SECRET_KEY": "mTx7Qp2Lr9Vb4Nc8Zd1Wf6Hg3Jk5"}
JUICYWAY = {"JUICYWAY_API_KEY": "live_9fK2mQ7pL4xV8bN1cZ6wR3tY5hJ0",
            "JUICYWAY_BUSINESS_ID": "b1f6c2"}
BINANCE = {"BINANCE_PAY_API_KEY": REAL_KEY, "BINANCE_PAY_API_SECRET": REAL_SECRET}


def live(**values: object) -> Settings:
    return Settings(**{"PAYDESK_MODE": "live", "PAYDESK_TOTP_KEYS": LIVE_TOTP_KEY,  # type: ignore[arg-type]
                       **values}, _env_file=None)


def test_sandbox_mode_turns_every_provider_on() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.enabled_providers == PROVIDER_NAMES == ("binance_pay", "monetix", "juicyway")
    assert settings.default_provider == "binance_pay"


@pytest.mark.parametrize(("values", "enabled"), [
    (BINANCE, ("binance_pay",)),
    (MONETIX, ("monetix",)),
    (JUICYWAY, ("juicyway",)),
    ({**MONETIX, **JUICYWAY}, ("monetix", "juicyway")),
    ({**BINANCE, **MONETIX, **JUICYWAY}, PROVIDER_NAMES),
])
def test_live_mode_enables_the_configured_providers(values: dict[str, str],
                                                     enabled: tuple[str, ...]) -> None:
    settings = live(**values)
    assert settings.enabled_providers == enabled
    assert settings.default_provider == enabled[0]
    settings.check_safe_to_start()


def test_the_default_provider_can_be_chosen() -> None:
    settings = live(**BINANCE, **MONETIX, PAYDESK_DEFAULT_PROVIDER="Monetix")
    assert settings.default_provider == "monetix"
    with pytest.raises(ConfigurationError, match="PAYDESK_DEFAULT_PROVIDER"):
        live(**BINANCE, PAYDESK_DEFAULT_PROVIDER="juicyway").check_safe_to_start()
    with pytest.raises(ValidationError, match="PAYDESK_DEFAULT_PROVIDER"):
        live(PAYDESK_DEFAULT_PROVIDER="paypal")


def test_live_mode_with_no_provider_configured_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="no payment provider is configured"):
        live().check_safe_to_start()


@pytest.mark.parametrize(("values", "named"), [
    ({"MONETIX_PROJECT_ID": "4321"}, "MONETIX_SECRET_KEY"),
    ({"MONETIX_SECRET_KEY": MONETIX["MONETIX_SECRET_KEY"]}, "MONETIX_PROJECT_ID"),
    ({**MONETIX, "MONETIX_SECRET_KEY": "changeme"}, "MONETIX_SECRET_KEY"),
    ({**MONETIX, "MONETIX_ENCRYPTION_KEY": "secret"}, "MONETIX_ENCRYPTION_KEY"),
    ({**JUICYWAY, "JUICYWAY_API_KEY": "test_9fK2mQ7pL4xV8bN1cZ6wR3tY5hJ0"}, "JUICYWAY_API_KEY"),
    ({"JUICYWAY_API_KEY": JUICYWAY["JUICYWAY_API_KEY"]}, "JUICYWAY_BUSINESS_ID"),
    ({"JUICYWAY_BUSINESS_ID": "b1f6c2"}, "JUICYWAY_API_KEY"),
    # One provider's good settings do not let another's placeholders through.
    ({**BINANCE, "MONETIX_PROJECT_ID": "4321"}, "MONETIX_SECRET_KEY"),
    ({**MONETIX, "BINANCE_PAY_API_KEY": "CHANGE_ME"}, "BINANCE_PAY_API_KEY"),
])
def test_live_mode_refuses_each_enabled_providers_placeholders(values: dict[str, str],
                                                               named: str) -> None:
    with pytest.raises(ConfigurationError, match="live mode refuses placeholder secrets") as err:
        live(**values).check_safe_to_start()
    assert named in str(err.value)


@pytest.mark.parametrize(("values", "variable", "override"), [
    ({**MONETIX, "MONETIX_GATE_URL": "https://gate.monetix.com"}, "MONETIX_GATE_URL",
     "MONETIX_ALLOW_CUSTOM_BASE_URL"),
    ({**MONETIX, "MONETIX_GATE_URL": "http://api.trxhost.com"}, "MONETIX_GATE_URL",
     "MONETIX_ALLOW_CUSTOM_BASE_URL"),
    ({**MONETIX, "MONETIX_PAYMENT_PAGE_URL": "https://evil.example/payment"},
     "MONETIX_PAYMENT_PAGE_URL", "MONETIX_ALLOW_CUSTOM_BASE_URL"),
    ({**JUICYWAY, "JUICYWAY_BASE_URL": "https://api-sandbox.spendjuice.com"}, "JUICYWAY_BASE_URL",
     "JUICYWAY_ALLOW_CUSTOM_BASE_URL"),
    ({**JUICYWAY, "JUICYWAY_BASE_URL": "https://api.spendjuice.com.evil.example"},
     "JUICYWAY_BASE_URL", "JUICYWAY_ALLOW_CUSTOM_BASE_URL"),
])
def test_live_mode_refuses_other_hosts_per_provider_unless_overridden(
        values: dict[str, str], variable: str, override: str) -> None:
    with pytest.raises(ConfigurationError, match=override) as err:
        live(**values).check_safe_to_start()
    assert variable in str(err.value)
    overridden = live(**values, **{override: "true"})
    overridden.check_safe_to_start()
    provider = variable.split("_")[0].lower()
    assert provider in overridden.custom_base_urls  # the banner reads this


def test_a_disabled_providers_hosts_are_not_checked() -> None:
    settings = live(**BINANCE, MONETIX_GATE_URL="https://evil.example")
    settings.check_safe_to_start()
    assert settings.custom_base_urls == {}


def test_the_monetix_operator_ip_must_be_an_address() -> None:
    assert live(**MONETIX, MONETIX_OPERATOR_IP=" 203.0.113.7 ").monetix_operator_ip == \
        "203.0.113.7"
    with pytest.raises(ValidationError, match="MONETIX_OPERATOR_IP"):
        live(MONETIX_OPERATOR_IP="localhost")


@pytest.mark.parametrize(("text", "name"), [("binance-pay", "binance_pay"),
                                            ("Binance_Pay", "binance_pay"),
                                            ("monetix", "monetix"), (" Juicyway ", "juicyway")])
def test_provider_names_are_read_loosely(text: str, name: str) -> None:
    assert provider_name(text) == name


def test_provider_secrets_stay_out_of_repr() -> None:
    settings = live(**MONETIX, **JUICYWAY)
    shown = repr(settings)
    assert MONETIX["MONETIX_SECRET_KEY"] not in shown
    assert JUICYWAY["JUICYWAY_API_KEY"] not in shown
