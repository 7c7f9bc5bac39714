"""Overview figures equal a reference computed in Python from the same rows, on both databases."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from data.models import Order, Refund
from services.core.access import Actor
from services.entrypoints.bootstrap import Services, build_services
from services.orders.overview import get_overview
from tests.conftest import settings_for

STATUSES = ["PAID", "PAID", "PAID", "EXPIRED", "CANCELED", "REFUNDED", "FULL_REFUNDED", "PENDING"]
VIEWER = Actor(user_id=None, username="test", role="viewer")
PAID = {"PAID", "REFUNDED", "FULL_REFUNDED", "REFUNDING"}


@pytest.fixture
def berlin(store_url: str) -> Iterator[Services]:
    built = build_services(settings_for(store_url, PAYDESK_TIMEZONE="Europe/Berlin"))
    yield built
    built.engine.dispose()


def _random_orders(n: int, start: datetime, span: timedelta, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        currency = rng.choice(["USDT", "USDT", "BTC", "USDC"])
        places = 8 if currency == "BTC" else 2
        amount = Decimal(rng.randrange(1, 10**7)).scaleb(-places)
        created = start + timedelta(seconds=rng.randrange(int(span.total_seconds())))
        rows.append({
            "merchant_order_id": f"OV{seed}{i:08d}", "amount": amount, "currency": currency,
            "status": rng.choice(STATUSES), "product_name": "x", "provider": "binance_pay",
            "refunded_amount": Decimal(0), "created_at": created, "updated_at": created,
        })
    return rows


def test_daily_volume_and_kpis_match_python_across_a_dst_change(berlin: Services) -> None:
    zone = ZoneInfo("Europe/Berlin")
    # 2026-03-29 is the spring-forward day in Berlin: a 23-hour local day.
    rows = _random_orders(3000, datetime(2026, 3, 15, tzinfo=UTC), timedelta(days=30), seed=1)
    with berlin.uow() as uow:
        uow.session.execute(insert(Order), rows)
        uow.commit()

    start, end = date(2026, 3, 27), date(2026, 4, 2)
    overview = get_overview(berlin, VIEWER, start=start, end=end)

    expected_daily: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    expected_status: dict[str, int] = defaultdict(int)
    previous_paid = 0
    for row in rows:
        day = row["created_at"].astimezone(zone).date()  # type: ignore[union-attr]
        if start <= day <= end:
            expected_status[row["status"]] += 1  # type: ignore[index]
            if row["status"] in PAID:
                expected_daily[(day, row["currency"])] += row["amount"]  # type: ignore[index,operator]
        elif date(2026, 3, 20) <= day <= date(2026, 3, 26) and row["status"] in PAID:
            previous_paid += 1

    assert {(d.day, d.currency): d.gross for d in overview.daily} == dict(expected_daily)
    assert overview.statuses == dict(expected_status)
    assert overview.previous.paid_orders == previous_paid
    assert (overview.previous_start, overview.previous_end) == (date(2026, 3, 20), date(2026, 3, 26))
    assert overview.timezone == "Europe/Berlin"
    usdt = next(k for k in overview.currencies if k.currency == "USDT")
    assert usdt.gross == sum(v for (_, c), v in expected_daily.items() if c == "USDT")


def test_refunds_reduce_net_and_conversion_ignores_open_orders(berlin: Services) -> None:
    noon = datetime(2026, 5, 10, 10, 0, tzinfo=UTC)
    rows = [
        {"merchant_order_id": f"C{i}", "amount": Decimal("100.00"), "currency": "USDT",
         "status": status, "product_name": "x", "provider": "binance_pay",
         "refunded_amount": Decimal(0), "created_at": noon, "updated_at": noon}
        for i, status in enumerate(["PAID", "PAID", "REFUNDED", "EXPIRED", "PENDING"])
    ]
    with berlin.uow() as uow:
        uow.session.execute(insert(Order), rows)
        order_id = uow.session.execute(
            Order.__table__.select().where(Order.merchant_order_id == "C2")  # type: ignore[attr-defined]
        ).first().id
        uow.session.execute(insert(Refund), [{
            "order_id": order_id, "refund_request_id": "R1", "amount": Decimal("30.50"),
            "currency": "USDT", "reason": "REQUESTED_BY_CUSTOMER", "status": "SUCCESS",
            "created_at": noon + timedelta(hours=1), "updated_at": noon,
        }])
        uow.commit()
    overview = get_overview(berlin, VIEWER, start=date(2026, 5, 10), end=date(2026, 5, 10))
    usdt = overview.currencies[0]
    assert (usdt.gross, usdt.refunds, usdt.net) == (Decimal("300.00"), Decimal("30.50"), Decimal("269.50"))
    assert overview.current.paid_orders == 3
    assert overview.current.conversion == Decimal(3) / Decimal(4)
    assert usdt.gross_change is None  # nothing the day before


def test_an_end_before_the_start_is_refused_with_a_fix(berlin: Services) -> None:
    from services.core.errors import InputError

    with pytest.raises(InputError, match="pick an end on or after the start"):
        get_overview(berlin, VIEWER, start=date(2026, 5, 10), end=date(2026, 5, 9))


def test_a_local_day_lived_twice_at_midnight_is_counted_whole(store_url: str) -> None:
    # Santiago ends DST at 24:00 on 4 April 2026: 23:00-24:00 on the 4th happens twice, the
    # second time after the 5th had already begun once.
    zone = ZoneInfo("America/Santiago")
    santiago = build_services(settings_for(store_url, PAYDESK_TIMEZONE="America/Santiago"))
    try:
        first = datetime(2026, 4, 4, 20, tzinfo=UTC)
        rows = _random_orders(2000, first, timedelta(hours=16), seed=2)
        with santiago.uow() as uow:
            uow.session.execute(insert(Order), rows)
            uow.commit()
        overview = get_overview(santiago, VIEWER, start=date(2026, 4, 4), end=date(2026, 4, 5))
    finally:
        santiago.engine.dispose()

    expected: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        if row["status"] in PAID:
            day = row["created_at"].astimezone(zone).date()  # type: ignore[union-attr]
            expected[(day, row["currency"])] += row["amount"]  # type: ignore[index,operator]
    assert {day for day, _ in expected} == {date(2026, 4, 4), date(2026, 4, 5)}
    assert {(d.day, d.currency): d.gross for d in overview.daily} == dict(expected)
    assert sum(overview.statuses.values()) == len(rows)


def test_a_single_day_comes_hour_by_hour_in_local_time(berlin: Services) -> None:
    zone = ZoneInfo("Europe/Berlin")
    # The spring-forward day: 23 local hours, 02:00 never happens.
    day = date(2026, 3, 29)
    start = datetime(2026, 3, 28, 22, tzinfo=UTC)  # local midnight
    rows = _random_orders(800, start - timedelta(hours=2), timedelta(hours=27), seed=3)
    with berlin.uow() as uow:
        uow.session.execute(insert(Order), rows)
        uow.commit()

    overview = get_overview(berlin, VIEWER, start=day, end=day)

    expected: dict[tuple[datetime, str], tuple[Decimal, int]] = {}
    for row in rows:
        local = row["created_at"].astimezone(zone)  # type: ignore[union-attr]
        if local.date() != day or row["status"] not in PAID:
            continue
        key = (local.replace(minute=0, second=0, microsecond=0, tzinfo=None), str(row["currency"]))
        gross, count = expected.get(key, (Decimal(0), 0))
        expected[key] = (gross + row["amount"], count + 1)  # type: ignore[operator]
    got = {(h.hour, h.currency): (h.gross, h.paid_orders) for h in overview.hourly}
    assert got == expected
    assert {h.hour.hour for h in overview.hourly} <= set(range(24)) - {2}
    # A longer period has no hourly breakdown to compute.
    assert get_overview(berlin, VIEWER, start=day, end=date(2026, 3, 30)).hourly == []
