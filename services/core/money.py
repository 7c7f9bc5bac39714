"""Exact money helpers. Floats are refused: a float has already lost the exact amount."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from data.types import MAX_AMOUNT, MONEY_SCALE
from services.core.errors import MoneyError

CRYPTO_DECIMALS = 8
# Assets the product knows; Binance Pay quotes crypto with up to 8 decimals.
CRYPTO_CURRENCIES: frozenset[str] = frozenset(
    {"USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB", "SOL", "XRP", "TRX", "DOGE", "TON", "BUSD"}
)
STABLECOINS: frozenset[str] = frozenset({"USDT", "USDC", "FDUSD", "BUSD"})
# ISO 4217 minor units for the fiat currencies that appear on provider statements.
FIAT_DECIMALS: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "HKD": 2, "SGD": 2, "AUD": 2, "CAD": 2, "CHF": 2, "TRY": 2,
    "BRL": 2, "UAH": 2, "PLN": 2, "KZT": 2, "AED": 2, "INR": 2, "RUB": 2, "JPY": 0, "KRW": 0,
    "VND": 0, "IDR": 2, "KWD": 3, "BHD": 3, "NGN": 2,
}


def currency_decimals(currency: str) -> int:
    code = currency.upper()
    if code in FIAT_DECIMALS:
        return FIAT_DECIMALS[code]
    if code in CRYPTO_CURRENCIES:
        return CRYPTO_DECIMALS
    raise MoneyError(f"unsupported currency '{currency}'", field="currency", value=currency)


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Accept Decimal, int or a plain decimal string; refuse floats and anything inexact."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(
            f"got a {type(value).__name__} ({value!r}); pass a Decimal or a string such as '12.50'",
            field=field,
            value=value,
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(
                f"'{value}' is not a number; write it like 1234.56", field=field, value=value
            ) from None
    else:
        raise MoneyError(f"cannot read {type(value).__name__} as money", field=field, value=value)
    if not result.is_finite():
        raise MoneyError(f"'{value}' is not a finite amount", field=field, value=value)
    return result


def plain_amount(value: Decimal) -> str:
    """An amount as people write it in a message: 50, 12.5, 0.00000001 (exact, no exponent)."""
    return format(value.normalize(), "f") if value else "0"


# The one written form of an amount, for everything typed or read from a file. ASCII only on
# purpose: Python's Decimal also reads 1e3, 1_000, +5 and full-width or Arabic-Indic digits,
# and a figure that means something else to the person who typed it must be refused, not read.
PLAIN_AMOUNT_PATTERN = r"[0-9]+(?:\.[0-9]+)?"
AMOUNT_FORM = "digits with at most one dot for decimals, like 1234.56"
_PLAIN_AMOUNT = re.compile(PLAIN_AMOUNT_PATTERN, re.ASCII)
_BLANKS = " \t"


def check_magnitude(amount: Decimal, *, field: str = "amount", value: object = None) -> None:
    """Refuse an amount beyond what the store can hold, before any arithmetic overflows on it."""
    # copy_abs never rounds, unlike abs(): abs(Decimal("1e1000000")) overflows the context.
    if amount.is_finite() and amount.copy_abs() <= MAX_AMOUNT:
        return
    raise MoneyError(
        f"'{amount if value is None else value}' is larger than the largest amount PayDesk "
        f"can record ({MAX_AMOUNT:f})", field=field, value=amount if value is None else value,
        code="too_large")


def _read_text(text: str, *, field: str) -> Decimal:
    cleaned = text.strip(_BLANKS)
    if not cleaned:
        raise MoneyError(f"the amount is empty; write {AMOUNT_FORM}", field=field, value=text)
    if not _PLAIN_AMOUNT.fullmatch(cleaned):
        sign = cleaned[0] in "-+\u2212"
        why = ("has a sign; write the amount without + or -" if sign
               else f"is not a plain amount; write {AMOUNT_FORM} (no exponents, separators, "
                    "signs or non-ASCII digits)")
        raise MoneyError(f"'{text}' {why}", field=field, value=text)
    whole = cleaned.split(".", 1)[0].lstrip("0")
    if len(whole) > MAX_AMOUNT.adjusted() + 1:
        # Refused by length, so a thousand-digit paste never reaches Decimal arithmetic.
        check_magnitude(Decimal(1).scaleb(len(whole)), field=field, value=text)
    return Decimal(cleaned)


def parse_amount(value: object, currency: str | None, *, field: str = "amount",
                 places: int | None = None) -> Decimal:
    """The one amount parser: a string must be plain ASCII digits with one optional decimal
    point; Decimals and ints (from code, never from people) are taken as they are. The result
    carries the currency's scale (the store's when no currency applies); more decimals than the currency has, or a value beyond what
    the store holds, is a MoneyError naming `field` and the expected form. ``places``: the
    currency's decimals when the caller knows them better (a provider's own currency list)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise MoneyError(
            f"got a {type(value).__name__} ({value!r}); pass a Decimal or a string such as '12.50'",
            field=field, value=value)
    if isinstance(value, str):
        amount = _read_text(value, field=field)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"'{value}' is not a finite amount", field=field, value=value)
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        raise MoneyError(f"cannot read {type(value).__name__} as money", field=field, value=value)
    if places is None:
        places = MONEY_SCALE if currency is None else currency_decimals(currency)
    check_magnitude(amount, field=field, value=value)
    quantum = Decimal(1).scaleb(-places)
    try:
        quantized = amount.quantize(quantum)
    except InvalidOperation:
        # Past the context's 28 digits; the magnitude check makes this unreachable for any
        # storable amount, but a traceback must never be what a typo earns.
        raise MoneyError(f"'{value}' has too many digits to be an amount", field=field,
                         value=value) from None
    if quantized != amount:
        raise MoneyError(
            f"'{value}' has more than {places} decimal places"
            f"{'' if currency is None else ' for ' + currency.upper()}; "
            f"round it to {places} places",
            field=field,
            value=value,
            code="too_many_decimals",
        )
    return quantized


# The historical name; every caller gets the same strict parser.
exact_amount = parse_amount


def positive_amount(value: object, currency: str, *, field: str = "amount",
                    places: int | None = None) -> Decimal:
    amount = parse_amount(value, currency, field=field, places=places)
    if amount <= 0:
        raise MoneyError(f"amount must be greater than zero, got {plain_amount(amount)}",
                         field=field, value=value)
    return amount


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise MoneyError(f"Money needs a Decimal, got {type(self.amount).__name__}")
        object.__setattr__(self, "currency", self.currency.upper())

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {getattr(other, 'currency', other)}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"
