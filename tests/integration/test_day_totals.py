"""The Overview's day totals equal the direct query over the orders, whatever is written.

Random orders and refunds around daylight-saving changes are inserted, updated and deleted the
way services do it (ORM sessions and bulk UPDATE statements); the triggers must keep the totals
exact for whole-hour, half-hour and 45-minute zones, for every provider, on both stores.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from data.models import Order, OrderDayTotal, Refund
from data.queries import day_totals
from data.queries.order_search import count_rows
from services.orders import overview
from services.orders import rollups
from services.core.access import Actor
from services.entrypoints.bootstrap import Services, build_services
from services.demo.data import seed_demo_data
from services.orders.book import OrderFilters, count_orders
from tests.conftest import settings_for

ADMIN = Actor(user_id=None, username="rollup-test", role="admin")
VIEWER = Actor(user_id=None, username="rollup-test", role="viewer")
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
         "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns")
# Days on which one of those zones changes its clocks (2026), and an ordinary one.
ANCHORS = (datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC),
           datetime(2026, 4, 4, 14, tzinfo=UTC), datetime(2026, 9, 26, 14, tzinfo=UTC),
           datetime(2026, 10, 25, 1, tzinfo=UTC), datetime(2026, 6, 15, 12, tzinfo=UTC))
PROVIDERS = ("binance_pay", "juicyway", "monetix")
CURRENCIES = ("USDT", "BTC", "EUR")
STATUSES = ("INITIAL", "PAID", "EXPIRED", "REFUNDED")

order_rows = st.lists(
    st.tuples(
        st.integers(min_value=-1, max_value=1),  # local day next to the anchor's
        # Minutes from that day's local midnight: mostly close to it, where a wrong offset shows.
        st.one_of(st.integers(min_value=-90, max_value=90),
                  st.integers(min_value=-24 * 60, max_value=24 * 60)),
        st.sampled_from(PROVIDERS), st.sampled_from(CURRENCIES), st.sampled_from(STATUSES),
        st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("99999.99999999"),
                    places=8, allow_nan=False, allow_infinity=False),
    ),
    min_size=1, max_size=25,
)


def _clear(services: Services) -> None:
    with services.uow() as uow:
        uow.session.execute(delete(Refund))
        uow.session.execute(delete(Order))
        uow.commit()


def _write(services: Services, anchor: datetime, rows, changes) -> None:  # type: ignore[no-untyped-def]
    zone = services.settings.zone
    with services.uow() as uow:
        orders = []
        for day, minutes, provider, currency, status, amount in rows:
            midnight = datetime.combine(anchor.astimezone(zone).date() + timedelta(days=day),
                                        time.min, tzinfo=zone).astimezone(UTC)
            order = Order(merchant_order_id=uuid.uuid4().hex[:32], provider=provider,
                          amount=amount, currency=currency, status=status,
                          created_at=midnight + timedelta(minutes=minutes))
            uow.session.add(order)
            orders.append(order)
        uow.session.flush()
        for i, order in enumerate(orders):
            if order.status in ("PAID", "REFUNDED"):
                half = (order.amount / 2).quantize(Decimal("1E-8"), ROUND_DOWN)
                uow.session.add(Refund(
                    order_id=order.id, refund_request_id=uuid.uuid4().hex, currency=order.currency,
                    amount=half, reason="OTHER", status="SUCCESS" if i % 3 else "FAIL",
                    created_at=order.created_at + timedelta(minutes=13 * i)))
        uow.commit()
    with services.uow() as uow:
        ids = [o.id for o in orders]
        # Later writes: a status change through the ORM, moves in time and bulk statements.
        for index, (status, shift, drop) in zip(ids, changes, strict=False):
            order = uow.session.get(Order, index)
            assert order is not None
            if drop:
                uow.session.execute(delete(Refund).where(Refund.order_id == index))
                uow.session.delete(order)
                continue
            order.status = status
            order.created_at = order.created_at + timedelta(minutes=shift)
        uow.session.flush()
        uow.session.execute(update(Order).where(Order.currency == "EUR", Order.status == "INITIAL")
                            .values(status="EXPIRED"))
        uow.session.execute(update(Refund).where(Refund.status == "FAIL").values(status="SUCCESS"))
        uow.commit()


changes = st.lists(st.tuples(st.sampled_from(STATUSES),
                             st.integers(min_value=-600, max_value=600), st.booleans()),
                   max_size=10)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(zone=st.sampled_from(ZONES), anchor=st.sampled_from(ANCHORS), rows=order_rows,
       later=changes)
def test_day_totals_equal_the_direct_query(store_url: str, zone: str, anchor: datetime,
                                           rows, later) -> None:  # type: ignore[no-untyped-def]
    services = build_services(settings_for(store_url, PAYDESK_TIMEZONE=zone))
    try:
        _clear(services)
        rollups.rebuild(services, ADMIN)
        _write(services, anchor, rows, later)

        result = rollups.check(services, VIEWER)
        assert result.ok, result.problems
        local = anchor.astimezone(ZoneInfo(zone)).date()
        start, end = local - timedelta(days=1), local + timedelta(days=2)
        kept = overview.get_overview(services, VIEWER, start=start, end=end)
        direct = _direct_overview(services, start, end)
        assert kept == direct
    finally:
        services.engine.dispose()


def _direct_overview(services: Services, start: date, end: date) -> overview.Overview:
    original = day_totals.recorded_zone
    day_totals.recorded_zone = lambda _session: "not-this-zone"  # type: ignore[assignment]
    try:
        return overview.get_overview(services, VIEWER, start=start, end=end)
    finally:
        day_totals.recorded_zone = original  # type: ignore[assignment]


def test_seed_fills_the_totals_and_a_zone_change_rebuilds_them(store_url: str) -> None:
    services = build_services(settings_for(store_url, PAYDESK_TIMEZONE="Asia/Kathmandu"))
    try:
        seed_demo_data(services, orders=600, days=20, seed=3, end=date(2026, 3, 31))
        # The seed loads with the triggers off and sums the totals once, for the store's zone.
        assert rollups.check(services, VIEWER).ok
        assert rollups.follow_zone(services) is False
        moved = build_services(settings_for(store_url, PAYDESK_TIMEZONE="Pacific/Chatham"))
        try:
            assert rollups.check(moved, VIEWER).problems == [
                "the totals are per day in Asia/Kathmandu, the store's zone is Pacific/Chatham"]
            assert rollups.follow_zone(moved) is True
            assert rollups.check(moved, VIEWER).ok
        finally:
            moved.engine.dispose()
        with services.uow() as uow:
            uow.session.execute(update(Order).values(status="EXPIRED"))
            uow.commit()
        assert rollups.follow_zone(services) is True  # back to Kathmandu
        assert rollups.check(services, VIEWER).ok
    finally:
        services.engine.dispose()


def test_check_reports_a_total_that_no_longer_matches(sqlite_url: str) -> None:
    services = build_services(settings_for(sqlite_url))
    try:
        seed_demo_data(services, orders=200, days=5, seed=1, end=date(2026, 1, 10))
        with services.uow() as uow:
            uow.session.execute(update(OrderDayTotal).values(orders=0))
            uow.commit()
        problems = rollups.check(services, VIEWER).problems
        assert problems and all(p.startswith("orders 2026-01-") for p in problems)
        rollups.rebuild(services, ADMIN)
        assert rollups.check(services, VIEWER).ok
    finally:
        services.engine.dispose()


@pytest.mark.parametrize("zone", ["Asia/Kathmandu"])
def test_overview_uses_the_totals_only_for_their_zone(sqlite_url: str, zone: str) -> None:
    seeded = build_services(settings_for(sqlite_url))
    seed_demo_data(seeded, orders=300, days=10, seed=2, end=date(2026, 5, 10))
    seeded.engine.dispose()
    services = build_services(settings_for(sqlite_url, PAYDESK_TIMEZONE=zone))
    try:
        # Kept per UTC day, the store shows Kathmandu days: the Overview sums the orders instead.
        first = overview.get_overview(services, VIEWER, start=date(2026, 5, 1),
                                      end=date(2026, 5, 10))
        rollups.rebuild(services, ADMIN)
        assert overview.get_overview(services, VIEWER, start=date(2026, 5, 1),
                                     end=date(2026, 5, 10)) == first
    finally:
        services.engine.dispose()


def test_order_counts_from_the_totals_equal_the_rows(store_url: str) -> None:
    services = build_services(settings_for(store_url, PAYDESK_TIMEZONE="America/St_Johns"))
    try:
        rollups.rebuild(services, ADMIN)
        seed_demo_data(services, orders=500, days=30, seed=4, end=date(2026, 3, 20))
        cases = [
            OrderFilters(),
            OrderFilters(statuses=("PAID", "EXPIRED"), date_from=date(2026, 3, 8)),
            OrderFilters(currencies=("USDT",), date_from=date(2026, 3, 1),
                         date_to=date(2026, 3, 8), providers=("binance_pay",)),
            OrderFilters(date_to=date(2026, 3, 5), time_from=time.min),
        ]
        for filters in cases:
            with services.uow() as uow:
                rows = count_rows(uow.session, filters.criteria(services.settings.zone))
            assert count_orders(services, VIEWER, filters=filters) == rows, filters
        with services.uow() as uow:
            # Breaking the totals shows that these counts come from them.
            uow.session.execute(update(OrderDayTotal).values(orders=0))
            uow.commit()
        assert count_orders(services, VIEWER, filters=OrderFilters()) == 0
    finally:
        services.engine.dispose()
