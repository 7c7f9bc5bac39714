"""Read queries over orders and refunds. They never commit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from data.models import Order, Refund
from data.queries.local_day import local_day, local_day_ranges

# Statuses under which an order's money was received (later refunds do not undo the payment).
PAID_STATUSES: tuple[str, ...] = ("PAID", "REFUNDING", "REFUNDED", "FULL_REFUNDED")
OPEN_STATUSES: tuple[str, ...] = ("INITIAL", "PENDING")
REFUND_SETTLED = "SUCCESS"


class DailyOrderBucket(NamedTuple):
    day: date
    currency: str
    status: str
    orders: int
    amount: Decimal


class RefundTotal(NamedTuple):
    currency: str
    refunds: int
    amount: Decimal


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def daily_order_buckets(
    session: Session, *, start_utc: datetime, end_utc: datetime, zone: ZoneInfo
) -> list[DailyOrderBucket]:
    """Orders created in [start_utc, end_utc), counted and summed per local day, currency, status."""
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        return _daily_buckets_day_by_day(session, start_utc=start_utc, end_utc=end_utc, zone=zone)
    day = local_day(
        Order.created_at,  # type: ignore[arg-type]
        dialect=dialect,
        zone=zone,
        start_utc=start_utc,
        end_utc=end_utc,
    ).label("day")
    statement = (
        select(day, Order.currency, Order.status, func.count(), func.sum(Order.amount))
        .where(Order.created_at >= start_utc, Order.created_at < end_utc)
        .group_by(day, Order.currency, Order.status)
        .order_by(day)
    )
    return [
        DailyOrderBucket(_as_date(d), currency, status, int(count), total or Decimal(0))
        for d, currency, status, count, total in session.execute(statement)
    ]


def _daily_buckets_day_by_day(
    session: Session, *, start_utc: datetime, end_utc: datetime, zone: ZoneInfo
) -> list[DailyOrderBucket]:
    """SQLite groups by sorting every row; one year at 1M orders spills that sort to disk. One
    query per local day (a UTC range on the covering index) sorts only that day's rows, which is
    over twice as fast, and needs no date arithmetic per row."""
    statement = (
        select(Order.currency, Order.status, func.count(), func.sum(Order.amount))
        .where(
            Order.created_at >= bindparam("lower", type_=Order.created_at.type),  # type: ignore[attr-defined]
            Order.created_at < bindparam("upper", type_=Order.created_at.type),  # type: ignore[attr-defined]
        )
        .group_by(Order.currency, Order.status)
    )
    totals: dict[tuple[date, str, str], tuple[int, Decimal]] = {}
    for day, lower, upper in local_day_ranges(zone, start_utc, end_utc):
        for currency, status, count, total in session.execute(
            statement, {"lower": lower, "upper": upper}
        ):
            # A day can span two ranges (clocks going back across midnight): add them up.
            orders, amount = totals.get((day, currency, status), (0, Decimal(0)))
            totals[(day, currency, status)] = (orders + int(count), amount + (total or Decimal(0)))
    return [
        DailyOrderBucket(day, currency, status, orders, amount)
        for (day, currency, status), (orders, amount) in sorted(totals.items())
    ]


class HourlyPaidBucket(NamedTuple):
    hour: datetime  # the hour's start, local wall-clock time in the zone asked for
    currency: str
    orders: int
    amount: Decimal


def hourly_paid_buckets(
    session: Session, *, start_utc: datetime, end_utc: datetime, zone: ZoneInfo
) -> list[HourlyPaidBucket]:
    """Paid orders created in [start_utc, end_utc), per hour and currency: meant for one day.

    One query per elapsed hour on the created_at index (at most 25 on a day the clocks go back),
    the same on SQLite and PostgreSQL; each hour is labelled with its local start time.
    """
    statement = (
        select(Order.currency, func.count(), func.sum(Order.amount))
        .where(
            Order.created_at >= bindparam("lower", type_=Order.created_at.type),  # type: ignore[attr-defined]
            Order.created_at < bindparam("upper", type_=Order.created_at.type),  # type: ignore[attr-defined]
            Order.status.in_(PAID_STATUSES),  # type: ignore[attr-defined]
        )
        .group_by(Order.currency)
    )
    buckets = []
    lower = start_utc.astimezone(UTC)
    while lower < end_utc:
        upper = min(lower + timedelta(hours=1), end_utc)
        hour = lower.astimezone(zone).replace(tzinfo=None)
        for currency, count, total in session.execute(statement, {"lower": lower, "upper": upper}):
            buckets.append(HourlyPaidBucket(hour, currency, int(count), total or Decimal(0)))
        lower = upper
    return buckets


def successful_refund_totals(
    session: Session, *, start_utc: datetime, end_utc: datetime
) -> list[RefundTotal]:
    statement = (
        select(Refund.currency, func.count(), func.sum(Refund.amount))
        .where(
            Refund.status == REFUND_SETTLED,
            Refund.created_at >= start_utc,
            Refund.created_at < end_utc,
        )
        .group_by(Refund.currency)
    )
    return [
        RefundTotal(currency, int(count), total or Decimal(0))
        for currency, count, total in session.execute(statement)
    ]
