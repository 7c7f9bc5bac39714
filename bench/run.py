"""`make bench`: seed fresh stores, time the Overview service and page, write bench/RESULTS.md.

Sizes come from PAYDESK_BENCH_SIZES (default "10000,1000000"; add 10000000 for the optional run).
Each size gets a fresh SQLite file under bench/out/ and, when BENCH_DATABASE_URL points at
PostgreSQL, a fresh database there too.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
DAYS = 365
SEED = 7
END = date(2026, 11, 20)


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"  # float-ok: display only
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def _median_seconds(fn: Callable[[], object], repeats: int = 5) -> float:  # float-ok: timings
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def _fresh_sqlite(size: int) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"bench_{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _apptest_seconds(url: str) -> float:  # float-ok: timing
    """A full AppTest run of the Overview page, in a child process with its own Streamlit runtime."""
    env = {**os.environ, "DATABASE_URL": url, "PAYDESK_MODE": "sandbox"}
    result = subprocess.run([sys.executable, "-m", "bench.apptest_overview"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])  # float-ok: timing


def bench_size(size: int) -> dict[str, str]:
    from data import migrate
    from services.core.access import Actor
    from services.entrypoints.bootstrap import build_services
    from services.core.config import Settings
    from services.demo.data import seed_demo_data
    from services.orders.overview import get_overview

    VIEWER = Actor(user_id=None, username="bench", role="viewer")  # noqa: N806

    url = _fresh_sqlite(size)
    migrate.upgrade(url)
    services = build_services(Settings(DATABASE_URL=url, _env_file=None))  # type: ignore[call-arg]
    began = time.perf_counter()
    seed_demo_data(services, orders=size, days=DAYS, seed=SEED, end=END)
    seed_seconds = time.perf_counter() - began
    services.clock = lambda: datetime.combine(END, datetime.min.time(), tzinfo=UTC)
    last30 = _median_seconds(lambda: get_overview(services, VIEWER, start=END - timedelta(days=29), end=END))
    last365 = _median_seconds(
        lambda: get_overview(services, VIEWER, start=END - timedelta(days=DAYS - 1), end=END), repeats=3
    )
    apptest = _apptest_seconds(url)
    services.engine.dispose()
    return {
        "orders": f"{size:,}",
        "seed (s)": f"{seed_seconds:.2f}",
        "overview 30 days (s)": f"{last30:.3f}",
        "overview 365 days (s)": f"{last365:.3f}",
        "AppTest Overview page (s)": f"{apptest:.2f}",
    }


# The other benchmarks print their own markdown; `make bench` runs them and files their output.
COMPONENTS: tuple[tuple[str, list[str]], ...] = (
    ("Scale: Overview, order list, requests beside raw SQL and DuckDB", ["-m", "bench.scale_bench"]),
    ("Orders: first page and export", ["-m", "bench.orders_bench"]),
    ("Payout file validation", ["-m", "bench.payouts_bench"]),
    ("Payout XLSX validation and bomb refusal", ["-m", "bench.payouts_xlsx_bench"]),
    ("Reconciliation matching", ["bench/reconcile_bench.py", "1000000"]),
)


def run_component(title: str, argv: list[str]) -> str:
    print(f"bench: {title} …", flush=True)
    result = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True)
    body = result.stdout.strip() if result.returncode == 0 else (
        f"FAILED (exit {result.returncode}):\n\n```\n{result.stderr.strip()[-2000:]}\n```"
    )
    print(body, flush=True)
    return f"## {title} — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\nMachine: {_machine()}.\n\n{body}\n"


def main() -> int:
    sizes = [int(s) for s in os.environ.get("PAYDESK_BENCH_SIZES", "10000,1000000").split(",")]
    rows = []
    for size in sizes:
        print(f"bench: {size:,} orders …", flush=True)
        rows.append(bench_size(size))
        print(rows[-1], flush=True)
    headers = list(rows[0])
    table = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    table += ["| " + " | ".join(row[h] for h in headers) + " |" for row in rows]
    section = "\n".join([
        f"## Overview and seed — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {_machine()}. Store: SQLite file (WAL). Data: `paydesk seed --days {DAYS} "
        f"--seed {SEED}` ending {END}. Service timings are medians of 5 (365 days: 3) calls.",
        "",
        *table,
        "",
    ])
    sections = [section]
    if os.environ.get("PAYDESK_BENCH_ONLY_OVERVIEW") != "1":
        sections += [run_component(title, argv) for title, argv in COMPONENTS]
    previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n"
    RESULTS.write_text(previous.rstrip() + "\n\n" + "\n".join(sections))
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
