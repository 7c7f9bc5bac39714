"""Issue 18 at scale: seed, Overview, order list (first page + count), payment requests, start-up,
each beside its references in the same run: the raw SQL query over the orders and DuckDB over the
same rows (loaded into DuckDB first, not timed: the speed-of-light reference).

    python -m bench.scale_bench --sizes 10000,1000000 [--postgres URL]   (10000000: opt-in)

Prints markdown; `make bench` files it in bench/RESULTS.md. Stores are fresh each run
(bench/out/scale_<N>.db; a database paydesk_scale_<N> on the PostgreSQL server).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.orders_bench import _typical_filters
from bench.run import _median_seconds
from data import migrate
from data.models import Order
from data.queries.orders import daily_order_buckets
from services.core.access import Actor
from services.entrypoints.bootstrap import Services, build_services
from services.core.config import Settings
from services.demo.data import seed_demo_data
from services.orders.book import count_orders, search_orders
from services.orders.overview import get_overview, utc_bounds
from services.orders.payment_requests import recent_requests

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DAYS, SEED, END = 365, 7, date(2026, 11, 20)
ZONE = "Asia/Kathmandu"  # a 45-minute offset: the hardest case for per-day figures
VIEWER = Actor(user_id=None, username="bench", role="viewer")


def _store(size: int, postgres: str | None) -> Services:
    if postgres:
        name = f"paydesk_scale_{size}"
        admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    else:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"scale_{size}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return build_services(Settings(DATABASE_URL=url, PAYDESK_MODE="sandbox",  # type: ignore[call-arg]
                                   PAYDESK_TIMEZONE=ZONE, _env_file=None))


def _duckdb_overview(services: Services, start: date, end: date) -> Callable[[], object]:
    """The Overview's per-day, per-currency, per-status sums in DuckDB over the same rows."""
    import duckdb
    import pyarrow as pa

    lower, upper = utc_bounds(start - timedelta(days=(end - start).days + 1), end,
                              services.settings.zone)
    with services.engine.connect() as connection:
        rows = connection.execute(
            select(Order.created_at, Order.currency, Order.status, Order.amount)
            .where(Order.created_at >= lower, Order.created_at < upper)).all()
    columns = list(zip(*rows, strict=True)) if rows else [[], [], [], []]
    table = pa.table({"created_at": pa.array(columns[0], pa.timestamp("us", tz="UTC")),
                      "currency": pa.array(columns[1], pa.string()),
                      "status": pa.array(columns[2], pa.string()),
                      "amount": pa.array(columns[3], pa.decimal128(38, 8))})
    db = duckdb.connect()
    db.register("orders", table)
    db.execute(f"SET TimeZone = '{ZONE}'")
    query = ("SELECT CAST(created_at AS DATE) AS day, currency, status, count(*), sum(amount) "
             "FROM orders GROUP BY ALL")
    return lambda: db.execute(query).fetchall()


def _help_seconds() -> float:  # float-ok: timing
    paydesk = Path(sys.executable).with_name("paydesk")
    return _median_seconds(lambda: subprocess.run([str(paydesk), "--help"], check=True,
                                                  capture_output=True), repeats=3)


def bench(size: int, postgres: str | None) -> list[str]:
    label = "PostgreSQL" if postgres else "SQLite"
    services = _store(size, postgres)
    began = time.perf_counter()
    seed_demo_data(services, orders=size, days=DAYS, seed=SEED, end=END)
    seeded = time.perf_counter() - began
    if postgres:
        with services.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    services.clock = lambda: datetime.combine(END, datetime.min.time(), tzinfo=UTC)
    lines = [f"| {label} | {size:,} | seed (demo data, all tables) | {seeded:.2f} s | | |"]
    for days in (30, 365):
        start = END - timedelta(days=days - 1)
        kept = _median_seconds(lambda s=start: get_overview(services, VIEWER, start=s, end=END),
                               repeats=5)
        lower, upper = utc_bounds(start - timedelta(days=days), END, services.settings.zone)

        def raw(lower: datetime = lower, upper: datetime = upper) -> object:
            with services.uow() as uow:
                return daily_order_buckets(uow.session, start_utc=lower, end_utc=upper,
                                           zone=services.settings.zone)

        raw_s = _median_seconds(raw, repeats=3)
        duck = _median_seconds(_duckdb_overview(services, start, END), repeats=3)
        lines.append(f"| {label} | {size:,} | Overview, {days} days (and the {days} before) | "
                     f"{kept:.4f} s | raw SQL {raw_s:.4f} s ({kept / raw_s:.2f}×) | "
                     f"DuckDB {duck:.4f} s ({kept / duck:.2f}×) |")
    for name, filters, sort in _typical_filters(services):
        def page_and_count(f=filters, s=sort) -> object:  # type: ignore[no-untyped-def]
            search_orders(services, VIEWER, filters=f, sort=s, page_size=50)
            return count_orders(services, VIEWER, filters=f)

        page_and_count()
        first = _median_seconds(lambda f=filters, s=sort: search_orders(
            services, VIEWER, filters=f, sort=s, page_size=50))
        both = _median_seconds(page_and_count)
        lines.append(f"| {label} | {size:,} | orders: {name} | {both:.4f} s (page + count) | "
                     f"first page {first:.4f} s | |")
    recent = _median_seconds(lambda: recent_requests(services, VIEWER))
    lines.append(f"| {label} | {size:,} | payment requests: recent list | {recent:.4f} s | | |")
    services.engine.dispose()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default=os.environ.get("PAYDESK_BENCH_SIZES", "10000,1000000"))
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())  # float-ok: display
    print(f"Load average before the run (1/5/15 min): {load}. Zone: {ZONE}. Medians of 5 "
          "(references: 3). DuckDB reads the same rows from memory (loading not timed).\n")
    print("| store | orders | what | PayDesk | reference | speed-of-light |")
    print("|---|---|---|---|---|---|")
    print(f"| — | — | `paydesk --help` | {_help_seconds():.3f} s | | |")
    for size in (int(s) for s in args.sizes.split(",")):
        for postgres in (None, args.postgres) if args.postgres else (None,):
            for line in bench(size, postgres):
                print(line, flush=True)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())  # float-ok: display
    print(f"\nLoad average after the run: {load}.")


if __name__ == "__main__":
    main()
