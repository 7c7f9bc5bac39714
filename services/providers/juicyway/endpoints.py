"""Juicyway hosts and paths (reference/providers.md section 10 and 11)."""

from __future__ import annotations

from urllib.parse import quote

PRODUCTION_BASE_URL = "https://api.spendjuice.com"
SANDBOX_BASE_URL = "https://api-sandbox.spendjuice.com"
HOSTS = frozenset({"api.spendjuice.com", "api-sandbox.spendjuice.com"})

PAYMENT_SESSIONS = "/payment-sessions"
PAYMENTS = "/payments"


def session_path(provider_payment_id: str) -> str:
    return f"{PAYMENT_SESSIONS}/{quote(provider_payment_id, safe='')}"


def payment_path(provider_payment_id: str) -> str:
    return f"{PAYMENTS}/{quote(provider_payment_id, safe='')}"
