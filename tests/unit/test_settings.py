from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.core.config import SANDBOX_TOTP_KEY, Settings, mask_database_url
from services.core.errors import ConfigurationError


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
        PAYDESK_MODE="live", BINANCE_PAY_API_KEY=key, BINANCE_PAY_API_SECRET=secret, _env_file=None,
        PAYDESK_TOTP_KEYS="q7M0n6mYk0JpV2h4o3H9cZr8U1tXWb5sDfLgEaKiQyA=",
    )
    with pytest.raises(ConfigurationError, match="live mode refuses placeholder secrets"):
        settings.check_safe_to_start()


REAL_KEY = "k3J9dL0pQ8rT5vX2m7Nb4Wc1Zq6Hs8Ya0Ue3Ri5To9Pl2Kj4Dg7Fh1Sx6Cv8Bn3Mq"
REAL_SECRET = "Zt7Yw1Qe4Rb9Nc6Mv3Lx8Kp2Jh5Gf0DsA1sD2fG3hJ4kL5zX6cV7bN8mQ9wE0rT1yU"


LIVE_TOTP_KEY = "q7M0n6mYk0JpV2h4o3H9cZr8U1tXWb5sDfLgEaKiQyA="


def live(**overrides: object) -> Settings:
    values: dict[str, object] = {"PAYDESK_MODE": "live", "BINANCE_PAY_API_KEY": REAL_KEY,
                                 "BINANCE_PAY_API_SECRET": REAL_SECRET,
                                 "PAYDESK_TOTP_KEYS": LIVE_TOTP_KEY}
    return Settings(**{**values, **overrides}, _env_file=None)  # type: ignore[arg-type]


def test_live_mode_accepts_real_looking_secrets() -> None:
    settings = live()
    settings.check_safe_to_start()
    assert not settings.base_url_is_custom


@pytest.mark.parametrize(
    "placeholder",
    ["CHANGE_ME", "YOUR_API_KEY", "REPLACE_ME", "test", "x", "dummy", "secret", "k3J9dL0pQ8rT5vX2",
     "a" * 64, "0123456789" * 4 + "-", "YourSecretKeyGoesHere0000000000000000", "0" * 32 + "12",
     "dummy" + REAL_KEY[5:], " " * 40],
)
def test_live_mode_refuses_keys_not_in_the_providers_format(placeholder: str) -> None:
    for name in ("BINANCE_PAY_API_KEY", "BINANCE_PAY_API_SECRET"):
        with pytest.raises(ConfigurationError, match=name):
            live(**{name: placeholder}).check_safe_to_start()


@pytest.mark.parametrize(
    "url",
    ["http://bpay.binanceapi.com", "https://bpay.binanceapi.com.evil.example",
     "https://evil.example", "https://127.0.0.1:8443", "ftp://bpay.binanceapi.com"],
)
def test_live_mode_refuses_other_hosts_unless_overridden(url: str) -> None:
    with pytest.raises(ConfigurationError, match="BINANCE_PAY_ALLOW_CUSTOM_BASE_URL"):
        live(BINANCE_PAY_BASE_URL=url).check_safe_to_start()
    overridden = live(BINANCE_PAY_BASE_URL=url, BINANCE_PAY_ALLOW_CUSTOM_BASE_URL="true")
    overridden.check_safe_to_start()
    assert overridden.base_url_is_custom  # the banner reads this


@pytest.mark.parametrize("keys", [None, "", "not-a-key", SANDBOX_TOTP_KEY,
                                  f"{LIVE_TOTP_KEY},{SANDBOX_TOTP_KEY}"])
def test_live_mode_needs_its_own_totp_keys(keys: str | None) -> None:
    overrides = {} if keys is None else {"PAYDESK_TOTP_KEYS": keys}
    settings = live(**overrides) if keys is not None else Settings(  # type: ignore[call-arg]
        PAYDESK_MODE="live", BINANCE_PAY_API_KEY=REAL_KEY, BINANCE_PAY_API_SECRET=REAL_SECRET,
        _env_file=None)
    with pytest.raises(ConfigurationError, match="PAYDESK_TOTP_KEYS"):
        settings.check_safe_to_start()


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+psycopg://paydesk:hunter2@db:5432/paydesk",
         "postgresql+psycopg://paydesk:***@db:5432/paydesk"),
        ("postgresql://u:p@ss:w@rd@db/x", "postgresql://u:***@db/x"),
        ("sqlite:///var/paydesk.db", "sqlite:///var/paydesk.db"),
        ("postgresql://only-user@db/x", "postgresql://only-user@db/x"),
    ],
)
def test_the_database_password_is_masked(url: str, masked: str) -> None:
    assert mask_database_url(url) == masked
    settings = Settings(DATABASE_URL=url, _env_file=None)  # type: ignore[call-arg]
    assert "hunter2" not in repr(settings) and "w@rd" not in repr(settings)
