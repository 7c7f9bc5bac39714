"""Exact money column.

SQLite has no exact decimal type (NUMERIC there is a float), so amounts are stored as integers
scaled by 10**8 on SQLite and as NUMERIC(38, 8) elsewhere. SQL SUM over either is exact, and the
result processor turns it back into a Decimal, so `func.sum(Order.amount)` yields a Decimal on both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_SCALE = 8
_FACTOR = Decimal(10) ** MONEY_SCALE
_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)
# The largest scaled value a signed 64-bit SQLite INTEGER holds: about 92 billion units.
_MAX_SCALED = 2**63 - 1
MAX_AMOUNT = Decimal(_MAX_SCALED).scaleb(-MONEY_SCALE)


class MoneyPrecisionError(ValueError):
    """An amount carries more decimals than the store keeps; it is never rounded silently."""


def _uses_scaled_integer(dialect: Dialect) -> bool:
    return dialect.name == "sqlite"


def to_scaled_int(value: Decimal) -> int:
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise MoneyPrecisionError(f"money must be finite, got {value}")
    scaled = value * _FACTOR
    if scaled != scaled.to_integral_value():
        raise MoneyPrecisionError(f"{value} has more than {MONEY_SCALE} decimal places")
    if abs(scaled) > _MAX_SCALED:
        raise MoneyPrecisionError(f"{value} exceeds the largest storable amount {MAX_AMOUNT}")
    return int(scaled)


def from_scaled_int(value: int) -> Decimal:
    return Decimal(value).scaleb(-MONEY_SCALE)  # exact: only the exponent changes


class Money(TypeDecorator[Decimal]):
    impl = Numeric(38, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if _uses_scaled_integer(dialect):
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(38, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if _uses_scaled_integer(dialect):
            return to_scaled_int(value)
        to_scaled_int(value)  # same checks on every database: Decimal, finite, <= 8 dp
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if _uses_scaled_integer(dialect):
            return from_scaled_int(int(value))
        return Decimal(value).quantize(_QUANTUM)
