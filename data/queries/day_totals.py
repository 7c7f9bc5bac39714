"""Order and refund totals per local day (migration 0010): read, rebuilt and checked here.

Database triggers keep `order_day_totals` and `refund_day_totals` in the same transaction as
every write to orders and refunds, per local day of the zone recorded in app_meta 'rollup_zone'.
Reading them costs (days x currencies x statuses) rows whatever the number of orders. They hold
the figures only for that zone: a store whose zone is another must be rebuilt (`paydesk rollups
rebuild`), and until then its readers use the direct query over the orders.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, func, insert, literal, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from data.models import AppMeta, Order, OrderDayTotal, Refund, RefundDayTotal, RollupZoneOffset
from data.queries.local_day import local_day, offset_segments

ZONE_KEY = "rollup_zone"
DEFAULT_ZONE = "UTC"  # what the triggers use when no zone is recorded
# The SQLite offsets cover orders stamped up to this moment; later ones take its last offset.
_OFFSETS_UNTIL = datetime(2100, 1, 1, tzinfo=UTC)
_OFFSETS_FROM = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)


class DayTotal(NamedTuple):
    day: date
    key: tuple[str, ...]  # (provider, currency, status) for orders, (currency, status) for refunds
    count: int
    amount: Decimal


def recorded_zone(session: Session | Connection) -> str:
    value = session.execute(select(AppMeta.value).where(AppMeta.key == ZONE_KEY)).scalar()
    return str(value) if value else DEFAULT_ZONE


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def order_totals(
    session: Session, start: date, end: date
) -> list[tuple[date, str, str, int, Decimal]]:
    """(day, currency, status, orders, amount) for the local days start..end, all providers."""
    t = OrderDayTotal
    statement = (
        select(t.day, t.currency, t.status, func.sum(t.orders), func.sum(t.amount))
        .where(t.day >= start, t.day <= end)
        .group_by(t.day, t.currency, t.status)
        .having(func.sum(t.orders) > 0)
        .order_by(t.day)
    )
    return [(_as_date(d), c, s, int(n), a or Decimal(0))
            for d, c, s, n, a in session.execute(statement)]


def count_orders(
    session: Session, *, start: date | None, end: date | None, statuses: Sequence[str],
    currencies: Sequence[str], providers: Sequence[str],
) -> int:
    """Orders created on the local days start..end (open ends: all) with those values (empty:
    any), from the totals: the "N orders match" of whole-day filters without reading orders."""
    t = OrderDayTotal
    statement = select(func.coalesce(func.sum(t.orders), 0))
    if start is not None:
        statement = statement.where(t.day >= start)
    if end is not None:
        statement = statement.where(t.day <= end)
    for column, values in ((t.status, statuses), (t.currency, currencies),
                           (t.provider, providers)):
        if values:
            statement = statement.where(column.in_(values))  # type: ignore[attr-defined]
    return int(session.execute(statement).scalar_one())


def refund_totals(
    session: Session, start: date, end: date, status: str
) -> list[tuple[str, int, Decimal]]:
    """(currency, refunds, amount) of refunds in `status` created on the local days start..end."""
    t = RefundDayTotal
    statement = (
        select(t.currency, func.sum(t.refunds), func.sum(t.amount))
        .where(t.day >= start, t.day <= end, t.status == status)
        .group_by(t.currency)
        .having(func.sum(t.refunds) > 0)
    )
    return [(c, int(n), a or Decimal(0)) for c, n, a in session.execute(statement)]


def _sources() -> list[tuple[Table, Table, tuple[str, ...], str]]:
    return [
        (Order.__table__, OrderDayTotal.__table__, ("provider", "currency", "status"), "orders"),  # type: ignore[attr-defined]
        (Refund.__table__, RefundDayTotal.__table__, ("currency", "status"), "refunds"),  # type: ignore[attr-defined]
    ]


def _direct(connection: Connection, source: Table, keys: tuple[str, ...], zone: ZoneInfo):  # type: ignore[no-untyped-def]
    """SELECT day, keys..., count, amount straight from the source rows, per local day."""
    low, high = connection.execute(
        select(func.min(source.c.created_at), func.max(source.c.created_at))).one()
    low = _aware(low) if low else datetime.now(UTC)
    high = _aware(high) if high else low
    day = local_day(source.c.created_at, dialect=connection.dialect, zone=zone,
                    start_utc=low, end_utc=high + timedelta(days=1))
    columns = [source.c[k] for k in keys]
    return (
        select(day.label("day"), *columns, func.count().label("n"),
               func.coalesce(func.sum(source.c.amount), literal(0)).label("amount"))
        .group_by(day, *columns)
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rebuild(connection: Connection, zone: ZoneInfo) -> dict[str, int]:
    """Record `zone` and recompute every day total for it, in the caller's transaction.
    Returns the rows written per totals table."""
    _record_zone(connection, zone)
    return refill(connection, zone)


def refill(connection: Connection, zone: ZoneInfo) -> dict[str, int]:
    """Recompute every day total for `zone` (the recorded one) from the rows, in one statement
    per table: what bulk loads do after loading with the triggers off."""
    written: dict[str, int] = {}
    for source, totals, keys, count in _sources():
        connection.execute(delete(totals))
        direct = _direct(connection, source, keys, zone).subquery()
        connection.execute(
            insert(totals).from_select(["day", *keys, count, "amount"], select(direct))
        )
        written[totals.name] = int(
            connection.execute(select(func.count()).select_from(totals)).scalar_one())
    return written


@lru_cache(maxsize=8)
def _zone_offsets(zone: ZoneInfo) -> tuple[tuple[datetime, int], ...]:
    return tuple(offset_segments(zone, _OFFSETS_FROM, _OFFSETS_UNTIL))


def _record_zone(connection: Connection, zone: ZoneInfo) -> None:
    now = datetime.now(UTC)
    connection.execute(delete(AppMeta).where(AppMeta.key == ZONE_KEY))
    connection.execute(insert(AppMeta).values(key=ZONE_KEY, value=zone.key, updated_at=now))
    connection.execute(delete(RollupZoneOffset))
    if connection.dialect.name != "sqlite":
        return
    rows = [{"starts_at": start, "offset_minutes": offset} for start, offset in _zone_offsets(zone)]
    rows[0]["starts_at"] = _EARLIEST  # anything before 1970 takes the 1970 offset
    connection.execute(insert(RollupZoneOffset), rows)


def differences(connection: Connection, zone: ZoneInfo) -> list[str]:
    """Where the stored totals differ from the rows they sum (empty when they agree), as text."""
    problems: list[str] = []
    recorded = recorded_zone(connection)
    if recorded != zone.key:
        problems.append(f"the totals are per day in {recorded}, the store's zone is {zone.key}")
        return problems
    for source, totals, keys, count in _sources():
        expected = {
            (_as_date(row[0]), *row[1:-2]): (int(row[-2]), row[-1])
            for row in connection.execute(_direct(connection, source, keys, zone))
        }
        stored = {}
        for row in connection.execute(select(totals)):
            mapping = row._mapping
            if int(mapping[count]) == 0 and Decimal(mapping["amount"]) == 0:
                continue
            key = (_as_date(mapping["day"]), *(mapping[k] for k in keys))
            stored[key] = (int(mapping[count]), Decimal(mapping["amount"]))
        for key in sorted(set(expected) | set(stored), key=str):
            want, have = expected.get(key, (0, Decimal(0))), stored.get(key, (0, Decimal(0)))
            if want != have:
                problems.append(f"{source.name} {key[0]} {'/'.join(map(str, key[1:]))}: stored "
                                f"{have[0]} {source.name} for {have[1]}, the rows give {want[0]} "
                                f"for {want[1]}")
    return problems


@contextmanager
def triggers_deferred(connection: Connection, table: Table) -> Iterator[None]:
    """For bulk loads: the day-total triggers of `table` are off during the load (no per-row
    work), and the caller rebuilds the totals in bulk afterwards, in the same transaction."""
    from data.bulk import ensure_transaction  # numpy: only bulk loads need it

    ensure_transaction(connection)  # so that a rollback brings the triggers back
    if connection.dialect.name == "postgresql":
        names = [r[0] for r in connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %(t)s::regclass AND NOT tgisinternal "
            "AND tgname LIKE %(p)s", {"t": table.name, "p": "%day_totals%"})]
        for name in names:
            connection.exec_driver_sql(f'ALTER TABLE {table.name} DISABLE TRIGGER "{name}"')
        yield
        for name in names:
            connection.exec_driver_sql(f'ALTER TABLE {table.name} ENABLE TRIGGER "{name}"')
        return
    definitions = [(str(n), str(sql)) for n, sql in connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
        "AND name LIKE '%day_totals%'", (table.name,))]
    for name, _ in definitions:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _, sql in definitions:
        connection.exec_driver_sql(sql)
