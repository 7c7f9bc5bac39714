"""Report files: formula cells neutralised in CSV and XLSX, deterministic bytes, exact totals."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl

from services.reconciliation.reports import Report, _totals, report_csv, report_xlsx

COLUMNS = (("Time", "time"), ("Reference", "text"), ("Currency", "text"),
           ("Amount", "money"), ("Count", "int"))
AT = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
ROWS = [
    [AT, "=cmd|'/c calc'!A1", "USDT", Decimal("0.1"), 1],
    [AT, "@SUM(A1:A2)", "USDT", Decimal("0.2"), 2],
    [AT, "+1234", "BTC", Decimal("12345678901.12345678"), 1],
    [AT, "-56", "BTC", Decimal("0.00000001"), 1],
]


def _report() -> Report:
    return Report("t", "Test", COLUMNS, ROWS, _totals(ROWS, COLUMNS, 2, 1))


def test_totals_are_exact_per_currency() -> None:
    totals = {row[2]: row for row in _report().totals}
    assert totals["USDT"][3] == Decimal("0.3")  # 0.1 + 0.2 exactly, no binary float
    assert totals["BTC"][3] == Decimal("12345678901.12345679")
    assert totals["USDT"][4] == 3 and totals["USDT"][1] == "Total"


def test_csv_neutralises_formulas_and_states_the_zone() -> None:
    data = report_csv(_report(), "Europe/Berlin")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "Time (Europe/Berlin)"
    assert rows[1][0] == "2026-03-03 00:30:00"  # local day, not the UTC one
    assert [r[1] for r in rows[1:5]] == ["'=cmd|'/c calc'!A1", "'@SUM(A1:A2)", "'+1234", "'-56"]
    assert rows[3][3] == "12345678901.12345678"


def test_xlsx_has_no_formulas_and_same_bytes_every_time() -> None:
    first = report_xlsx(_report(), "UTC")
    assert first == report_xlsx(_report(), "UTC")
    sheet = openpyxl.load_workbook(io.BytesIO(first)).active
    texts = [sheet.cell(row=r, column=2).value for r in range(2, 6)]
    assert texts == ["'=cmd|'/c calc'!A1", "'@SUM(A1:A2)", "'+1234", "'-56"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # Too many digits for a double: kept as exact text rather than rounded.
    assert sheet.cell(row=4, column=4).value == "12345678901.12345678"
