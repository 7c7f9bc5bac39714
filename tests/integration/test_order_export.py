"""Exports hold exactly the filtered orders (count and totals), with formulas neutralised."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from services.entrypoints.bootstrap import Services, build_services
from services.entrypoints.cli import main as cli_main
from services.core.errors import InputError, PermissionDeniedError
from services.orders.exports.orders import export_orders, export_orders_bytes, money_text, neutralise
from services.orders.book import OrderFilters
from tests.conftest import settings_for
from tests.integration.test_order_search import (
    VIEWER,
    insert_orders,
    make_orders,
    reference,
)

FILTERS = OrderFilters(statuses=("PAID", "REFUNDED", "EXPIRED"), date_from=date(2026, 3, 22),
                       date_to=date(2026, 4, 5))


@pytest.fixture
def berlin(store_url: str) -> Iterator[Services]:
    built = build_services(settings_for(store_url, PAYDESK_TIMEZONE="Europe/Berlin"))
    yield built
    built.engine.dispose()


def _expected(rows: list[dict], f: OrderFilters) -> tuple[int, dict[str, Decimal]]:
    wanted = reference(rows, f)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["merchant_order_id"] in wanted:
            totals[r["currency"]] += r["amount"]
    return len(wanted), dict(totals)


def test_csv_export_equals_the_filtered_set(berlin: Services) -> None:
    rows = make_orders(600, seed=11)
    insert_orders(berlin, rows)
    count, totals = _expected(rows, FILTERS)
    calls: list[tuple[int, int]] = []
    out = io.BytesIO()
    result = export_orders(berlin, VIEWER, filters=FILTERS, fmt="csv", out=out,
                           columns=["merchant_order_id", "product_name", "amount", "created_at"],
                           progress=lambda done, total: calls.append((done, total)))
    assert result.rows == count and result.totals == totals
    assert calls[-1] == (count, count)
    text = out.getvalue().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Order ID", "Product", "Amount", "Created (Europe/Berlin)",
                        "Currency"]
    body = table[1:]
    assert len(body) == count
    assert {r[0] for r in body} == reference(rows, FILTERS)
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for r in body:
        summed[r[4]] += Decimal(r[2])
    assert dict(summed) == totals
    formulas = [r[1] for r in body if "HYPERLINK" in r[1]]
    assert formulas and all(cell.startswith("'=") for cell in formulas)


def test_xlsx_export_equals_the_filtered_set(berlin: Services) -> None:
    rows = make_orders(400, seed=12)
    insert_orders(berlin, rows)
    count, totals = _expected(rows, FILTERS)
    data = export_orders_bytes(berlin, VIEWER, filters=FILTERS, fmt="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheet = book["Orders"]
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    assert "Created (Europe/Berlin)" in header
    assert len(body) == count
    amount, currency = header.index("Amount"), header.index("Currency")
    summed: dict[str, Decimal] = defaultdict(Decimal)
    for r in body:
        summed[r[currency]] += Decimal(str(r[amount]))
    assert dict(summed) == totals
    product = header.index("Product")
    assert all(not str(r[product]).startswith("=") for r in body)
    assert "Europe/Berlin" in book["About"]["A1"].value
    book.close()


def test_export_memory_stays_flat(sqlite_services: Services) -> None:
    insert_orders(sqlite_services, make_orders(20_000, seed=13))
    tracemalloc.start()
    out = open(Path(sqlite_services.settings.database_url.removeprefix("sqlite:///")).with_name(
        "x.csv"), "wb")
    with out:
        result = export_orders(sqlite_services, VIEWER, filters=OrderFilters(), fmt="csv", out=out)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.rows == 20_000
    assert peak < 25 * 1024 * 1024  # a few chunks, not 20k rows of objects plus the file


def test_helpers_and_refusals(sqlite_services: Services) -> None:
    assert [neutralise(x) for x in ("=1", "+1", "-1", "@x", "\tx", "\rx", "a=1")] == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "a=1"]
    assert money_text(Decimal("49.99000000")) == "49.99"
    assert money_text(Decimal("100")) == "100.00"
    assert money_text(Decimal("0.00012345")) == "0.00012345"
    with pytest.raises(InputError):
        export_orders_bytes(sqlite_services, VIEWER, filters=OrderFilters(), fmt="csv",
                            columns=["nope"])
    with pytest.raises(PermissionDeniedError):
        nobody = None
        export_orders_bytes(sqlite_services, nobody, filters=OrderFilters(), fmt="csv")  # type: ignore[arg-type]


def test_cli_export_writes_the_filtered_file(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = build_services(settings_for(sqlite_url))
    rows = make_orders(300, seed=14)
    insert_orders(services, rows)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PAYDESK_TIMEZONE", "UTC")
    out = tmp_path / "paid.csv"
    code = cli_main(["export", "orders", "--from", "2026-03-22", "--to", "2026-04-05",
                     "--status", "PAID", "--currency", "USDT", "--columns",
                     "merchant_order_id,amount", "--out", str(out)])
    assert code == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Order ID,Amount,Currency"
    expected = [r for r in rows if r["status"] == "PAID" and r["currency"] == "USDT"
                and date(2026, 3, 22) <= r["created_at"].date() <= date(2026, 4, 5)]
    assert len(lines) - 1 == len(expected)
    services.engine.dispose()


def test_xlsx_continues_on_a_new_sheet_instead_of_cutting_rows(
    sqlite_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.orders.exports import orders as exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 50)  # Excel's real limit is 1,048,576
    insert_orders(sqlite_services, make_orders(120, seed=15))
    data = export_orders_bytes(sqlite_services, VIEWER, filters=OrderFilters(), fmt="xlsx",
                               columns=["merchant_order_id"])
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["Orders", "Orders 2", "Orders 3", "About"]
    counts = [len(list(book[name].iter_rows(values_only=True))) - 1 for name in book.sheetnames[:3]]
    assert counts == [49, 49, 22]
    book.close()
