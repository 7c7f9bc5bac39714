"""Payout XLSX reading and validation at 10k and 100k lines, and how fast hostile workbooks are
refused: `python -m bench.payouts_xlsx_bench [SIZES...]`.

The workbook holds the same seeded lines as bench.payouts_bench, written as a spreadsheet
program would: receivers and amounts as number cells, text in shared strings. Goals: a valid
100,000-line XLSX validates in under 5 s; every bomb is refused in under 1 s.
"""

from __future__ import annotations

import io
import sys

import xlsxwriter

from bench.payouts_bench import _timed, payout_csv
from services.files.reading import UnreadableFileError, read_payout_file
from services.payouts.validation import PayoutRules, validate_payout_file
from tests.fixtures import hostile


def payout_xlsx(lines: int) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True})
    sheet = book.add_worksheet("Payouts")
    for row, text in enumerate(payout_csv(lines).decode().splitlines()):
        for column, cell in enumerate(text.split(",")):
            if row and column in (1, 2) and cell.replace(".", "", 1).isdigit():
                sheet.write_number(row, column, float(cell))
            elif cell:
                sheet.write_string(row, column, cell)
    book.close()
    return out.getvalue()


def bench(lines: int, repeats: int = 5) -> str:
    data = payout_xlsx(lines)
    rules = PayoutRules(max_lines=max(lines, PayoutRules().max_lines))
    result = validate_payout_file(data, file_name="bench.xlsx", rules=rules)
    read_s = _timed(lambda: read_payout_file(data, file_name="bench.xlsx"), repeats)
    total_s = _timed(lambda: validate_payout_file(data, file_name="bench.xlsx", rules=rules),
                     repeats)
    return (
        f"| payouts validate XLSX | {lines:,} lines ({len(data) / 1e6:.1f} MB) | "
        f"{len(result.errors):,} errors, {len(result.warnings):,} warnings | {read_s} | "
        f"{total_s} |"
    )


def _refused(data: bytes) -> None:
    try:
        validate_payout_file(data, file_name="bomb.xlsx")
    except UnreadableFileError:
        return
    raise AssertionError("a bomb was not refused")


def bombs(repeats: int = 5) -> list[str]:
    cases = {
        "one cell on row 1,048,576": hostile.far_row_bomb(),
        "declared A1:XFD1048576": hostile.declared_dimension_bomb(),
        "300,000 rows without references": hostile.row_without_reference_bomb(),
        "part header says 600 MB": hostile.declared_huge_part(),
    }
    return [
        f"| refuse XLSX bomb | {name} ({len(data) / 1e3:,.0f} KB) | refused | - | "
        f"{_timed(lambda d=data: _refused(d), repeats)} |"
        for name, data in cases.items()
    ]


def main(argv: list[str]) -> int:
    sizes = [int(arg) for arg in argv] or [10_000, 100_000]
    print("| bench | size | findings | read | read + validate (goal < 5 s; bombs < 1 s) |")
    print("|---|---|---|---|---|")
    print("Times: median of 5 runs (best run in brackets).", file=sys.stderr)
    for size in sizes:
        print(bench(size), flush=True)
    for row in bombs():
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
