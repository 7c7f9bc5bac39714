"""The webhook checksum: HMAC-SHA256 keyed by the business id over ``event|json(data)``.

Juicyway documents the algorithm loosely (reference/providers.md section 12): its samples differ
in spacing, key order and escaping. We sign as the server is inferred to: compact, keys sorted at
every depth, raw UTF-8, slashes unescaped. The verifier accepts only that form and two escaping
variants of the SAME parsed data (non-ASCII as ``\\uXXXX``, and that plus ``\\/``); because the
HMAC is keyed, accepting another encoding of identical data does not let anyone forge a body.
Spacing and key-order variants are refused: accepting them would only hide a wrong key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from .wire import canonical

#: (name, ascii_only, escape_slash), tried in this order; the first is what we send.
VARIANTS: tuple[tuple[str, bool, bool], ...] = (
    ("canonical", False, False),
    ("ascii-escaped", True, False),
    ("ascii-and-slash-escaped", True, True),
)


def message(event: str, data: Mapping[str, Any], *, ascii_only: bool = False,
            escape_slash: bool = False) -> bytes:
    encoded = canonical(data, sort_keys=True, ascii_only=ascii_only, escape_slash=escape_slash)
    return f"{event}|{encoded}".encode()


def sign(event: str, data: Mapping[str, Any], business_id: str, *, ascii_only: bool = False,
         escape_slash: bool = False) -> str:
    digest = hmac.new(
        business_id.encode(),
        message(event, data, ascii_only=ascii_only, escape_slash=escape_slash),
        hashlib.sha256,
    ).hexdigest()
    return digest.upper()


def matching_variant(
    event: str, data: Mapping[str, Any], business_id: str, checksum: str
) -> str | None:
    """The name of the encoding whose checksum equals ``checksum``, or None.

    Every variant is computed and compared in constant time, so the time taken does not tell
    an attacker how close a guess came or which variant was tried.
    """
    offered = checksum.strip().upper().encode()
    found: str | None = None
    for name, ascii_only, escape_slash in VARIANTS:
        expected = sign(event, data, business_id, ascii_only=ascii_only,
                        escape_slash=escape_slash).encode()
        if hmac.compare_digest(expected, offered) and found is None:
            found = name
    return found
