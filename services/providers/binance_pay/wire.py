"""JSON on the Binance Pay wire: exact decimals in both directions.

Amounts leave as JSON number literals written from ``Decimal`` (never via float, never in
exponent form) and come back through ``parse_float=Decimal``. Integers stay Python ints, so
ids above 2**63 survive; models turn them into strings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

MAX_SCALE = 8
_QUANTUM = Decimal(1).scaleb(-MAX_SCALE)


class WireFormatError(ValueError):
    pass


def format_amount(value: Decimal, *, max_scale: int = MAX_SCALE) -> str:
    """Plain-notation text of ``value``; refuses non-finite values and extra precision."""
    if not isinstance(value, Decimal):
        raise WireFormatError(f"amounts must be Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise WireFormatError(f"amount {value} is not finite")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -max_scale:
        quantum = Decimal(1).scaleb(-max_scale)
        if value != value.quantize(quantum):
            raise WireFormatError(f"amount {value} has more than {max_scale} decimal places")
        # Trailing zeros past the limit carry no value; drop them so the text obeys it.
        value = value.quantize(quantum)
    elif exponent > 0:
        value = value.quantize(Decimal(1))
    return format(value, "f")


def quantize8(value: Decimal) -> Decimal:
    """Exact 8-dp form used where Binance prints amounts as ``0.88000000``."""
    return value.quantize(_QUANTUM)


def dumps(obj: Any, *, compact: bool = True, sort_keys: bool = False) -> str:
    """Serialize ``obj`` to JSON text, writing ``Decimal`` as a number literal."""
    item_sep, key_sep = (",", ":") if compact else (", ", ": ")
    parts: list[str] = []
    _encode(obj, parts, item_sep, key_sep, sort_keys)
    return "".join(parts)


def _encode(obj: Any, out: list[str], item_sep: str, key_sep: str, sort_keys: bool) -> None:
    if obj is None:
        out.append("null")
    elif obj is True:
        out.append("true")
    elif obj is False:
        out.append("false")
    elif isinstance(obj, str):
        out.append(json.dumps(obj.value if isinstance(obj, Enum) else obj, ensure_ascii=False))
    elif isinstance(obj, int):
        out.append(str(int(obj)))
    elif isinstance(obj, Decimal):
        out.append(format_amount(obj))
    elif isinstance(obj, float):
        raise WireFormatError("floats are not allowed on the wire; use Decimal")
    elif isinstance(obj, Mapping):
        items = sorted(obj.items()) if sort_keys else list(obj.items())
        out.append("{")
        for index, (key, value) in enumerate(items):
            if not isinstance(key, str):
                raise WireFormatError(f"JSON keys must be str, got {key!r}")
            if index:
                out.append(item_sep)
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(key_sep)
            _encode(value, out, item_sep, key_sep, sort_keys)
        out.append("}")
    elif isinstance(obj, list | tuple):
        out.append("[")
        for index, value in enumerate(obj):
            if index:
                out.append(item_sep)
            _encode(value, out, item_sep, key_sep, sort_keys)
        out.append("]")
    else:
        raise WireFormatError(f"cannot serialize {type(obj).__name__} to JSON")


def _reject_constant(name: str) -> Any:
    raise WireFormatError(f"non-finite number {name} in JSON")


def loads(text: str | bytes) -> Any:
    """Parse JSON with every fractional number as ``Decimal``."""
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


def encode_body(payload: Mapping[str, Any]) -> bytes:
    """The exact request body bytes: compact JSON, UTF-8, ``None`` values dropped."""
    return dumps({k: v for k, v in payload.items() if v is not None}).encode("utf-8")
