"""The Overview: KPIs for a date range against the previous period, daily volume, statuses.

Everything is aggregated in SQL into at most (days x currencies x statuses) rows; nothing loads
individual orders. Days are calendar days in the configured time zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from data.queries import day_totals
from data.queries.orders import (
    OPEN_STATUSES,
    PAID_STATUSES,
    REFUND_SETTLED,
    DailyOrderBucket,
    RefundTotal,
    daily_order_buckets,
    hourly_paid_buckets,
    successful_refund_totals,
)
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import InputError
from services.core.refusals import require


@dataclass(frozen=True)
class CurrencyKpis:
    currency: str
    gross: Decimal
    refunds: Decimal
    net: Decimal
    paid_orders: int
    refund_count: int
    previous_gross: Decimal
    previous_net: Decimal

    @property
    def gross_change(self) -> Decimal | None:
        return _relative_change(self.gross, self.previous_gross)


@dataclass(frozen=True)
class PeriodTotals:
    orders: int
    paid_orders: int
    closed_out_orders: int  # orders no longer open: paid, expired, canceled or failed

    @property
    def conversion(self) -> Decimal | None:
        if self.closed_out_orders == 0:
            return None
        return Decimal(self.paid_orders) / Decimal(self.closed_out_orders)


@dataclass(frozen=True)
class DailyVolume:
    day: date
    currency: str
    gross: Decimal
    paid_orders: int


@dataclass(frozen=True)
class HourlyVolume:
    hour: datetime  # local wall-clock start of the hour
    currency: str
    gross: Decimal
    paid_orders: int


@dataclass(frozen=True)
class Overview:
    start: date
    end: date
    previous_start: date
    previous_end: date
    timezone: str
    current: PeriodTotals
    previous: PeriodTotals
    currencies: list[CurrencyKpis]
    daily: list[DailyVolume]
    statuses: dict[str, int]
    # Only for a one-day period: its paid volume hour by hour, so 'Today' has a chart in hours.
    hourly: list[HourlyVolume] = field(default_factory=list)

    @property
    def paid_orders_change(self) -> Decimal | None:
        return _relative_change(Decimal(self.current.paid_orders), Decimal(self.previous.paid_orders))

    @property
    def conversion_change_points(self) -> Decimal | None:
        if self.current.conversion is None or self.previous.conversion is None:
            return None
        return (self.current.conversion - self.previous.conversion) * 100


def _relative_change(current: Decimal, previous: Decimal) -> Decimal | None:
    if previous == 0:
        return None
    return (current - previous) / previous


def utc_bounds(start: date, end: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the zone, as UTC-aware datetimes."""
    lower = datetime.combine(start, time.min, tzinfo=zone)
    upper = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return lower, upper


def previous_period(start: date, end: date) -> tuple[date, date]:
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def _totals(buckets: list[DailyOrderBucket]) -> PeriodTotals:
    orders = sum(b.orders for b in buckets)
    paid = sum(b.orders for b in buckets if b.status in PAID_STATUSES)
    open_ = sum(b.orders for b in buckets if b.status in OPEN_STATUSES)
    return PeriodTotals(orders=orders, paid_orders=paid, closed_out_orders=orders - open_)


def _gross_by_currency(buckets: list[DailyOrderBucket]) -> dict[str, tuple[Decimal, int]]:
    result: dict[str, tuple[Decimal, int]] = {}
    for b in buckets:
        if b.status in PAID_STATUSES:
            gross, count = result.get(b.currency, (Decimal(0), 0))
            result[b.currency] = (gross + b.amount, count + b.orders)
    return result


def get_overview(services: Services, actor: Actor, *, start: date, end: date) -> Overview:
    """KPIs for the local days start..end (inclusive) and for the same number of days before."""
    require(services, actor, "orders.view")
    if end < start:
        raise InputError("the end date is before the start date; pick an end on or after the start",
                         field="date range")
    zone = services.settings.zone
    previous_start, previous_end = previous_period(start, end)
    lower, upper = utc_bounds(start, end, zone)
    previous_lower, _ = utc_bounds(previous_start, previous_end, zone)

    with services.uow() as uow:
        if day_totals.recorded_zone(uow.session) == zone.key:
            # The day totals the store keeps: a few rows per day, whatever the number of orders.
            buckets = [DailyOrderBucket(*row)
                       for row in day_totals.order_totals(uow.session, previous_start, end)]
            refunds_now = [RefundTotal(*row) for row in day_totals.refund_totals(
                uow.session, start, end, REFUND_SETTLED)]
            refunds_before = [RefundTotal(*row) for row in day_totals.refund_totals(
                uow.session, previous_start, previous_end, REFUND_SETTLED)]
        else:
            # Totals kept for another zone (until `paydesk rollups rebuild`): sum the rows.
            buckets = daily_order_buckets(uow.session, start_utc=previous_lower, end_utc=upper,
                                          zone=zone)
            refunds_now = successful_refund_totals(uow.session, start_utc=lower, end_utc=upper)
            refunds_before = successful_refund_totals(uow.session, start_utc=previous_lower,
                                                      end_utc=lower)
        hourly = [] if start != end else [
            HourlyVolume(b.hour, b.currency, b.amount, b.orders)
            for b in hourly_paid_buckets(uow.session, start_utc=lower, end_utc=upper, zone=zone)
        ]

    current = [b for b in buckets if start <= b.day <= end]
    previous = [b for b in buckets if previous_start <= b.day <= previous_end]
    gross_now, gross_before = _gross_by_currency(current), _gross_by_currency(previous)
    refunded_now = {r.currency: r for r in refunds_now}
    refunded_before = {r.currency: r.amount for r in refunds_before}

    currencies = []
    for code in sorted(set(gross_now) | set(refunded_now) | set(gross_before)):
        gross, paid = gross_now.get(code, (Decimal(0), 0))
        refund = refunded_now.get(code)
        refund_amount = refund.amount if refund else Decimal(0)
        previous_gross = gross_before.get(code, (Decimal(0), 0))[0]
        currencies.append(
            CurrencyKpis(
                currency=code,
                gross=gross,
                refunds=refund_amount,
                net=gross - refund_amount,
                paid_orders=paid,
                refund_count=refund.refunds if refund else 0,
                previous_gross=previous_gross,
                previous_net=previous_gross - refunded_before.get(code, Decimal(0)),
            )
        )
    currencies.sort(key=lambda k: (-k.paid_orders, k.currency))

    daily_totals: dict[tuple[date, str], tuple[Decimal, int]] = defaultdict(lambda: (Decimal(0), 0))
    statuses: dict[str, int] = defaultdict(int)
    for b in current:
        statuses[b.status] += b.orders
        if b.status in PAID_STATUSES:
            gross, count = daily_totals[(b.day, b.currency)]
            daily_totals[(b.day, b.currency)] = (gross + b.amount, count + b.orders)
    daily = [
        DailyVolume(day=d, currency=c, gross=g, paid_orders=n)
        for (d, c), (g, n) in sorted(daily_totals.items())
    ]
    return Overview(
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        timezone=zone.key,
        current=_totals(current),
        previous=_totals(previous),
        currencies=currencies,
        daily=daily,
        statuses=dict(sorted(statuses.items(), key=lambda item: -item[1])),
        hourly=hourly,
    )


def default_range(services: Services, *, days: int = 30) -> tuple[date, date]:
    today = services.now().astimezone(services.settings.zone).date()
    return today - timedelta(days=days - 1), today
