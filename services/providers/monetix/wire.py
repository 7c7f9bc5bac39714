"""JSON on the Monetix wire.

Requests never carry a null: the platform SDKs disagree on how a null is signed (the PyPI
ecommpay-sdk writes ``None``), so absent means "not sent". Amounts are integers (minor units),
so a float anywhere in a request is a bug and is refused. Answers and callbacks are read with
fractional numbers as ``Decimal``, so nothing passes through binary floating point.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


class WireFormatError(ValueError):
    pass


def prune(value: Any) -> Any:
    """Drop ``None`` values and the containers they leave empty; refuse floats."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise WireFormatError(f"JSON keys must be str, got {key!r}")
            pruned = prune(item)
            if pruned is not None and pruned != {}:
                out[key] = pruned
        return out
    if isinstance(value, list | tuple):
        return [prune(item) for item in value if item is not None]
    if isinstance(value, float):
        raise WireFormatError("floats are not allowed on the wire; amounts are integer minor units")
    if isinstance(value, Decimal):
        raise WireFormatError("Decimal amounts must be converted to minor units before sending")
    return value


def encode(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON of ``payload`` after ``prune``."""
    return json.dumps(prune(payload), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _reject_constant(name: str) -> Any:
    raise WireFormatError(f"non-finite number {name} in JSON")


def loads(data: str | bytes) -> Any:
    return json.loads(data, parse_float=Decimal, parse_constant=_reject_constant)
