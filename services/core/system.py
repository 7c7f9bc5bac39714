"""What the running PayDesk is configured with, safe to show (no secrets)."""

from __future__ import annotations

from dataclasses import dataclass

from data import migrate
from services.core.access import Actor
from services.core.context import Services
from services.core.config import PROVIDER_SETTINGS, mask_database_url
from services.core.refusals import require


@dataclass(frozen=True)
class ConfigurationRow:
    label: str
    value: str
    variable: str


def _masked(secret: str) -> str:
    return "not set" if not secret else f"…{secret[-4:]}" if len(secret) > 8 else "set"


def _provider_rows(services: Services) -> list[ConfigurationRow]:
    s = services.settings
    rows: list[ConfigurationRow] = []
    for name in s.enabled_providers:
        shown = PROVIDER_SETTINGS[name]
        url = getattr(s, shown.url)
        credential = getattr(s, shown.credential)
        credential_text = (_masked(credential.get_secret_value())
                           if hasattr(credential, "get_secret_value") else str(credential or ""))
        rows += [
            ConfigurationRow(f"{shown.title} API", "in-process sandbox" if s.is_sandbox else url,
                             shown.url.upper()),
            ConfigurationRow(f"{shown.title} {shown.credential_label}",
                             credential_text or "not set", shown.credential.upper()),
            ConfigurationRow(f"{shown.title} call timeout", f"{getattr(s, shown.timeout)} s",
                             shown.timeout.upper()),
        ]
    return rows


def describe_configuration(services: Services, actor: Actor) -> list[ConfigurationRow]:
    """Admins only: hosts, key endings and limits help an attacker plan."""
    require(services, actor, "settings.manage")
    s = services.settings
    database = mask_database_url(s.database_url)
    revision = migrate.current_revision(services.engine) or "not migrated"
    return [
        ConfigurationRow("Mode", "Sandbox (no real money)" if s.is_sandbox else "Live", "PAYDESK_MODE"),
        ConfigurationRow("Database", f"{database} (revision {revision})", "DATABASE_URL"),
        ConfigurationRow("Time zone", s.timezone, "PAYDESK_TIMEZONE"),
        ConfigurationRow("Payment providers", ", ".join(s.enabled_providers) or "none",
                         "set each provider's credentials to enable it"),
        ConfigurationRow("Default provider for new items", s.default_provider or "none",
                         "PAYDESK_DEFAULT_PROVIDER"),
        *_provider_rows(services),
        ConfigurationRow("Idle sign-out", f"{s.session_idle_minutes} min", "PAYDESK_SESSION_IDLE_MINUTES"),
        ConfigurationRow(
            "Sign-in throttling",
            f"after {s.lockout_attempts} failed attempts a growing wait, at most "
            f"{s.lockout_minutes} min (per name and browser address; nobody is locked out)",
            "PAYDESK_LOCKOUT_ATTEMPTS / PAYDESK_LOCKOUT_MINUTES",
        ),
        ConfigurationRow("Refund approval above", f"{s.refund_approval_threshold}",
                         "PAYDESK_REFUND_APPROVAL_THRESHOLD"),
        ConfigurationRow("Refund approval above, per currency",
                         s.refund_approval_thresholds_text, "PAYDESK_REFUND_APPROVAL_THRESHOLDS"),
        ConfigurationRow("Payout line cap (USD-pegged)", f"{s.payout_line_cap_usd}",
                         "PAYDESK_PAYOUT_LINE_CAP_USD"),
    ]
