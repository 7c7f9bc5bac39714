"""JSON on the Juicyway wire: number literals kept exactly as they came, amounts in minor units.

Juicyway answers integers in minor units for sessions and payments, but some answers (swaps)
carry decimals such as ``1.0``. Numbers are therefore parsed into ``NumberLiteral`` (the exact
text) and only turned into ``Decimal`` where a field is read; re-encoding writes the same text,
which the webhook checksum depends on (``1.0`` must not come back as ``1``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

#: Every currency Juicyway documents for payment sessions has two decimal places (ISO 4217).
MINOR_UNIT_EXPONENT = {"NGN": 2, "USD": 2, "CAD": 2}


_MINOR = re.compile(r"-?[0-9]{1,18}")


class WireFormatError(ValueError):
    pass


class NumberLiteral(str):
    """A JSON number kept as its exact text; ``Decimal(literal)`` reads it without loss."""

    def __repr__(self) -> str:
        return f"NumberLiteral({str(self)!r})"


def loads(raw: bytes | str) -> Any:
    """Parse JSON keeping every number as its literal text."""
    return json.loads(raw, parse_float=NumberLiteral, parse_int=NumberLiteral)


def dumps(obj: Any) -> str:
    """Compact JSON for request bodies; ``Decimal`` and ``NumberLiteral`` written as numbers."""
    return canonical(obj, sort_keys=False)


def canonical(
    obj: Any, *, sort_keys: bool = True, ascii_only: bool = False, escape_slash: bool = False
) -> str:
    """Compact JSON text (no spaces); keys sorted at every depth unless told otherwise."""
    parts: list[str] = []
    _encode(obj, parts, sort_keys, ascii_only, escape_slash)
    return "".join(parts)


def _encode(obj: Any, out: list[str], sort_keys: bool, ascii_only: bool, slash: bool) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, NumberLiteral):
        out.append(str(obj))
    elif isinstance(obj, str):
        text = json.dumps(obj, ensure_ascii=ascii_only)
        out.append(text.replace("/", "\\/") if slash else text)
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, Decimal):
        if not obj.is_finite():
            raise WireFormatError(f"number {obj} is not finite")
        out.append(format(obj, "f"))
    elif isinstance(obj, float):
        raise WireFormatError("floats never go on the wire; use Decimal or int")
    elif isinstance(obj, Mapping):
        items = sorted(obj.items()) if sort_keys else list(obj.items())
        out.append("{")
        for index, (key, value) in enumerate(items):
            if index:
                out.append(",")
            _encode(str(key), out, sort_keys, ascii_only, slash)
            out.append(":")
            _encode(value, out, sort_keys, ascii_only, slash)
        out.append("}")
    elif isinstance(obj, list | tuple):
        out.append("[")
        for index, value in enumerate(obj):
            if index:
                out.append(",")
            _encode(value, out, sort_keys, ascii_only, slash)
        out.append("]")
    else:
        raise WireFormatError(f"cannot encode {type(obj).__name__} as JSON")


def exponent_of(currency: str) -> int:
    try:
        return MINOR_UNIT_EXPONENT[currency.upper()]
    except KeyError:
        raise WireFormatError(
            f"Juicyway takes payment sessions in {', '.join(MINOR_UNIT_EXPONENT)} only, "
            f"not {currency}"
        ) from None


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Exact conversion: 12.34 USD -> 1234; refuses amounts finer than the currency allows."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise WireFormatError(f"amount must be a finite Decimal, got {amount!r}")
    scaled = amount.scaleb(exponent_of(currency))
    if scaled != scaled.to_integral_value():
        raise WireFormatError(
            f"{amount} {currency} has more decimal places than {currency} allows "
            f"({exponent_of(currency)})"
        )
    return int(scaled)


def from_minor_units(value: Any, currency: str) -> Decimal:
    """Exact conversion back: 1234 USD -> Decimal('12.34'); a non-integer is refused."""
    text = str(value)
    # Plain digits only: an exponent form such as 1e400 is no amount Juicyway would send.
    if not _MINOR.fullmatch(text):
        raise WireFormatError(f"amount {value!r} is not a whole number of minor units")
    return Decimal(text).scaleb(-exponent_of(currency))


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 with microseconds and ``Z`` (Elixir's encoding); None stays None."""
    if value in (None, ""):
        return None
    text = str(value)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise WireFormatError(f"time {value!r} is not ISO-8601") from None
    if moment.tzinfo is None:
        raise WireFormatError(f"time {value!r} carries no zone")
    return moment


def format_time(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
