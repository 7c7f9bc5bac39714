"""Payout file validation at 10k and 100k lines: `python -m bench.payouts_bench [SIZES...]`.

Each file is generated here (seeded), with about 1.5% defective lines of several kinds and a
share of EMAIL receivers, so that the failing-cell paths are timed too. Prints markdown rows:
reading (decode + CSV) and validation separately, medians of several runs. Goal: validation of
100k lines in at most 0.5 s.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable

from services.files.reading import read_payout_file
from services.payouts.validation import PayoutRules, validate_payout_file, validate_table

SEED = 11
DEFECTS = ("1,234.50", "-5", "1e5", "0.123456789", "abc", "", "0")


def payout_csv(lines: int, seed: int = SEED) -> bytes:
    rng = random.Random(seed)
    out = ["receive_type,receiver,amount,currency,remark,merchant_send_id"]
    for n in range(lines):
        currency = rng.choice(("USDT", "USDT", "USDC", "BTC"))
        amount = f"{rng.randint(1, 5000)}.{rng.randint(0, 99):02d}"
        if currency == "BTC":
            amount = f"0.{rng.randint(1, 99_999_999):08d}"
        if rng.random() < 0.015:
            amount = rng.choice(DEFECTS)
        if rng.random() < 0.2:
            receive_type, receiver = "EMAIL", f"user{n}@example.com"
        else:
            receive_type, receiver = "BINANCE_ID", str(100_000_000 + rng.randint(0, 899_999_999))
        send_id = f"S{n:08d}" if rng.random() < 0.5 else ""
        out.append(f"{receive_type},{receiver},{amount},{currency},payout {n},{send_id}")
    return ("\r\n".join(out) + "\r\n").encode()


def _timed(fn: Callable[[], object], repeats: int) -> str:
    """'median (best)': the best run shows the cost on a quiet machine, the median a busy one."""
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return f"{statistics.median(samples):.3f} s ({min(samples):.3f})"


def bench(lines: int, repeats: int = 7) -> str:
    data = payout_csv(lines)
    rules = PayoutRules(max_lines=max(lines, PayoutRules().max_lines))
    table = read_payout_file(data)
    result = validate_table(table, rules=rules)
    errors = len(result.errors)
    read_s = _timed(lambda: read_payout_file(data), repeats)
    validate_s = _timed(lambda: validate_table(table, rules=rules), repeats)
    total_s = _timed(lambda: validate_payout_file(data, rules=rules), repeats)
    return (
        f"| payouts validate | {lines:,} lines ({len(data) / 1e6:.1f} MB) | {errors:,} errors, "
        f"{len(result.warnings):,} warnings | {read_s} | {validate_s} | {total_s} |"
    )


def main(argv: list[str]) -> int:
    sizes = [int(arg) for arg in argv] or [10_000, 100_000]
    print("| bench | size | findings | read | validate (goal ≤ 0.5 s) | read + validate |")
    print("|---|---|---|---|---|---|")
    print("Times: median of 7 runs (best run in brackets).", file=sys.stderr)
    for size in sizes:
        print(bench(size), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
