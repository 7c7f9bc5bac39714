"""The Monetix (ecommpay platform) signature: HMAC-SHA512 over the flattened parameters.

Rules (providers.md part A §8.1 and §9, binance-pay-protocol.md §9), each settled by a
published SDK:

- every ``signature`` key is dropped, at any depth and inside lists, and so is ``frame_mode``
  (both SDKs ignore it), so a signed body can be checked as it arrives;
- nested keys are joined with ``:``; a ``:`` inside a key is written ``::`` (ecommpay Python SDK
  since commit f8ebfbe) so ``{"a:b": 1}`` and ``{"a": {"b": 1}}`` cannot collide;
- list items are keyed by their zero-based index; empty objects and lists add nothing;
- ``true``/``false`` are signed ``1``/``0``; ``null`` is signed empty (``key:``), as the
  ecommpay SDK does since commit fd67b89. The 1.0.6 wheel on PyPI predates that fix and signs
  ``None``, so nothing PayDesk or its sandbox sends ever carries a null;
- the ``path:value`` items are sorted and joined with ``;``, then HMAC-SHA512 with the project
  secret, standard Base64.

Sort order: Monetix's own Java SDK sorts the whole ``path:value`` strings, the ecommpay Python
SDK sorts by path. The two differ only when a key is a prefix of a sibling followed by a
character below ``:`` (``a`` and ``a-b``). We sign in Monetix's order and accept either when
verifying, because which one the platform itself uses is not published.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

SIGNATURE_KEY = "signature"
IGNORED_KEYS = frozenset({SIGNATURE_KEY, "frame_mode"})
ITEM_SEPARATOR = ";"


class SortOrder(StrEnum):
    #: Sort the whole ``path:value`` strings (trxhosts/paymentpage-sdk-java, Monetix's own).
    ITEM = "item"
    #: Sort by path only (ITECOMMPAY/paymentpage-sdk-python).
    PATH = "path"


class UnsignableValue(TypeError):
    """A value with no defined text form on the platform (a float, a set, an object)."""


def _text(value: Any, path: str) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        # Only reached for numbers read back from JSON with parse_float=Decimal: the platform
        # signs what it printed, and Decimal keeps the printed digits.
        return str(value)
    raise UnsignableValue(
        f"{path}: {type(value).__name__} has no signed form; send integers (minor units) "
        "and strings"
    )


def _walk(node: Any, prefix: str, out: list[tuple[str, str]]) -> None:
    if isinstance(node, Mapping):
        items: Sequence[tuple[str, Any]] = [
            (str(key).replace(":", "::"), value)
            for key, value in node.items()
            if key not in IGNORED_KEYS
        ]
    elif isinstance(node, list | tuple):
        items = [(str(index), value) for index, value in enumerate(node)]
    else:
        out.append((prefix, f"{prefix}:{_text(node, prefix)}"))
        return
    for key, value in items:
        _walk(value, f"{prefix}:{key}" if prefix else key, out)


def flatten(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(path, "path:value")`` for every scalar, unsorted."""
    if not isinstance(params, Mapping):
        raise UnsignableValue("only a JSON object can be signed")
    out: list[tuple[str, str]] = []
    _walk(params, "", out)
    return out


def string_to_sign(params: Mapping[str, Any], order: SortOrder = SortOrder.ITEM) -> str:
    items = flatten(params)
    if order is SortOrder.PATH:
        items.sort(key=lambda item: item[0])
    else:
        items.sort(key=lambda item: item[1])
    return ITEM_SEPARATOR.join(text for _, text in items)


def sign_string(text: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha512).digest()
    return base64.b64encode(digest).decode("ascii")


def sign(params: Mapping[str, Any], secret: str, order: SortOrder = SortOrder.ITEM) -> str:
    return sign_string(string_to_sign(params, order), secret)


def verify(params: Mapping[str, Any], secret: str, signature: object) -> bool:
    """True when ``signature`` matches ``params`` in either sort order (constant time)."""
    if not isinstance(signature, str) or not signature:
        return False
    given = signature.encode("utf-8")
    matched = False
    for order in SortOrder:
        expected = sign(params, secret, order).encode("ascii")
        # Both comparisons always run, so timing says nothing about which order matched.
        matched |= hmac.compare_digest(expected, given)
    return matched


def find_signature(body: Mapping[str, Any]) -> object:
    """Where the platform puts it: top level in callbacks, ``general`` in Gate requests."""
    if SIGNATURE_KEY in body:
        return body[SIGNATURE_KEY]
    general = body.get("general")
    if isinstance(general, Mapping):
        return general.get(SIGNATURE_KEY)
    return None
