"""Order search equals a reference computed in Python from the same rows, on both databases."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from data.models import AuditEntry, Order, Refund, WebhookDelivery
from services.core.access import Actor
from services.entrypoints.bootstrap import Services, build_services
from services.core.errors import InputError, NotFoundError, PermissionDeniedError
from services.orders.book import (
    OrderFilters,
    count_orders,
    filter_choices,
    get_order_detail,
    search_orders,
)
from tests.conftest import settings_for

VIEWER = Actor(user_id=None, username="vera", role="viewer")
ZONE = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 20, tzinfo=UTC)  # spans the Berlin spring-forward day (2026-03-29)
STATUSES = ["PAID", "PAID", "PAID", "EXPIRED", "CANCELED", "REFUNDED", "PENDING", "ERROR"]
CURRENCIES = ["USDT", "USDT", "BTC", "USDC", "EUR"]


@pytest.fixture
def berlin(store_url: str) -> Services:
    built = build_services(settings_for(store_url, PAYDESK_TIMEZONE="Europe/Berlin"))
    yield built
    built.engine.dispose()


def make_orders(n: int, seed: int, *, start: datetime = START, prefix: str = "MT") -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        currency = rng.choice(CURRENCIES)
        places = 8 if currency == "BTC" else 2
        created = start + timedelta(seconds=rng.randrange(20 * 86400))
        # Ties on created_at and on amount make sure paging breaks them by id.
        if i % 7 == 0 and rows:
            created = rows[-1]["created_at"]
        amount = Decimal(rng.randrange(1, 10**6)).scaleb(-places) if i % 5 else Decimal("10.00")
        rows.append({
            "merchant_order_id": f"{prefix}{seed}{i:06d}",
            "provider_order_id": f"PP{prefix[2:]}{seed}{i:06d}" if i % 3 else None,
            "transaction_id": f"TX{prefix[2:]}{seed}{i:06d}" if i % 4 == 0 else None,
            "customer_email": f"cust{i % 23}@example.com",
            "provider": "monetix" if i % 9 == 0 else "binance_pay",
            "amount": amount, "currency": currency, "status": rng.choice(STATUSES),
            "product_name": "=HYPERLINK(\"x\")" if i % 11 == 0 else "Plan",
            "refunded_amount": Decimal(0), "created_at": created, "updated_at": created,
        })
    return rows


def insert_orders(services: Services, rows: list[dict]) -> None:
    with services.uow() as uow:
        uow.session.execute(insert(Order), rows)
        uow.commit()


def reference(rows: list[dict], f: OrderFilters) -> set[str]:
    lower, upper = f.utc_bounds(ZONE)
    text = (f.text or "").strip()
    out = set()
    for r in rows:
        if f.statuses and r["status"] not in f.statuses:
            continue
        if f.currencies and r["currency"] not in f.currencies:
            continue
        if f.providers and r["provider"] not in f.providers:
            continue
        if lower and r["created_at"] < lower or upper and r["created_at"] >= upper:
            continue
        if f.amount_min is not None and r["amount"] < f.amount_min:
            continue
        if f.amount_max is not None and r["amount"] > f.amount_max:
            continue
        if text and not any((r[k] or "").startswith(v) for k, v in (
            ("merchant_order_id", text), ("provider_order_id", text), ("transaction_id", text),
            ("customer_email", text.lower()),
        )):
            continue
        out.add(r["merchant_order_id"])
    return out


def all_pages(services: Services, f: OrderFilters, sort: str, size: int) -> list[str]:
    seen, token = [], None
    while True:
        page = search_orders(services, VIEWER, filters=f, sort=sort, page_after=token,
                             page_size=size)
        seen.extend(r.merchant_order_id for r in page.rows)
        if page.next_token is None:
            return seen
        token = page.next_token


FILTERS = [
    OrderFilters(),
    OrderFilters(statuses=("PAID",)),
    OrderFilters(statuses=("PAID", "REFUNDED"), currencies=("USDT",)),
    OrderFilters(currencies=("BTC",), amount_min=Decimal("0.001"), amount_max=Decimal("0.005")),
    OrderFilters(providers=("monetix",)),
    OrderFilters(date_from=date(2026, 3, 29), date_to=date(2026, 3, 29)),
    OrderFilters(date_from=date(2026, 3, 28), time_from=time(22, 30), date_to=date(2026, 3, 30),
                 time_to=time(1, 15), statuses=("PAID", "EXPIRED")),
    OrderFilters(amount_min=Decimal("10.00"), amount_max=Decimal("10.00")),
    OrderFilters(text="MT1000"),
    OrderFilters(text="  PP10001 "),
    OrderFilters(text="TX1000"),
    OrderFilters(text="CUST1@"),
    OrderFilters(text="nothing-like-this"),
    OrderFilters(text="50%_"),
]


SORT_CASES = [("newest", "created_at", True), ("oldest", "created_at", False),
              ("amount_desc", "amount", True), ("amount_asc", "amount", False)]


def test_filters_match_python_reference_in_every_sort(berlin: Services) -> None:
    rows = make_orders(700, seed=1)
    insert_orders(berlin, rows)
    by_no = {r["merchant_order_id"]: r for r in rows}
    for f in FILTERS:
        expected = reference(rows, f)
        assert count_orders(berlin, VIEWER, filters=f) == len(expected), f
        for sort, key, reverse in SORT_CASES:
            got = all_pages(berlin, f, sort, size=37)
            assert len(got) == len(set(got)), (f, sort)
            assert set(got) == expected, (f, sort)
            values = [by_no[n][key] for n in got]
            assert values == sorted(values, reverse=reverse), (f, sort)


def test_paging_back_and_forth_returns_the_same_pages(berlin: Services) -> None:
    insert_orders(berlin, make_orders(130, seed=2))
    f = OrderFilters(statuses=("PAID", "EXPIRED", "CANCELED"))
    first = search_orders(berlin, VIEWER, filters=f, page_size=20)
    assert first.previous_token is None and first.next_token
    second = search_orders(berlin, VIEWER, filters=f, page_after=first.next_token, page_size=20)
    third = search_orders(berlin, VIEWER, filters=f, page_after=second.next_token, page_size=20)
    back = search_orders(berlin, VIEWER, filters=f, page_before=third.previous_token, page_size=20)
    assert [r.id for r in back.rows] == [r.id for r in second.rows]
    home = search_orders(berlin, VIEWER, filters=f, page_before=back.previous_token, page_size=20)
    assert [r.id for r in home.rows] == [r.id for r in first.rows]
    assert home.previous_token is None and home.next_token


def test_paging_neither_skips_nor_repeats_while_orders_arrive(berlin: Services) -> None:
    rows = make_orders(300, seed=3)
    insert_orders(berlin, rows)
    original = {r["merchant_order_id"] for r in rows}
    for sort in ("newest", "oldest", "amount_desc"):
        seen: list[str] = []
        token, batch = None, 0
        while True:
            page = search_orders(berlin, VIEWER, filters=OrderFilters(), sort=sort,
                                 page_after=token, page_size=25)
            seen.extend(r.merchant_order_id for r in page.rows)
            # New orders land everywhere in the sort order (now, and back-dated imports).
            batch += 1
            insert_orders(berlin, make_orders(
                5, seed=1000 + batch, prefix=f"NEW{sort[:2]}{batch}x",
                start=START + timedelta(days=batch % 20)))
            if page.next_token is None:
                break
            token = page.next_token
        assert len(seen) == len(set(seen)), sort
        assert original <= set(seen), sort


def test_dates_are_local_days_in_the_configured_zone(berlin: Services) -> None:
    late = datetime(2026, 3, 21, 23, 30, tzinfo=UTC)  # 00:30 on the 22nd in Berlin
    insert_orders(berlin, [{**make_orders(1, seed=4)[0], "created_at": late, "updated_at": late}])
    one_day = OrderFilters(date_from=date(2026, 3, 22), date_to=date(2026, 3, 22))
    day22 = search_orders(berlin, VIEWER, filters=one_day)
    assert len(day22.rows) == 1
    assert day22.rows[0].created_at.utcoffset() == timedelta(hours=1)
    assert day22.timezone == "Europe/Berlin"


def test_bad_input_and_missing_permission_are_refused(berlin: Services) -> None:
    with pytest.raises(InputError):
        search_orders(berlin, VIEWER, filters=OrderFilters(amount_min=Decimal(5),
                                                           amount_max=Decimal(1)))
    with pytest.raises(InputError):
        search_orders(berlin, VIEWER, filters=OrderFilters(), page_after="garbage!!")
    with pytest.raises(PermissionDeniedError):
        search_orders(berlin, None, filters=OrderFilters())  # type: ignore[arg-type]


def test_detail_has_every_event_in_time_order(berlin: Services) -> None:
    created = datetime(2026, 3, 25, 10, tzinfo=UTC)
    row = {**make_orders(1, seed=5)[0], "status": "REFUNDED", "provider_order_id": "PPDETAIL1",
           "created_at": created, "updated_at": created,
           "paid_at": created + timedelta(minutes=2)}
    insert_orders(berlin, [row])
    order_id = search_orders(berlin, VIEWER, filters=OrderFilters(text="PPDETAIL1")).rows[0].id
    with berlin.uow() as uow:
        uow.session.add(Refund(order_id=order_id, refund_request_id="RF-1", amount=Decimal("1.5"),
                               currency=row["currency"], reason="customer", status="SUCCESS",
                               created_at=created + timedelta(hours=1),
                               completed_at=created + timedelta(hours=1, minutes=1)))
        uow.session.add(WebhookDelivery(
            event_type="PAY", provider_item_id="PPDETAIL1", provider_status="PAY_SUCCESS", headers_json="{}",
            body="{}", signature_valid=True, outcome="paid",
            received_at=created + timedelta(minutes=3)))
        uow.session.add(AuditEntry(actor_name="olga", action="refund.request", target_type="refund",
                                   target_id="RF-1", at=created + timedelta(minutes=59)))
        uow.session.add(AuditEntry(actor_name="x", action="user.add", target_type="user",
                                   target_id=str(order_id), at=created))
        uow.commit()
    for ref in (str(order_id), row["merchant_order_id"], "PPDETAIL1"):
        detail = get_order_detail(berlin, VIEWER, ref)
        assert detail.order.id == order_id
    titles = [e.title for e in detail.timeline]
    assert titles == ["Order created", "Paid", "Payment succeeded (webhook)", "refund.request",
                      "Refund requested", "Refund success"]
    assert detail.refunds[0].amount == Decimal("1.5")
    with pytest.raises(NotFoundError):
        get_order_detail(berlin, VIEWER, "nope")


def test_filter_choices_list_present_values(berlin: Services) -> None:
    insert_orders(berlin, make_orders(50, seed=6))
    choices = filter_choices(berlin, VIEWER)
    assert choices["currency"] == sorted({"USDT", "BTC", "USDC", "EUR"})
    assert set(choices["provider"]) == {"binance_pay", "monetix"}
    assert choices["status"][0] == "INITIAL"


def test_a_long_number_searches_ids_without_overflowing(berlin: Services) -> None:
    rows = make_orders(5, seed=7)
    rows[0]["transaction_id"] = "223312147182000"
    insert_orders(berlin, rows)
    found = search_orders(berlin, VIEWER, filters=OrderFilters(text="223312147182"))
    assert [r.transaction_id for r in found.rows] == ["223312147182000"]
    with pytest.raises(NotFoundError):
        get_order_detail(berlin, VIEWER, "99999999999999")
