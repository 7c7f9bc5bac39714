"""Filtered, sorted, keyset-paginated reads over orders. They never commit.

Paging is by (sort column, id), never OFFSET: the cost of a page does not grow with how deep it
is, and orders that arrive while someone pages cannot shift rows between pages. Free text is an
exact/prefix match on identifiers and e-mail so it stays an index range scan (a '%text%' search
would scan every order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import pyarrow as pa
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Numeric,
    Select,
    String,
    and_,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.engine import Connection, Row
from sqlmodel import Session

from data.models import AuditEntry, Order, Refund, WebhookDelivery
from data.types import MONEY_SCALE

SortKey = Literal["created_at", "amount"]
SORT_COLUMNS: dict[str, Any] = {
    "created_at": Order.__table__.c.created_at,  # type: ignore[attr-defined]
    "amount": Order.__table__.c.amount,  # type: ignore[attr-defined]
}
_T = Order.__table__.c  # type: ignore[attr-defined]
# Beyond the last character a string can start with, so [prefix, prefix + _TOP) is a prefix range.
_TOP = "\U0010ffff"


@dataclass(frozen=True)
class OrderCriteria:
    """Store-level filter: UTC bounds, exact values; the service builds it from user input."""

    statuses: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    created_from_utc: datetime | None = None  # inclusive
    created_to_utc: datetime | None = None  # exclusive
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    text: str | None = None


@dataclass(frozen=True)
class Keyset:
    """Position of a row in the sort order: rows strictly after (or before) it are wanted."""

    value: Any
    id: int


def _prefix(column: Any, text: str, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        # LIKE 'x%' becomes an index range with the varchar_pattern_ops indexes (migration 0003).
        return column.startswith(text, autoescape=True)
    # SQLite's LIKE ignores case and so cannot use the plain (binary) index; a range can.
    return and_(column >= text, column < text + _TOP)


def _text_condition(text: str, dialect: str) -> ColumnElement[bool]:
    terms = [
        _prefix(_T.merchant_order_id, text, dialect),
        _prefix(_T.provider_order_id, text, dialect),
        _prefix(_T.transaction_id, text, dialect),
        _prefix(_T.customer_email, text.lower(), dialect),
    ]
    # isascii: '²' and '①' pass isdigit(); length: a 5,000-digit int() is refused by Python.
    if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) < 2**31:
        terms.append(_T.id == int(text))
    return or_(*terms)


def where_clause(criteria: OrderCriteria, dialect: str) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.statuses:
        conditions.append(_T.status.in_(criteria.statuses))
    if criteria.currencies:
        conditions.append(_T.currency.in_(criteria.currencies))
    if criteria.providers:
        conditions.append(_T.provider.in_(criteria.providers))
    if criteria.created_from_utc is not None:
        conditions.append(_T.created_at >= criteria.created_from_utc)
    if criteria.created_to_utc is not None:
        conditions.append(_T.created_at < criteria.created_to_utc)
    if criteria.amount_min is not None:
        conditions.append(_T.amount >= criteria.amount_min)
    if criteria.amount_max is not None:
        conditions.append(_T.amount <= criteria.amount_max)
    if criteria.text:
        conditions.append(_text_condition(criteria.text, dialect))
    return and_(true(), *conditions)


def _dialect(session: Session | Connection) -> str:
    return session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name


def page_rows(
    session: Session,
    criteria: OrderCriteria,
    *,
    sort: SortKey,
    descending: bool,
    after: Keyset | None = None,
    before: Keyset | None = None,
    limit: int,
    columns: Sequence[Any] | None = None,
) -> list[Row[Any]]:
    """Up to `limit` rows in display order, following `after` or preceding `before`."""
    sort_column = SORT_COLUMNS[sort]
    dialect = _dialect(session)
    if criteria.text and dialect == "sqlite":
        # With (created_at, id) indexed, SQLite would walk the whole table in sort order looking
        # for the one matching id (~1 s at 1M rows); unary + hides the sort index from the
        # planner, so it looks the text up in the id/e-mail indexes and sorts the few matches.
        sort_column = literal_column(f"+orders.{sort}", type_=sort_column.type)
    statement: Select[Any] = select(*(columns or _T))
    statement = statement.where(where_clause(criteria, dialect))
    # Walking backwards is walking forwards in the reversed order, then flipping the rows.
    backwards = before is not None
    forward_desc = descending != backwards
    anchor = before if backwards else after
    if anchor is not None:
        if forward_desc:
            statement = statement.where(
                sort_column <= anchor.value, or_(sort_column < anchor.value, _T.id < anchor.id)
            )
        else:
            statement = statement.where(
                sort_column >= anchor.value, or_(sort_column > anchor.value, _T.id > anchor.id)
            )
    if forward_desc:
        statement = statement.order_by(sort_column.desc(), _T.id.desc())
    else:
        statement = statement.order_by(sort_column.asc(), _T.id.asc())
    rows = list(session.execute(statement.limit(limit)))
    return rows[::-1] if backwards else rows


def count_rows(session: Session, criteria: OrderCriteria) -> int:
    statement = select(func.count()).select_from(Order).where(
        where_clause(criteria, _dialect(session))
    )
    return int(session.execute(statement).scalar_one())


def stream_rows(
    connection: Connection,
    criteria: OrderCriteria,
    columns: Sequence[Any],
    *,
    chunk: int = 10_000,
) -> Iterator[Sequence[Row[Any]]]:
    """Every matching row, oldest first, in chunks, through a server-side cursor on PostgreSQL.

    Memory stays at one chunk whatever the row count: psycopg streams with a named cursor and
    SQLite's cursor steps through the result as it is fetched.
    """
    statement = (
        select(*columns)
        .where(where_clause(criteria, connection.dialect.name))
        .order_by(_T.created_at.asc(), _T.id.asc())
    )
    result = connection.execution_options(stream_results=True, yield_per=chunk).execute(statement)
    yield from result.partitions(chunk)


MONEY_COLUMNS = frozenset({"amount", "refunded_amount", "fee"})
TIME_COLUMNS = frozenset({"created_at", "updated_at", "expires_at", "paid_at", "closed_at"})
_UTC_MICROS = pa.timestamp("us", tz="UTC")


def _raw_column(name: str, dialect: str) -> Any:
    column = _T[name]
    if name in MONEY_COLUMNS:
        # Whole 10**-8 units in an int64: exact, and the store never holds more (data.types).
        if dialect == "sqlite":
            return type_coerce(column, BigInteger()).label(name)
        factor = literal_column(str(10**MONEY_SCALE))
        scaled = type_coerce(column, Numeric(38, MONEY_SCALE)) * factor
        return cast(scaled, BigInteger()).label(name)
    if name in TIME_COLUMNS:
        raw_type = String() if dialect == "sqlite" else DateTime(timezone=True)
        return type_coerce(column, raw_type).label(name)
    return column


def stream_arrow(
    connection: Connection, criteria: OrderCriteria, names: Sequence[str], *, chunk: int = 50_000
) -> Iterator[dict[str, pa.Array]]:
    """Like stream_rows, as Arrow columns built from the driver's values with no per-value Python
    conversion: money as int64 counts of 10**-8, times as UTC microsecond timestamps."""
    dialect = connection.dialect.name
    statement = (
        select(*(_raw_column(n, dialect) for n in names))
        .where(where_clause(criteria, dialect))
        .order_by(_T.created_at.asc(), _T.id.asc())
    )
    result = connection.execution_options(stream_results=True, yield_per=chunk).execute(statement)
    for rows in result.partitions(chunk):
        columns = list(zip(*rows, strict=True))
        batch: dict[str, pa.Array] = {}
        for name, values in zip(names, columns, strict=True):
            if name in MONEY_COLUMNS:
                batch[name] = pa.array(values, pa.int64())
            elif name in TIME_COLUMNS and dialect == "sqlite":
                batch[name] = pa.array(values, pa.string()).cast(pa.timestamp("us")).cast(
                    _UTC_MICROS)
            elif name in TIME_COLUMNS:
                batch[name] = pa.array(values, _UTC_MICROS)
            else:
                batch[name] = pa.array(values)
        yield batch


def order_columns(names: Sequence[str]) -> list[Any]:
    return [_T[name] for name in names]


def find_order(session: Session, ref: str) -> Order | None:
    """By id, merchant_order_id or provider_order_id: the three ways staff refer to an order."""
    ref = ref.strip()
    conditions = [Order.merchant_order_id == ref, Order.provider_order_id == ref]
    if ref.isascii() and ref.isdigit() and len(ref) <= 10 and int(ref) < 2**31:
        conditions.append(Order.id == int(ref))
    return session.execute(select(Order).where(or_(*conditions)).limit(1)).scalars().first()


def refunds_for(session: Session, order_id: int) -> list[Refund]:
    statement = select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at)
    return list(session.execute(statement).scalars())


def webhooks_for(session: Session, ids: Sequence[str]) -> list[WebhookDelivery]:
    wanted = [i for i in ids if i]
    if not wanted:
        return []
    statement = (
        select(WebhookDelivery)
        .where(WebhookDelivery.provider_item_id.in_(wanted))  # type: ignore[union-attr]
        .order_by(WebhookDelivery.received_at)
    )
    return list(session.execute(statement).scalars())


def audit_for(
    session: Session, *, order_refs: Sequence[str], refund_refs: Sequence[str]
) -> list[AuditEntry]:
    conditions = [
        and_(
            AuditEntry.target_type.in_(("order", "payment_request")),  # type: ignore[union-attr]
            AuditEntry.target_id.in_([r for r in order_refs if r]),  # type: ignore[union-attr]
        )
    ]
    if refund_refs:
        conditions.append(
            and_(
                AuditEntry.target_type == "refund",
                AuditEntry.target_id.in_(list(refund_refs)),  # type: ignore[union-attr]
            )
        )
    statement = select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.at, AuditEntry.id)
    return list(session.execute(statement).scalars())


def distinct_values(session: Session, name: str, *, limit: int = 200) -> list[str]:
    """Distinct values of an indexed column by repeated index seeks (a "loose index scan"):
    a few milliseconds at any table size, where SELECT DISTINCT would read every row."""
    column = _T[name]
    values: list[str] = []
    current = session.execute(select(func.min(column))).scalar()
    while current is not None and len(values) < limit:
        values.append(current)
        current = session.execute(select(func.min(column)).where(column > current)).scalar()
    return values
