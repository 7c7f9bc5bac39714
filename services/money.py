"""Exact money helpers. Floats are refused: a float has already lost the exact amount."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from data.types import MAX_AMOUNT
from services.errors import MoneyError

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
    "VND": 0, "IDR": 2, "KWD": 3, "BHD": 3,
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


def check_magnitude(amount: Decimal, *, field: str = "amount", value: object = None) -> None:
    """Refuse an amount beyond what the store can hold, before any arithmetic overflows on it."""
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(
            f"'{amount if value is None else value}' is larger than the largest amount PayDesk "
            f"can record ({MAX_AMOUNT:f})", field=field, value=amount if value is None else value)


def exact_amount(value: object, currency: str, *, field: str = "amount") -> Decimal:
    """The amount as a Decimal with the currency's scale; too many decimals is an error."""
    amount = to_decimal(value, field=field)
    places = currency_decimals(currency)
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
            f"{amount} has more than {places} decimal places for {currency.upper()}; "
            f"round it to {places} places",
            field=field,
            value=value,
        )
    return quantized


def positive_amount(value: object, currency: str, *, field: str = "amount") -> Decimal:
    amount = exact_amount(value, currency, field=field)
    if amount <= 0:
        raise MoneyError(f"amount must be greater than zero, got {amount}", field=field, value=value)
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
