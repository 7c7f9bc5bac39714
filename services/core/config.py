"""Settings from the environment and `.env` (python-dotenv, through pydantic-settings).

Every setting is documented in `.env.example`. Live mode refuses to start with the sandbox's
placeholder secrets, so a copy of the example file can never talk to the real API by accident.

Each payment provider has its own settings (``BINANCE_PAY_*``, ``MONETIX_*``, ``JUICYWAY_*``). In
live mode a provider is enabled when it is configured (its credentials are set) and every enabled
provider passes the live checks; in sandbox mode every provider is on, each with its in-process
sandbox. The hosts below are written out here because the core does not import provider packages.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.core.errors import ConfigurationError
from services.core.provider_names import PROVIDER_NAMES, provider_name  # noqa: F401 (re-exported)

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
# travels in a header of each signed notification). Anything else is a typo or a placeholder.
_KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{32,128}$")
_MIN_DISTINCT = 10  # "aaaa…" or "0000…" has the right length and is still a placeholder
# user:password@ in any URL; the password may itself hold '@' or ':' when not percent-encoded.
_URL_PASSWORD = re.compile(r"^([^:/]+://[^:/@]*:).*@(?=[^@]*$)")
#: Monetix Gate and Payment Page (providers.md part A section 1: api.trxhost.com in three code
#: bases; gate.monetix.com appears once and is unconfirmed, so it needs the override).
MONETIX_GATE_URL = "https://api.trxhost.com"
MONETIX_PAYMENT_PAGE_URL = "https://paymentpage.trxhost.com/payment"
MONETIX_HOSTS = frozenset({"api.trxhost.com", "paymentpage.trxhost.com"})
#: Juicyway production API (providers.md part B section 10); its sandbox host takes test keys only.
JUICYWAY_BASE_URL = "https://api.spendjuice.com"
JUICYWAY_HOSTS = frozenset({"api.spendjuice.com"})
#: The longest default expiry of a payment request; each request is further held to its
#: provider's own longest (Capabilities.max_payment_expiry: Binance Pay 60, Juicyway 30,
#: Monetix 20 minutes).
EXPIRY_MINUTES_MAX = 60
#: The names the registry knows, in the order a default is chosen when none is set.


@dataclass(frozen=True)
class ProviderSettingNames:
    """Which settings describe a provider (field names; the variable is the name upper-cased),
    for the System page."""

    title: str
    url: str
    credential: str
    credential_label: str
    timeout: str


PROVIDER_SETTINGS = {
    "binance_pay": ProviderSettingNames("Binance Pay", "binance_pay_base_url",
                                        "binance_pay_api_key", "API key",
                                        "binance_pay_timeout_seconds"),
    "monetix": ProviderSettingNames("Monetix", "monetix_gate_url", "monetix_project_id",
                                    "project", "monetix_timeout_seconds"),
    "juicyway": ProviderSettingNames("Juicyway", "juicyway_base_url", "juicyway_api_key",
                                     "API key", "juicyway_timeout_seconds"),
}
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

    # Monetix (Binance Pay as a Monetix method): enabled when MONETIX_PROJECT_ID or
    # MONETIX_SECRET_KEY is set.
    monetix_project_id: int | None = Field(default=None, alias="MONETIX_PROJECT_ID", gt=0)
    monetix_secret_key: SecretStr = Field(default=SecretStr(""), alias="MONETIX_SECRET_KEY")
    # Only for encrypted Payment Page links; optional.
    monetix_encryption_key: SecretStr = Field(default=SecretStr(""),
                                              alias="MONETIX_ENCRYPTION_KEY")
    monetix_gate_url: str = Field(default=MONETIX_GATE_URL, alias="MONETIX_GATE_URL")
    monetix_payment_page_url: str = Field(default=MONETIX_PAYMENT_PAGE_URL,
                                          alias="MONETIX_PAYMENT_PAGE_URL")
    monetix_base_url_override: bool = Field(default=False,
                                            alias="MONETIX_ALLOW_CUSTOM_BASE_URL")
    monetix_timeout_seconds: Decimal = Field(default=Decimal("10"),
                                             alias="MONETIX_TIMEOUT_SECONDS", gt=0)
    # Monetix wants the payer's IP on every request; this address stands in for requests an
    # operator makes on the customer's behalf.
    monetix_operator_ip: str = Field(default="", alias="MONETIX_OPERATOR_IP")

    # Juicyway (Binance Pay captured through payment sessions): enabled when JUICYWAY_API_KEY or
    # JUICYWAY_BUSINESS_ID is set. The business id is also the webhook checksum key.
    juicyway_api_key: SecretStr = Field(default=SecretStr(""), alias="JUICYWAY_API_KEY")
    juicyway_business_id: SecretStr = Field(default=SecretStr(""),
                                            alias="JUICYWAY_BUSINESS_ID")
    juicyway_base_url: str = Field(default=JUICYWAY_BASE_URL, alias="JUICYWAY_BASE_URL")
    juicyway_base_url_override: bool = Field(default=False,
                                             alias="JUICYWAY_ALLOW_CUSTOM_BASE_URL")
    juicyway_timeout_seconds: Decimal = Field(default=Decimal("10"),
                                              alias="JUICYWAY_TIMEOUT_SECONDS", gt=0)

    # Which enabled provider new payment requests, payouts and mandates go to unless the user
    # picks another; empty: Binance Pay when enabled, else the first enabled one.
    default_provider_name: str = Field(default="", alias="PAYDESK_DEFAULT_PROVIDER")

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
        default=15, alias="PAYDESK_PAYMENT_REQUEST_EXPIRY_MINUTES", ge=1,
        le=EXPIRY_MINUTES_MAX
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

    @field_validator("default_provider_name")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        name = provider_name(value) if value.strip() else ""
        if name and name not in PROVIDER_NAMES:
            raise ValueError(f"PAYDESK_DEFAULT_PROVIDER '{value}' is not one of "
                             f"{', '.join(PROVIDER_NAMES)}")
        return name

    @field_validator("monetix_operator_ip")
    @classmethod
    def _an_ip_address(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise ValueError(f"MONETIX_OPERATOR_IP '{value}' is not an IP address") from None
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
        return not _on_hosts(self.binance_pay_base_url, BINANCE_PAY_HOSTS)

    @property
    def custom_base_urls(self) -> dict[str, str]:
        """Enabled provider -> the address it talks to, for each one off its provider's own hosts
        in live mode (the override is set, or start-up refused); every page shows them."""
        if self.is_sandbox:
            return {}
        urls = {"binance_pay": [self.binance_pay_base_url],
                "monetix": [self.monetix_gate_url, self.monetix_payment_page_url],
                "juicyway": [self.juicyway_base_url]}
        hosts = {"binance_pay": BINANCE_PAY_HOSTS, "monetix": MONETIX_HOSTS,
                 "juicyway": JUICYWAY_HOSTS}
        return {name: url for name in self.enabled_providers for url in urls[name]
                if not _on_hosts(url, hosts[name])}

    # -- which providers are on --------------------------------------------------------------

    @property
    def binance_pay_configured(self) -> bool:
        return (self.binance_pay_api_key.get_secret_value() != SANDBOX_API_KEY
                or self.binance_pay_api_secret.get_secret_value() != SANDBOX_API_SECRET)

    @property
    def monetix_configured(self) -> bool:
        return (self.monetix_project_id is not None
                or bool(self.monetix_secret_key.get_secret_value()))

    @property
    def juicyway_configured(self) -> bool:
        return (bool(self.juicyway_api_key.get_secret_value())
                or bool(self.juicyway_business_id.get_secret_value()))

    @property
    def enabled_providers(self) -> tuple[str, ...]:
        """Every provider in sandbox mode (each with its in-process sandbox); in live mode the
        configured ones. In the order of ``PROVIDER_NAMES``."""
        if self.is_sandbox:
            return PROVIDER_NAMES
        configured = {"binance_pay": self.binance_pay_configured,
                      "monetix": self.monetix_configured,
                      "juicyway": self.juicyway_configured}
        return tuple(name for name in PROVIDER_NAMES if configured[name])

    @property
    def default_provider(self) -> str | None:
        """Where new items go unless the user picks another enabled provider."""
        enabled = self.enabled_providers
        if self.default_provider_name in enabled:
            return self.default_provider_name
        return enabled[0] if enabled else None

    def check_safe_to_start(self) -> None:
        """Raise ConfigurationError when live mode would run with placeholder secrets or would
        send a merchant's credentials anywhere but its provider's own hosts over https; each
        enabled provider is checked."""
        if self.is_sandbox:
            return
        enabled = self.enabled_providers
        if not enabled:
            raise ConfigurationError(
                "live mode refuses placeholder secrets: no payment provider is configured. Set "
                "BINANCE_PAY_API_KEY and BINANCE_PAY_API_SECRET, MONETIX_PROJECT_ID and "
                "MONETIX_SECRET_KEY, or JUICYWAY_API_KEY and JUICYWAY_BUSINESS_ID to the "
                "merchant's real credentials in .env or the environment"
            )
        if (self.default_provider_name and self.default_provider_name not in enabled):
            raise ConfigurationError(
                f"PAYDESK_DEFAULT_PROVIDER is {self.default_provider_name}, which is not "
                f"configured; configure it or choose one of {', '.join(enabled)}")
        if "binance_pay" in enabled:
            self._check_binance_pay()
        if "monetix" in enabled:
            self._check_monetix()
        if "juicyway" in enabled:
            self._check_juicyway()
        self._check_totp_keys()

    def _check_binance_pay(self) -> None:
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
        if self.base_url_is_custom and not self.binance_pay_base_url_override:
            raise ConfigurationError(
                f"live mode refuses BINANCE_PAY_BASE_URL '{self.binance_pay_base_url}': use "
                f"{LIVE_BASE_URL} (https on Binance Pay's host), or set "
                "BINANCE_PAY_ALLOW_CUSTOM_BASE_URL=true to accept another host on purpose"
            )

    def _check_monetix(self) -> None:
        problems = []
        if self.monetix_project_id is None:
            problems.append("MONETIX_PROJECT_ID (the numeric project id Monetix issued)")
        if not secret_looks_real(self.monetix_secret_key.get_secret_value()):
            problems.append("MONETIX_SECRET_KEY (the project's secret key)")
        encryption = self.monetix_encryption_key.get_secret_value()
        if encryption and not secret_looks_real(encryption):
            problems.append("MONETIX_ENCRYPTION_KEY (or leave it empty)")
        if problems:
            raise ConfigurationError(
                "live mode refuses placeholder secrets: set " + " and ".join(problems)
                + " to the merchant's real Monetix credentials in .env or the environment")
        for variable, url, default in (
            ("MONETIX_GATE_URL", self.monetix_gate_url, MONETIX_GATE_URL),
            ("MONETIX_PAYMENT_PAGE_URL", self.monetix_payment_page_url,
             MONETIX_PAYMENT_PAGE_URL),
        ):
            if not _on_hosts(url, MONETIX_HOSTS) and not self.monetix_base_url_override:
                raise ConfigurationError(
                    f"live mode refuses {variable} '{url}': use {default} (https on Monetix's "
                    "host), or set MONETIX_ALLOW_CUSTOM_BASE_URL=true to accept another host "
                    "on purpose (gate.monetix.com, say, if Monetix gave you that one)")

    def _check_juicyway(self) -> None:
        key = self.juicyway_api_key.get_secret_value().strip()
        problems = []
        if not secret_looks_real(key) or key.lower().startswith(("test_", "sk_test_")):
            problems.append("JUICYWAY_API_KEY (a live key; test_ keys work only in "
                            "Juicyway's sandbox)")
        if not self.juicyway_business_id.get_secret_value().strip():
            problems.append("JUICYWAY_BUSINESS_ID (it also checks webhook checksums)")
        if problems:
            raise ConfigurationError(
                "live mode refuses placeholder secrets: set " + " and ".join(problems)
                + " to the merchant's real Juicyway credentials in .env or the environment")
        if not _on_hosts(self.juicyway_base_url, JUICYWAY_HOSTS) \
                and not self.juicyway_base_url_override:
            raise ConfigurationError(
                f"live mode refuses JUICYWAY_BASE_URL '{self.juicyway_base_url}': use "
                f"{JUICYWAY_BASE_URL} (https on Juicyway's host), or set "
                "JUICYWAY_ALLOW_CUSTOM_BASE_URL=true to accept another host on purpose")

    def _check_totp_keys(self) -> None:
        keys = [k.strip() for k in self.totp_keys.get_secret_value().split(",") if k.strip()]
        if not keys or SANDBOX_TOTP_KEY in keys or not all(_is_fernet_key(k) for k in keys):
            raise ConfigurationError(
                "live mode needs PAYDESK_TOTP_KEYS: one or more Fernet keys, newest first, not "
                "the sandbox's. Make one with `python -c \"from cryptography.fernet import "
                "Fernet; print(Fernet.generate_key().decode())\"`"
            )


def _on_hosts(url: str, hosts: frozenset[str]) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme == "https" and (parts.hostname or "") in hosts


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


def secret_looks_real(value: str) -> bool:
    """A secret whose format the provider does not publish (Monetix, Juicyway): long enough,
    varied, no spaces and none of the placeholder words."""
    value = value.strip()
    lowered = value.lower()
    return (
        len(value) >= 16 and not any(c.isspace() for c in value)
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
