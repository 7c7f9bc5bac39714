"""What validation found, as files and figures for people: the error report CSV, totals per
currency, and the comparison with the wallet balance."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal

from services.core.cells import neutralise
from services.files.findings import ERROR, WARNING, Finding
from services.payouts.validation import CurrencyTotal

REPORT_COLUMNS = ("line", "column", "value", "severity", "code", "message")
neutralise_cell = neutralise  # the name the payout pages and tests use


def error_report_csv(findings: Iterable[Finding]) -> bytes:
    """Findings as CSV (UTF-8 with BOM, for Excel), one per row, formula cells neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    for finding in findings:
        writer.writerow(
            [
                "" if finding.line is None else str(finding.line),
                neutralise_cell(finding.column or ""),
                neutralise_cell(finding.value or ""),
                finding.severity,
                finding.code,
                neutralise_cell(finding.message),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def balance_findings(
    totals: Iterable[CurrencyTotal], balances: Mapping[str, Decimal]
) -> list[Finding]:
    """One warning per currency whose total is more than the available wallet balance.

    A currency missing from `balances` counts as a zero balance. Not an error: funds may be
    topped up before sending, but a batch sent short ends PART_SUCCESS with lines unpaid.
    """
    findings = []
    for total in totals:
        available = balances.get(total.currency, Decimal(0))
        if total.total > available:
            shortfall = total.total - available
            findings.append(
                Finding(
                    None,
                    None,
                    None,
                    WARNING,
                    "balance_short",
                    f"{total.currency}: the file pays {total.total:f} but the wallet holds "
                    f"{available:f}; top up at least {shortfall:f} {total.currency} before "
                    "sending, or lines will fail",
                )
            )
    return findings


def summary_counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Errors, warnings and lines with an error, for the preview's headline."""
    errors = warnings = 0
    error_lines: set[int] = set()
    for finding in findings:
        if finding.severity == ERROR:
            errors += 1
            if finding.line is not None:
                error_lines.add(finding.line)
        else:
            warnings += 1
    return {"errors": errors, "warnings": warnings, "lines_with_errors": len(error_lines)}
