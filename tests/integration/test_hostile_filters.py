"""Hostile filter values and links: a message naming the field, or no match; never a crash, on
SQLite and PostgreSQL alike. `%` and `_` match themselves."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.mandates import contracts as mandates
from services.refunds import listing as refund_list
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.demo.data import seed_demo_data
from services.core.errors import InputError, NotFoundError
from services.orders.exports.orders import export_orders_bytes
from services.orders.book import (
    OrderFilters,
    count_orders,
    filters_from_params,
    get_order_detail,
    parse_amount,
    search_orders,
)

VIEWER = Actor(user_id=None, username="test", role="viewer")


@pytest.fixture
def seeded(services: Services) -> Services:
    seed_demo_data(services, orders=300, days=20, seed=3)
    return services


@pytest.mark.parametrize("text", ["²", "①", "٣٤", "12²", "MT\u3000"])
def test_unusual_digits_search_without_crashing(seeded: Services, text: str) -> None:
    filters = OrderFilters(text=text)
    assert search_orders(seeded, VIEWER, filters=filters).rows == []
    assert count_orders(seeded, VIEWER, filters=filters) == 0
    with pytest.raises(NotFoundError):
        get_order_detail(seeded, VIEWER, text)


@pytest.mark.parametrize(
    ("text", "message"),
    [("9" * 5_000, "characters"), ("x" * 1_000_000, "characters"), ("MT\x00", "control"),
     ("a\x1bb", "control")],
    ids=["5000-digits", "1MB", "nul", "escape"],
)
def test_impossible_searches_are_refused_with_a_message(
    seeded: Services, text: str, message: str
) -> None:
    filters = OrderFilters(text=text)
    for call in (lambda: search_orders(seeded, VIEWER, filters=filters),
                 lambda: count_orders(seeded, VIEWER, filters=filters),
                 lambda: export_orders_bytes(seeded, VIEWER, filters=filters, fmt="csv"),
                 lambda: refund_list.list_refunds(seeded, VIEWER, refund_list.RefundFilter(
                     text=text)),
                 lambda: mandates.list_mandates(seeded, VIEWER, mandates.ListFilter(text=text)),
                 lambda: mandates.list_debits(seeded, VIEWER, mandates.ListFilter(text=text))):
        with pytest.raises(InputError, match=message) as refused:
            call()
        assert refused.value.field == "search"


@pytest.mark.parametrize("value", ["0.000000001", "92233720369", "1e400", "１２", "NaN", "-"])
def test_impossible_amounts_are_refused_with_a_message(seeded: Services, value: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_amount(value, "min")
    assert refused.value.field == "min"
    if value[0].isascii() and value[0].isdigit():
        with pytest.raises(InputError) as refused:
            search_orders(seeded, VIEWER, filters=OrderFilters(amount_min=Decimal(value)))
        assert refused.value.field == "min amount"


def test_a_bad_link_parameter_is_dropped_and_named() -> None:
    filters, problems = filters_from_params(
        {"q": "MT\x00", "min": "0.000000001", "max": "92233720369", "status": "PAID"})
    assert filters.text is None and filters.amount_min is None and filters.amount_max is None
    assert filters.statuses == ("PAID",)
    assert len(problems) == 3 and any("control" in p for p in problems)


def _codes(rows: list[dict[str, object]], key: str) -> list[object]:
    return [r[key] for r in rows]


@pytest.mark.parametrize("wildcard", ["%", "_", "%%", "\\", "a%"])
def test_like_wildcards_match_themselves(seeded: Services, wildcard: str) -> None:
    """The rows found are exactly those that hold the typed characters, literally."""
    every = mandates.list_mandates(seeded, VIEWER, mandates.ListFilter())
    literal = [m for m in every if any(wildcard in str(m[k] or "") for k in (
        "merchant_contract_code", "contract_id", "customer_email"))]
    assert len(literal) < len(every)
    found = mandates.list_mandates(seeded, VIEWER, mandates.ListFilter(text=wildcard))
    assert _codes(found, "merchant_contract_code") == _codes(literal, "merchant_contract_code")

    debits = mandates.list_debits(seeded, VIEWER, mandates.ListFilter())
    literal = [d for d in debits if any(wildcard in str(d[k] or "") for k in (
        "merchant_request_id", "merchant_contract_code"))]
    assert len(literal) < len(debits)
    found = mandates.list_debits(seeded, VIEWER, mandates.ListFilter(text=wildcard))
    assert _codes(found, "merchant_request_id") == _codes(literal, "merchant_request_id")

    refunds = refund_list.list_refunds(seeded, VIEWER, refund_list.RefundFilter())
    assert refunds
    assert refund_list.list_refunds(seeded, VIEWER, refund_list.RefundFilter(
        text=wildcard)) == []  # no id starts with a wildcard character
