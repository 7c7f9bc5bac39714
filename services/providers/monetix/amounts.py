"""Amounts on the Monetix wire: integers in the currency's minor units (ISO 4217 exponent).

``100.00 EUR`` travels as ``10000``, ``1500 JPY`` as ``1500``, ``1.500 KWD`` as ``1500``.
Conversion is exact in both directions; an amount that has no integer form in minor units
(``10.005 EUR``) is refused rather than rounded, because rounding would move money.
Exponents come from the ISO 4217 table of the ``iso4217`` package; Monetix says it follows
the same table (its "Currency codes" page), and a merchant whose project differs can pass
``overrides``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from iso4217 import Currency

from services.providers.errors import InvalidParameterError

from .errors import PROVIDER

#: Binance Pay through Monetix takes every payment currency except these (seed 003).
BINANCE_PAY_UNSUPPORTED = frozenset(
    {"ARS", "EGP", "GHS", "KES", "NGN", "RWF", "TZS", "UGX", "XAF", "XOF", "ZAR"}
)


class AmountError(InvalidParameterError):
    """An amount or currency that cannot be written in minor units."""

    def __init__(self, message: str) -> None:
        super().__init__(message, provider=PROVIDER)


def exponent(currency: str, overrides: Mapping[str, int] | None = None) -> int:
    """Digits after the decimal point for ``currency`` (EUR 2, JPY 0, KWD 3)."""
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise AmountError(f"currency {currency!r} is not an ISO 4217 alpha-3 code such as EUR")
    code = currency.upper()
    if overrides and code in overrides:
        return overrides[code]
    try:
        digits = Currency(code).exponent
    except ValueError:
        raise AmountError(f"currency {code} is not in the ISO 4217 table") from None
    if digits is None:
        raise AmountError(f"{code} has no minor unit (a metal or test code), it cannot be paid")
    return digits


def to_minor(amount: Decimal, currency: str, overrides: Mapping[str, int] | None = None) -> int:
    """``Decimal('100.00'), 'EUR'`` -> ``10000``; refuses floats, negatives and extra digits."""
    if not isinstance(amount, Decimal) or isinstance(amount, bool):
        raise AmountError(f"amounts must be Decimal, got {type(amount).__name__} {amount!r}")
    if not amount.is_finite():
        raise AmountError(f"amount {amount} is not a finite number")
    if amount < 0:
        raise AmountError(f"amount {amount} is negative")
    digits = exponent(currency, overrides)
    scaled = amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise AmountError(
            f"{amount} {currency.upper()} has more than {digits} decimal places; "
            f"{currency.upper()} amounts go down to {Decimal(1).scaleb(-digits)}"
        )
    return int(scaled)


def from_minor(value: object, currency: str, overrides: Mapping[str, int] | None = None) -> Decimal:
    """``10000, 'EUR'`` -> ``Decimal('100.00')`` (scale = the currency's exponent)."""
    if isinstance(value, bool):
        raise AmountError(f"minor-unit amount {value!r} is not an integer")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    elif isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise AmountError(f"minor-unit amount {value!r} is not a whole number of minor units")
    digits = exponent(currency, overrides)
    return Decimal(value).scaleb(-digits)
