"""Seed 10k and 1M demo orders into fresh temporary SQLite files; print one markdown row per size.

Usage: python bench/seed_bench.py [--sizes 10000,1000000] [--header]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import migrate  # noqa: E402
from services.entrypoints.bootstrap import build_services  # noqa: E402
from services.core.config import Settings  # noqa: E402
from services.demo.data import seed_demo_data  # noqa: E402

# A fixed clock and end day keep the generated rows (and so the work) identical between runs.
NOW = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)


def run(orders: int) -> tuple[float, int]:  # float-ok: seconds
    with tempfile.TemporaryDirectory(prefix="paydesk-seed-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        migrate.upgrade(url)
        services = build_services(Settings(DATABASE_URL=url, PAYDESK_MODE="sandbox"))  # type: ignore[call-arg]
        services.clock = lambda: NOW
        try:
            report = seed_demo_data(services, orders=orders, days=365, seed=7, end=date(2026, 3, 1))
        finally:
            services.engine.dispose()
        rows = (
            report.orders
            + report.refunds
            + report.payout_batches
            + report.payout_lines
            + report.mandates
            + report.direct_debits
        )
        return report.seconds, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--header", action="store_true", help="print the table header first")
    args = parser.parse_args()
    if args.header:
        print("| benchmark | orders | rows written | seconds |")
        print("|---|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        seconds, rows = run(size)
        print(
            f"| seed demo data (SQLite, empty file) | {size:,} | {rows:,} | {seconds:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
