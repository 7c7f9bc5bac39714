"""Parameter checks shared by the sandbox handlers, answering Binance's 4001xx codes."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .gateway import ApiFail

MAX_AMOUNT = Decimal("999999999999999.99999999")
MIN_AMOUNT = Decimal("0.00000001")
ALNUM = re.compile(r"^[A-Za-z0-9]+$")
CURRENCY = re.compile(r"^[A-Z0-9]{2,10}$")
SUPPORTED_CRYPTO = frozenset({"USDT", "USDC", "BNB", "BTC", "ETH", "FDUSD", "BUSD", "MBOX"})


def required(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "" or value == [] or value == {}:
        raise ApiFail("400100", f"Mandatory parameter '{name}' is empty or malformed")
    return value


def text(
    params: dict[str, Any], name: str, *, max_len: int, need: bool = True, alnum: bool = False
) -> str | None:
    value = required(params, name) if need else params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiFail("400100", f"Parameter '{name}' must be a string")
    if len(value) > max_len:
        raise ApiFail("400101", f"Parameter '{name}' is longer than {max_len} characters")
    if alnum and not ALNUM.match(value):
        raise ApiFail("400103", f"Parameter '{name}' may contain letters and digits only")
    return value


def amount(params: dict[str, Any], name: str, *, need: bool = True) -> Decimal | None:
    value = required(params, name) if need else params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ApiFail("400100", f"Parameter '{name}' must be a number")
    try:
        # Numeric strings are accepted too; whether Binance does is not documented.
        number = Decimal(value) if isinstance(value, int | str) else value
    except InvalidOperation:
        raise ApiFail("400100", f"Parameter '{name}' must be a number") from None
    if not isinstance(number, Decimal) or not number.is_finite():
        raise ApiFail("400100", f"Parameter '{name}' must be a number")
    if not MIN_AMOUNT <= number <= MAX_AMOUNT:
        raise ApiFail("400102", f"Parameter '{name}' is out of range")
    if number != number.quantize(MIN_AMOUNT, rounding="ROUND_DOWN"):
        raise ApiFail("400102", f"Parameter '{name}' has more than 8 decimal places")
    return number


def currency(params: dict[str, Any], name: str, *, need: bool = True) -> str | None:
    value = text(params, name, max_len=10, need=need)
    if value is None:
        return None
    if not CURRENCY.match(value):
        raise ApiFail("400102", f"Parameter '{name}' must be an upper-case currency code")
    if value not in SUPPORTED_CRYPTO:
        raise ApiFail("400102", f"Currency {value} is not supported")
    return value


def choice(params: dict[str, Any], name: str, options: frozenset[str] | set[str], *, need=True):
    value = required(params, name) if need else params.get(name)
    if value is None:
        return None
    if value not in options:
        raise ApiFail("400102", f"Parameter '{name}' must be one of {sorted(options)}")
    return value


def integer(params: dict[str, Any], name: str, *, need: bool = True) -> int | None:
    value = required(params, name) if need else params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ApiFail("400100", f"Parameter '{name}' must be an integer")
    return int(value)


def boolean(params: dict[str, Any], name: str, *, default: bool = False) -> bool:
    value = params.get(name, default)
    if not isinstance(value, bool):
        raise ApiFail("400100", f"Parameter '{name}' must be true or false")
    return value


def one_of(params: dict[str, Any], *names: str) -> None:
    if not any(params.get(n) not in (None, "") for n in names):
        raise ApiFail("400100", f"One of {', '.join(names)} is required")


def amount_text(value: Decimal) -> str:
    """Binance prints response amounts as 8-dp strings in order and refund answers."""
    return format(value.quantize(MIN_AMOUNT), "f")


def amount_number(value: Decimal) -> Decimal:
    """8-dp Decimal, written as a JSON number (``0.88000000``) by the wire encoder."""
    return value.quantize(MIN_AMOUNT)
