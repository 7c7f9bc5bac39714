"""The providers PayDesk can run, by the name the store and the registry use.

Kept apart from the settings so that the command line can name providers without loading
pydantic (`paydesk --help` stays instant)."""

from __future__ import annotations

PROVIDER_NAMES = ("binance_pay", "monetix", "juicyway")
_PROVIDER_ALIASES = {"binance-pay": "binance_pay", "binance": "binance_pay"}


def provider_name(text: str) -> str:
    """'binance-pay' / 'Binance_Pay' -> 'binance_pay' (the store's and the registry's name)."""
    cleaned = text.strip().lower()
    return _PROVIDER_ALIASES.get(cleaned, cleaned.replace("-", "_"))
