"""Display formatting: the only place that turns numbers into text for people."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from services.money import FIAT_DECIMALS, STABLECOINS

STATUS_LABELS: dict[str, str] = {
    "INITIAL": "Created",
    "PENDING": "Awaiting payment",
    "PAID": "Paid",
    "CANCELED": "Closed",
    "EXPIRED": "Expired",
    "ERROR": "Failed",
    "REFUNDING": "Refund in progress",
    "REFUNDED": "Partially refunded",
    "FULL_REFUNDED": "Refunded",
}


def format_amount(amount: Decimal, *, min_places: int = 2) -> str:
    """Thousands separators, every significant decimal kept, at least `min_places` shown."""
    normalized = amount.normalize()
    exponent = normalized.as_tuple().exponent
    places = max(min_places, -exponent if isinstance(exponent, int) and exponent < 0 else 0)
    return f"{amount:,.{places}f}"


def format_money(amount: Decimal, currency: str) -> str:
    return f"{format_amount(amount)} {currency}"


def format_tile_amount(amount: Decimal, currency: str) -> str:
    """A short, rounded figure for a KPI tile; tables and exports carry the exact amount."""
    places = 2 if currency in STABLECOINS or currency in FIAT_DECIMALS else 4
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    return f"{rounded:,.{places}f}"


def format_percent(value: Decimal | None, *, places: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.{places}f}%"


def format_change(value: Decimal | None) -> str | None:
    """A relative change as '+12.3%', or None when there is nothing to compare against."""
    if value is None:
        return None
    return f"{value * 100:+.1f}%"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())
