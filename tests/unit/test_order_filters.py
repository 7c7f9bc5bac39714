"""Pure pieces of the order book: URL parameters, local-time bounds, page tokens, cell formats."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

from data.queries.order_search import Keyset
from services.core.errors import InputError
from services.orders.exports.orders import (
    _money_text_array,
    _text_array,
    money_text,
    neutralise,
    resolve_columns,
)
from services.orders.book import (
    OrderFilters,
    _decode,
    _encode,
    filters_from_params,
    filters_to_params,
)

BERLIN = ZoneInfo("Europe/Berlin")


def test_filters_survive_a_round_trip_through_the_url() -> None:
    filters = OrderFilters(
        statuses=("PAID", "REFUNDED"), currencies=("USDT",), providers=("binance_pay",),
        date_from=date(2026, 3, 1), time_from=time(8, 30), date_to=date(2026, 3, 31),
        amount_min=Decimal("0.00000001"), amount_max=Decimal("1000.5"), text="cust@x.io",
    )
    params = filters_to_params(filters)
    assert params["from"] == "2026-03-01T08:30" and params["to"] == "2026-03-31"
    assert params["status"] == "PAID,REFUNDED" and params["min"] == "0.00000001"
    parsed, problems = filters_from_params(params)
    assert parsed == filters and problems == []
    assert filters_to_params(OrderFilters()) == {}


def test_bad_parameters_are_named_and_dropped() -> None:
    parsed, problems = filters_from_params({"from": "yesterday", "min": "-3", "max": "1e999x",
                                            "status": "paid, ,expired"})
    assert parsed.date_from is None and parsed.amount_min is None and parsed.amount_max is None
    assert parsed.statuses == ("PAID", "EXPIRED")
    assert len(problems) == 3 and "from" in problems[0]


def test_local_days_become_utc_bounds_across_dst() -> None:
    lower, upper = OrderFilters(date_from=date(2026, 3, 29), date_to=date(2026, 3, 29)).utc_bounds(
        BERLIN)
    assert lower is not None and upper is not None
    # Spring forward: the local day is 23 hours long.
    assert lower.astimezone(UTC) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert upper.astimezone(UTC) == datetime(2026, 3, 29, 22, tzinfo=UTC)
    criteria = OrderFilters(date_from=date(2026, 3, 29), time_from=time(3, 0)).criteria(BERLIN)
    assert criteria.created_from_utc == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    with pytest.raises(InputError):
        OrderFilters(date_from=date(2026, 3, 2), date_to=date(2026, 3, 1)).criteria(BERLIN)


def test_page_tokens_round_trip_and_refuse_tampering() -> None:
    moment = datetime(2026, 3, 1, 12, 0, 1, 123456, tzinfo=UTC)
    assert _decode(_encode("newest", Keyset(moment, 42)), "newest") == Keyset(moment, 42)
    amount = Decimal("12.34000000")
    assert _decode(_encode("amount_asc", Keyset(amount, 7)), "amount_asc") == Keyset(amount, 7)
    with pytest.raises(InputError):
        _decode(_encode("newest", Keyset(moment, 42)), "amount_asc")
    with pytest.raises(InputError):
        _decode("not-a-token", "newest")


def test_arrow_money_text_equals_the_decimal_formatter() -> None:
    rng = random.Random(5)
    units = [0, 1, 10**8, 4999 * 10**6, 123456789, -150000000, 2**63 - 1, None]
    units += [rng.randrange(-10**15, 10**15) for _ in range(2000)]
    got = _money_text_array(pa.array(units, pa.int64())).to_pylist()
    expected = [None if u is None else money_text(Decimal(u).scaleb(-8)) for u in units]
    assert got == expected


def test_formula_cells_are_neutralised_in_both_paths() -> None:
    cells = ["=SUM(A1)", "+1", "-1", "@x", "\tx", "\rx", "a=b", "", None]
    arrow = _text_array(pa.array(cells, pa.string())).to_pylist()
    assert arrow == [None if c is None else neutralise(c) for c in cells]
    assert arrow[:6] == ["'=SUM(A1)", "'+1", "'-1", "'@x", "'\tx", "'\rx"]


def test_money_columns_bring_their_currency() -> None:
    assert resolve_columns(["amount"]) == ("amount", "currency")
    with pytest.raises(InputError):
        resolve_columns(["amount", "secret"])
