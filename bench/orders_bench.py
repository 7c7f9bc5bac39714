"""Orders bench: first-page time of the orders service for typical filters, and the export of 1M
rows against a raw Arrow CSV write of the same rows in the same run.

    python -m bench.orders_bench [--sizes 1000000,10000000] [--export-rows 1000000]

Stores are seeded once with services.demo.data (bench/out/orders_<N>.db, or a database per size
on BENCH_DATABASE_URL when it points at PostgreSQL) and reused while their order count matches.
Prints markdown table rows; `make bench` collects them.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bench.run import _median_seconds
from data import migrate
from data.models import Order
from data.queries import order_search as q
from services.core.access import Actor
from services.entrypoints.bootstrap import Services, build_services
from services.core.config import Settings
from services.orders.exports.orders import DEFAULT_COLUMNS, export_orders
from services.orders.book import OrderFilters, search_orders

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DAYS = 365
SEED = 7
VIEWER = Actor(user_id=None, username="bench", role="viewer")


def _store(size: int, postgres: str | None) -> Services:
    if postgres:
        name = f"paydesk_orders_bench_{size}"
        admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    else:
        OUT.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{OUT / f'orders_{size}.db'}"
    migrate.upgrade(url)
    services = build_services(Settings(DATABASE_URL=url, PAYDESK_MODE="sandbox",  # type: ignore[call-arg]
                                       PAYDESK_TIMEZONE="Europe/Berlin"))
    with services.uow() as uow:
        present = uow.session.execute(select(func.count()).select_from(Order)).scalar_one()
    if present == 0:
        from services.demo.data import seed_demo_data

        began = time.perf_counter()
        seed_demo_data(services, orders=size, days=DAYS, seed=SEED)
        print(f"<!-- seeded {size:,} orders in {time.perf_counter() - began:.0f} s -->")
        if services.engine.dialect.name == "postgresql":
            with services.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE orders"))
    return services


def _typical_filters(services: Services) -> list[tuple[str, OrderFilters, str]]:
    with services.uow() as uow:
        newest = uow.session.execute(select(func.max(Order.created_at))).scalar_one()
        sample = uow.session.execute(
            select(Order.merchant_order_id, Order.customer_email, Order.provider_order_id)
            .order_by(Order.id).offset(12_345 % max(1, services_count(services))).limit(1)
        ).one()
    zone = services.settings.zone
    today = newest.astimezone(zone).date()
    return [
        ("all orders, newest first", OrderFilters(), "newest"),
        ("PAID, last 30 days", OrderFilters(statuses=("PAID",), date_from=today - timedelta(29),
                                            date_to=today), "newest"),
        ("USDT, last 7 days, largest first",
         OrderFilters(currencies=("USDT",), date_from=today - timedelta(6), date_to=today),
         "amount_desc"),
        ("EXPIRED + CANCELED, oldest first", OrderFilters(statuses=("EXPIRED", "CANCELED")),
         "oldest"),
        ("one day, amount 100–500", OrderFilters(date_from=today, date_to=today,
                                                  amount_min=Decimal(100),
                                                  amount_max=Decimal(500)), "newest"),
        ("merchantTradeNo exact", OrderFilters(text=sample[0]), "newest"),
        ("prepayId prefix", OrderFilters(text=(sample[2] or sample[0])[:12]), "newest"),
        ("customer e-mail prefix", OrderFilters(text=(sample[1] or "a")[:6]), "newest"),
    ]


def services_count(services: Services) -> int:
    with services.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(Order)).scalar_one())


def bench_first_pages(services: Services, size: int, label: str) -> None:
    for name, filters, sort in _typical_filters(services):
        search_orders(services, VIEWER, filters=filters, sort=sort, page_size=50)  # warm
        seconds = _median_seconds(lambda f=filters, s=sort: search_orders(
            services, VIEWER, filters=f, sort=s, page_size=50))
        print(f"| {label} | {size:,} | first page: {name} | {seconds:.4f} s |")


def bench_export(services: Services, rows: int, label: str) -> None:
    """Our streamed CSV export against: the same rows fetched raw + pyarrow.csv.write_csv."""
    with services.uow() as uow:
        edge = uow.session.execute(
            select(Order.created_at).order_by(Order.created_at, Order.id).offset(rows - 1).limit(1)
        ).scalar()
    filters = OrderFilters()
    if edge is not None:
        # The oldest `rows` orders, as a filter a person could type: up to the edge's second.
        local = (edge + timedelta(seconds=1)).astimezone(services.settings.zone)
        filters = OrderFilters(date_from=datetime(2000, 1, 1).date(), date_to=local.date(),
                               time_to=local.time().replace(second=0, microsecond=0))
    criteria = filters.criteria(services.settings.zone)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "orders.csv"
        began = time.perf_counter()
        with out.open("wb") as handle:
            result = export_orders(services, VIEWER, filters=filters, fmt="csv", out=handle)
        ours = time.perf_counter() - began
        size_mb = out.stat().st_size / 1e6  # float-ok: display only

    columns = q.order_columns(DEFAULT_COLUMNS)
    statement = select(*columns).where(q.where_clause(criteria, services.engine.dialect.name))
    statement = statement.order_by(Order.created_at, Order.id)  # type: ignore[arg-type]
    compiled = statement.compile(dialect=services.engine.dialect,
                                 compile_kwargs={"literal_binds": True})
    began = time.perf_counter()
    with services.engine.connect() as connection:
        raw = connection.exec_driver_sql(str(compiled)).fetchall()
    fetched = time.perf_counter() - began
    began = time.perf_counter()
    table = pa.table({name: pa.array([r[i] for r in raw])
                      for i, name in enumerate(DEFAULT_COLUMNS)})
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    written = time.perf_counter() - began
    arrow = fetched + written
    print(f"| {label} | {result.rows:,} | export CSV (service, streamed, {size_mb:.0f} MB) "
          f"| {ours:.2f} s |")
    print(f"| {label} | {len(raw):,} | raw fetch {fetched:.2f} s + pyarrow write_csv "
          f"{written:.2f} s | {arrow:.2f} s |")
    print(f"| {label} | {result.rows:,} | export ÷ raw Arrow (fetch + write) | "
          f"{ours / arrow:.2f}× |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=os.environ.get("PAYDESK_ORDERS_BENCH_SIZES", "1000000"))
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    postgres = os.environ.get("BENCH_DATABASE_URL", "")
    stores = [("SQLite", None)] + ([("PostgreSQL", postgres)]
                                   if postgres.startswith("postgresql") else [])
    print(f"<!-- orders bench {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; medians of 5 -->")
    print("| store | orders | what | time |")
    print("|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",") if s.strip()):
        for label, url in stores:
            services = _store(size, url)
            bench_first_pages(services, size, label)
            if size >= args.export_rows:
                bench_export(services, args.export_rows, label)
            services.engine.dispose()


if __name__ == "__main__":
    main()
