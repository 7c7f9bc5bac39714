"""Settings from the environment and `.env` (python-dotenv, through pydantic-settings).

Every setting is documented in `.env.example`. Live mode refuses to start with the sandbox's
placeholder secrets, so a copy of the example file can never talk to the real API by accident.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.core.errors import ConfigurationError

SANDBOX_API_KEY = "sandbox-api-key-0000000000000000"
SANDBOX_API_SECRET = "sandbox-api-secret-000000000000000000000000000000"
LIVE_BASE_URL = "https://bpay.binanceapi.com"
# About 1,000 USD each at the prices of late 2025: review them with the rest of `.env`.
DEFAULT_CURRENCY_THRESHOLDS = "BTC=0.01,ETH=0.25,BNB=1.5,SOL=5"
# Sandbox only (public, like the demo passwords); live mode refuses it.
SANDBOX_TOTP_KEY = "cGF5ZGVzay1zYW5kYm94LXRvdHAta2V5LTAwMDAwMDA="
# Binance Pay's host (docs: "Endpoint https://bpay.binanceapi.com"); anything else needs the
# explicit override below, and then every page says so.
BINANCE_PAY_HOSTS = frozenset({"bpay.binanceapi.com"})
# Binance Pay shows the API key and secret once, as long random ASCII letters and digits (the key
# travels as the BinancePay-Certificate-SN header). Anything else is a typo or a placeholder.
_KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{32,128}$")
_MIN_DISTINCT = 10  # "aaaa…" or "0000…" has the right length and is still a placeholder
# user:password@ in any URL; the password may itself hold '@' or ':' when not percent-encoded.
_URL_PASSWORD = re.compile(r"^([^:/]+://[^:/@]*:).*@(?=[^@]*$)")
_PLACEHOLDER_WORDS = ("changeme", "replaceme", "placeholder", "yourapi", "yoursecret",
                      "yourkey", "sandbox", "example", "dummy", "secret", "xxxxx")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    mode: Literal["sandbox", "live"] = Field(default="sandbox", alias="PAYDESK_MODE")
    # repr=False: settings end up in logs and tracebacks, the password must not.
    database_url: str = Field(default="sqlite:///var/paydesk.db", alias="DATABASE_URL",
                              repr=False)
    timezone: str = Field(default="UTC", alias="PAYDESK_TIMEZONE")

    binance_pay_api_key: SecretStr = Field(
        default=SecretStr(SANDBOX_API_KEY), alias="BINANCE_PAY_API_KEY"
    )
    binance_pay_api_secret: SecretStr = Field(
        default=SecretStr(SANDBOX_API_SECRET), alias="BINANCE_PAY_API_SECRET"
    )
    binance_pay_base_url: str = Field(default=LIVE_BASE_URL, alias="BINANCE_PAY_BASE_URL")
    # For a proxy or a provider-approved test host; shown in a banner on every page while set.
    binance_pay_base_url_override: bool = Field(
        default=False, alias="BINANCE_PAY_ALLOW_CUSTOM_BASE_URL"
    )
    binance_pay_timeout_seconds: Decimal = Field(
        default=Decimal("10"), alias="BINANCE_PAY_TIMEOUT_SECONDS", gt=0
    )

    # Fernet keys, comma-separated, newest first: the first encrypts, every one decrypts, so a
    # new key goes in front and `paydesk users rotate-totp-keys` re-encrypts with it.
    totp_keys: SecretStr = Field(default=SecretStr(SANDBOX_TOTP_KEY), alias="PAYDESK_TOTP_KEYS")

    demo_orders: int = Field(default=60_000, alias="PAYDESK_DEMO_ORDERS", ge=0)
    demo_days: int = Field(default=180, alias="PAYDESK_DEMO_DAYS", ge=1)
    demo_seed: int = Field(default=7, alias="PAYDESK_DEMO_SEED")

    session_idle_minutes: int = Field(default=30, alias="PAYDESK_SESSION_IDLE_MINUTES", ge=1)
    lockout_attempts: int = Field(default=5, alias="PAYDESK_LOCKOUT_ATTEMPTS", ge=1)
    lockout_minutes: int = Field(default=15, alias="PAYDESK_LOCKOUT_MINUTES", ge=1)
    refund_approval_threshold: Decimal = Field(
        default=Decimal("1000"), alias="PAYDESK_REFUND_APPROVAL_THRESHOLD", ge=0
    )
    # 'BTC=0.01,ETH=0.25': per-currency thresholds; the one above applies to every other
    # currency. Without them a 1,000 threshold would let a 5 BTC refund through on one signature.
    refund_approval_thresholds_text: str = Field(
        default=DEFAULT_CURRENCY_THRESHOLDS, alias="PAYDESK_REFUND_APPROVAL_THRESHOLDS"
    )
    payout_line_cap_usd: Decimal = Field(
        default=Decimal("80000"), alias="PAYDESK_PAYOUT_LINE_CAP_USD", gt=0
    )

    # The finance desk (issue 17): default payment request expiry, alerts, scheduled reports.
    payment_request_expiry_minutes: int = Field(
        default=15, alias="PAYDESK_PAYMENT_REQUEST_EXPIRY_MINUTES", ge=1, le=60
    )
    alert_emails: str = Field(default="", alias="PAYDESK_ALERT_EMAILS")
    alert_webhook_url: str = Field(default="", alias="PAYDESK_ALERT_WEBHOOK_URL")
    smtp_host: str = Field(default="", alias="PAYDESK_SMTP_HOST")
    smtp_port: int = Field(default=25, alias="PAYDESK_SMTP_PORT", ge=1, le=65535)
    alert_email_from: str = Field(default="paydesk@localhost", alias="PAYDESK_ALERT_FROM")
    reports_dir: str = Field(default="var/reports", alias="PAYDESK_REPORTS_DIR")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"PAYDESK_TIMEZONE '{value}' is not an IANA time zone; use e.g. Europe/Berlin"
            ) from None
        return value

    @field_validator("refund_approval_thresholds_text")
    @classmethod
    def _readable_thresholds(cls, value: str) -> str:
        parse_currency_thresholds(value)
        return value

    @property
    def refund_approval_thresholds(self) -> dict[str, Decimal]:
        """Currency -> threshold, for the currencies that have their own."""
        return parse_currency_thresholds(self.refund_approval_thresholds_text)

    def refund_threshold_for(self, currency: str) -> Decimal:
        return self.refund_approval_thresholds.get(currency.upper(),
                                                   self.refund_approval_threshold)

    @property
    def is_sandbox(self) -> bool:
        return self.mode == "sandbox"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_url_is_custom(self) -> bool:
        """True when live mode talks to a host other than Binance Pay's own (override set)."""
        if self.is_sandbox:
            return False
        parts = urlsplit(self.binance_pay_base_url.strip())
        return parts.scheme != "https" or (parts.hostname or "") not in BINANCE_PAY_HOSTS

    def check_safe_to_start(self) -> None:
        """Raise ConfigurationError when live mode would run with placeholder secrets or would
        send the merchant's credentials anywhere but Binance Pay over https."""
        if self.is_sandbox:
            return
        problems = [
            name for name, secret in (
                ("BINANCE_PAY_API_KEY", self.binance_pay_api_key),
                ("BINANCE_PAY_API_SECRET", self.binance_pay_api_secret),
            ) if not credential_looks_real(secret.get_secret_value())
        ]
        if problems:
            raise ConfigurationError(
                "live mode refuses placeholder secrets: set "
                + " and ".join(problems)
                + " to the merchant's real Binance Pay credentials (32 to 128 letters and digits,"
                " as the Binance Merchant Admin Portal shows them) in .env or the environment"
            )
        keys = [k.strip() for k in self.totp_keys.get_secret_value().split(",") if k.strip()]
        if not keys or SANDBOX_TOTP_KEY in keys or not all(_is_fernet_key(k) for k in keys):
            raise ConfigurationError(
                "live mode needs PAYDESK_TOTP_KEYS: one or more Fernet keys, newest first, not "
                "the sandbox's. Make one with `python -c \"from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())\"`"
            )
        if self.base_url_is_custom and not self.binance_pay_base_url_override:
            raise ConfigurationError(
                f"live mode refuses BINANCE_PAY_BASE_URL '{self.binance_pay_base_url}': use "
                f"{LIVE_BASE_URL} (https on Binance Pay's host), or set "
                "BINANCE_PAY_ALLOW_CUSTOM_BASE_URL=true to accept another host on purpose"
            )


def _is_fernet_key(key: str) -> bool:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True


def mask_database_url(url: str) -> str:
    """DATABASE_URL as it may be printed or shown: the password replaced by ***."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def credential_looks_real(value: str) -> bool:
    value = value.strip()
    lowered = value.lower()
    return (
        _KEY_FORMAT.match(value) is not None
        and len(set(lowered)) >= _MIN_DISTINCT
        and not any(word in lowered for word in _PLACEHOLDER_WORDS)
    )


def parse_currency_thresholds(text: str) -> dict[str, Decimal]:
    """'BTC=0.01, ETH=0.25' -> {'BTC': Decimal('0.01'), 'ETH': Decimal('0.25')}."""
    thresholds: dict[str, Decimal] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        code, sep, amount = (piece.strip() for piece in part.partition("="))
        try:
            value = Decimal(amount) if sep and code.isalpha() else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0:
            raise ValueError(
                f"PAYDESK_REFUND_APPROVAL_THRESHOLDS: '{part}' is not CURRENCY=AMOUNT with an "
                "amount of 0 or more; write it like BTC=0.01,ETH=0.25"
            )
        thresholds[code.upper()] = value
    return thresholds


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
