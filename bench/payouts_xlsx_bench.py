"""Payout XLSX reading and validation at 10k and 100k lines, how fast hostile workbooks are
refused, and `paydesk payouts validate` on every crafted file of issue 15:
`python -m bench.payouts_xlsx_bench [SIZES...]`.

The workbook holds the same seeded lines as bench.payouts_bench, written as a spreadsheet
program would: receivers and amounts as number cells, text in shared strings. Goals: a valid
100,000-line XLSX validates in under 5 s; every bomb is refused in under 1 s; the command answers
each crafted file within 5 s, exit 0, 1 or 2, never a traceback. Wall times on a shared machine
follow its load, so the CPU time of the same work is printed beside them.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def _cpu(fn: object, repeats: int) -> str:
    """The best CPU time of this process over `repeats` runs: what the work costs, whatever
    else the machine is doing (only wall time waits for the other processes)."""
    samples = []
    for _ in range(repeats):
        began = time.process_time()
        fn()  # type: ignore[operator]
        samples.append(time.process_time() - began)
    return f"{min(samples):.3f} s CPU"


def bench(lines: int, repeats: int = 5) -> str:
    data = payout_xlsx(lines)
    rules = PayoutRules(max_lines=max(lines, PayoutRules().max_lines))
    result = validate_payout_file(data, file_name="bench.xlsx", rules=rules)
    read_s = _timed(lambda: read_payout_file(data, file_name="bench.xlsx"), repeats)
    total_s = _timed(lambda: validate_payout_file(data, file_name="bench.xlsx", rules=rules),
                     repeats)
    cpu = _cpu(lambda: validate_payout_file(data, file_name="bench.xlsx", rules=rules), 3)
    return (
        f"| payouts validate XLSX | {lines:,} lines ({len(data) / 1e6:.1f} MB) | "
        f"{len(result.errors):,} errors, {len(result.warnings):,} warnings | {read_s} | "
        f"{total_s}; {cpu} |"
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


def cli_corpus() -> list[str]:
    """`paydesk payouts validate FILE --json` in its own process on every crafted file: wall and
    CPU time (start-up included), exit status, and whether a traceback was printed."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/absent.db"}
        for name, (data, file_name) in sorted(hostile.corpus().items()):
            path = Path(folder) / f"{name}-{file_name}"
            path.write_bytes(data)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "services.entrypoints.cli", "payouts", "validate",
                 str(path), "--json"],
                capture_output=True, text=True, env=env, check=False)
            wall = time.perf_counter() - began
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            traceback = "TRACEBACK" if "Traceback" in done.stderr else "no traceback"
            rows.append(f"| paydesk payouts validate | {name} ({len(data) / 1e3:,.0f} KB) | "
                        f"exit {done.returncode}, {traceback} | {cpu:.2f} s CPU | {wall:.2f} s |")
    return rows


def main(argv: list[str]) -> int:
    sizes = [int(arg) for arg in argv] or [10_000, 100_000]
    print(f"load average at the start: {_load()}", file=sys.stderr)
    print("| bench | size | findings | read | read + validate (goal < 5 s; bombs < 1 s) |")
    print("|---|---|---|---|---|")
    print("Times: median of 5 runs (best run in brackets).", file=sys.stderr)
    for size in sizes:
        print(bench(size), flush=True)
    for row in bombs():
        print(row, flush=True)
    print(f"load average before the command runs: {_load()}", file=sys.stderr)
    print("| command | crafted file | answer | CPU | wall (goal < 5 s) |")
    print("|---|---|---|---|---|")
    for row in cli_corpus():
        print(row, flush=True)
    print(f"load average after the run: {_load()}", file=sys.stderr)
    return 0


def _load() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())  # float-ok: display only


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
