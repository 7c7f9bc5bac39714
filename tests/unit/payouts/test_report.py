from __future__ import annotations

import csv
import io
from decimal import Decimal

from services.files.findings import Finding
from services.payouts.report import (
    balance_findings,
    error_report_csv,
    neutralise_cell,
    summary_counts,
)
from services.payouts.validation import CurrencyTotal, validate_payout_file


def test_formula_cells_are_neutralised():
    assert [neutralise_cell(v) for v in ("=1+1", "+1", "-x", "@A", "\tX", "ok")] == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@A",
        "'\tX",
        "ok",
    ]


def test_error_report_lists_every_finding(fixture_bytes):
    result = validate_payout_file(fixture_bytes("formula_like.csv"))
    data = error_report_csv(result.findings)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["line", "column", "value", "severity", "code", "message"]
    assert [row[:3] for row in rows[1:]] == [
        ["3", "remark", '\'=HYPERLINK("http://x")'],
        ["4", "remark", "'@SUM(A1)"],
        ["5", "remark", "'-minus"],
    ]
    whole = error_report_csv([Finding(None, None, None, "error", "file_empty", "the file; fix")])
    assert whole.decode("utf-8-sig").splitlines()[1].startswith(",,,error,file_empty")


def test_balance_shortfall_is_named_per_currency():
    totals = [CurrencyTotal("BTC", 2, Decimal("1.5")), CurrencyTotal("USDT", 3, Decimal("100"))]
    findings = balance_findings(totals, {"USDT": Decimal("100.00"), "BTC": Decimal("0.4")})
    assert [(f.code, f.severity) for f in findings] == [("balance_short", "warning")]
    assert "top up at least 1.1 BTC" in findings[0].message
    [missing] = balance_findings([CurrencyTotal("ETH", 1, Decimal("2"))], {})
    assert "holds 0" in missing.message


def test_summary_counts(fixture_bytes):
    result = validate_payout_file(fixture_bytes("send_id_repeated.csv"))
    assert summary_counts(result.findings) == {"errors": 2, "warnings": 0, "lines_with_errors": 2}
