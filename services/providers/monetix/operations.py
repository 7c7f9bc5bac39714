"""Reading the platform's payment/operation shape, shared by callbacks and status answers.

A callback carries one ``operation``; a status answer carries the ``operations`` list. Either
way the money facts are the operation's: ``sum_initial`` is what this operation moved in the
request currency, ``sum_converted`` the same after Monetix's conversion. ``payment.sum`` is
NOT an operation amount (after a refund it is what remains), so nothing here reads it as one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from . import amounts

#: Platform dates: ``2024-12-07T19:08:45+0000``.
_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z")


class ShapeError(ValueError):
    """A signed body whose fields do not have the documented types."""


def parse_date(value: object) -> datetime | None:
    """A platform date, or ``None`` for absent and placeholder values such as the COF
    ``valid_thru`` ``-0001-11-30T00:00:00+0000`` the seed shows."""
    if not isinstance(value, str) or not value:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def text(value: object) -> str | None:
    """Ids and codes arrive as numbers or strings; ``47`` and ``"47"`` are the same id."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        return str(value) if str(value) != "" else None
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    raise ShapeError(f"expected an id or code, got {type(value).__name__} {value!r}")


def section(body: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = body.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ShapeError(f"'{name}' should be an object")
    return value


@dataclass(frozen=True, slots=True)
class Sum:
    amount: Decimal
    currency: str


def parse_sum(node: object, where: str) -> Sum | None:
    if node is None:
        return None
    if not isinstance(node, Mapping):
        raise ShapeError(f"'{where}' should be an object with amount and currency")
    currency = node.get("currency")
    if not currency or "amount" not in node:
        return None
    if not isinstance(currency, str):
        raise ShapeError(f"'{where}.currency' should be a currency code")
    try:
        return Sum(amounts.from_minor(node["amount"], currency), currency.upper())
    except amounts.AmountError as exc:
        raise ShapeError(f"'{where}': {exc.message}") from None


@dataclass(frozen=True, slots=True)
class Operation:
    id: str | None
    type: str
    status: str
    code: str | None
    message: str | None
    request_id: str | None
    sum_initial: Sum | None
    sum_converted: Sum | None
    created_at: datetime | None
    date: datetime | None
    provider_reference: str | None


def parse_operation(node: object, where: str = "operation") -> Operation:
    if not isinstance(node, Mapping):
        raise ShapeError(f"'{where}' should be an object")
    provider = section(node, "provider")
    op_type, status = node.get("type"), node.get("status")
    if not isinstance(op_type, str) or not isinstance(status, str):
        raise ShapeError(f"'{where}' needs a type and a status")
    message = node.get("message")
    return Operation(
        id=text(node.get("id")),
        type=op_type,
        status=status,
        code=text(node.get("code")),
        message=message if isinstance(message, str) else None,
        request_id=text(node.get("request_id")),
        sum_initial=parse_sum(node.get("sum_initial"), f"{where}.sum_initial"),
        sum_converted=parse_sum(node.get("sum_converted"), f"{where}.sum_converted"),
        created_at=parse_date(node.get("created_date")),
        date=parse_date(node.get("date")),
        provider_reference=text(provider.get("payment_id")),
    )


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    type: str | None
    status: str | None
    method: str | None
    #: What the payment stands at now (the remainder after refunds), for display only.
    sum: Sum | None


def parse_payment(body: Mapping[str, Any]) -> Payment:
    node = section(body, "payment")
    payment_id = text(node.get("id"))
    if payment_id is None:
        raise ShapeError("'payment.id' (our payment id) is missing")
    kind, status, method = node.get("type"), node.get("status"), node.get("method")
    return Payment(
        id=payment_id,
        type=kind if isinstance(kind, str) else None,
        status=status if isinstance(status, str) else None,
        method=method if isinstance(method, str) else None,
        sum=parse_sum(node.get("sum"), "payment.sum"),
    )
