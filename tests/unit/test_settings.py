from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.config import Settings
from services.errors import ConfigurationError


def test_defaults_are_sandbox_on_sqlite_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAYDESK_MODE", "DATABASE_URL", "PAYDESK_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.is_sandbox
    assert settings.database_url == "sqlite:///var/paydesk.db"
    settings.check_safe_to_start()


def test_environment_overrides_and_decimals_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYDESK_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("PAYDESK_REFUND_APPROVAL_THRESHOLD", "250.10")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.zone.key == "Europe/Berlin"
    assert settings.refund_approval_threshold == Decimal("250.10")


def test_refund_thresholds_per_currency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYDESK_REFUND_APPROVAL_THRESHOLD", "500")
    monkeypatch.setenv("PAYDESK_REFUND_APPROVAL_THRESHOLDS", " btc=0.005 , ETH=0.2,")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.refund_approval_thresholds == {"BTC": Decimal("0.005"),
                                                   "ETH": Decimal("0.2")}
    assert settings.refund_threshold_for("BTC") == Decimal("0.005")
    assert settings.refund_threshold_for("USDT") == Decimal("500")
    monkeypatch.delenv("PAYDESK_REFUND_APPROVAL_THRESHOLDS")
    # Out of the box BTC and ETH have their own: the shared figure is a stablecoin amount.
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert {"BTC", "ETH"} <= set(defaults.refund_approval_thresholds)


@pytest.mark.parametrize("text", ["BTC", "BTC=abc", "BTC=-1", "=5", "BTC=0.1;ETH=1"])
def test_unreadable_refund_thresholds_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValidationError, match="BTC=0.01,ETH=0.25"):
        Settings(PAYDESK_REFUND_APPROVAL_THRESHOLDS=text, _env_file=None)  # type: ignore[call-arg]


def test_dotenv_file_is_read(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PAYDESK_TIMEZONE", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("PAYDESK_TIMEZONE=Asia/Singapore\n")
    assert Settings(_env_file=env_file).timezone == "Asia/Singapore"  # type: ignore[call-arg]


def test_unknown_time_zone_is_refused_with_an_example() -> None:
    with pytest.raises(ValidationError, match="Europe/Berlin"):
        Settings(PAYDESK_TIMEZONE="Mars/Olympus", _env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("sandbox-api-key-0000000000000000", "sandbox-api-secret-000000000000000000000000000000"),
        ("", "real-looking-secret-value-abcdefghijklmnop"),
        ("REALKEY123", "changeme"),
    ],
)
def test_live_mode_refuses_placeholder_secrets(key: str, secret: str) -> None:
    settings = Settings(  # type: ignore[call-arg]
        PAYDESK_MODE="live", BINANCE_PAY_API_KEY=key, BINANCE_PAY_API_SECRET=secret, _env_file=None
    )
    with pytest.raises(ConfigurationError, match="live mode refuses placeholder secrets"):
        settings.check_safe_to_start()


def test_live_mode_accepts_real_looking_secrets() -> None:
    Settings(  # type: ignore[call-arg]
        PAYDESK_MODE="live",
        BINANCE_PAY_API_KEY="k3J9dL0pQ8rT5vX2",
        BINANCE_PAY_API_SECRET="Zt7Yw1Qe4Rb9Nc6Mv3Lx8Kp2Jh5Gf0Ds",
        _env_file=None,
    ).check_safe_to_start()
