"""No page reads a whole big table to show its first screen (issue 18.3).

Every SELECT that the pages' services send for a first visit is captured and explained on a
seeded store of each kind. PostgreSQL: EXPLAIN ANALYZE counts the rows each scan of a big table
really read (returned plus filtered out); SQLite: EXPLAIN QUERY PLAN must not scan a big table
without an index, and the rows the statement steps through are counted with a progress handler.
A page query may read a small slice of a table, never most of it: that is what made the Payment
requests page take 40 s at 1M orders (its join walked every order looking for the few made in the
app). The orders count of whole-day filters comes from the day totals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.engine import Engine

from data.models import Order, User
from services.core import audit
from services.mandates import contracts as mandates
from services.refunds import listing as refund_list
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.demo.data import seed_demo_data
from services.orders.book import OrderFilters, count_orders, filter_choices, search_orders
from services.orders.overview import get_overview
from services.orders.payment_requests import recent_requests
from services.payouts import views as payout_views
from services.reconciliation import runs

ORDERS = 4000
END = date(2026, 11, 20)
BIG_TABLES = ("orders", "refunds", "payout_lines", "audit_entries", "webhook_deliveries",
              "direct_debits", "mandates")
# A page's query may read up to this share of a big table's rows (a month of a year's orders is
# ~8 %); a whole-table walk reads all of them.
MAX_SHARE = 0.25
# Generous for a wide row with joins; a walk over every order takes several steps per order.
STEPS_PER_ROW = 100
# A list may read a few rows per row it shows (joins, a sort before the limit).
ROWS_PER_ROW = 3
ADMIN = Actor(user_id=None, username="plans", role="admin")
APPROVER = Actor(user_id=None, username="plans", role="approver")


@pytest.fixture
def seeded(services: Services) -> Services:
    seed_demo_data(services, orders=ORDERS, days=365, seed=5, end=END)
    with services.uow() as uow:
        user = User(username="requester", role="operator")
        uow.session.add(user)
        uow.session.flush()
        # A few orders made on the Payment requests page, among thousands that were not.
        uow.session.execute(update(Order).where(Order.id.in_(range(1, ORDERS, 400)))  # type: ignore[union-attr]
                            .values(created_by_id=user.id))
        uow.commit()
    if services.engine.dialect.name == "postgresql":
        # What autovacuum does on a live server; PayDesk never runs ANALYZE on SQLite.
        with services.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    return services


def _page_calls(services: Services) -> dict[str, Callable[[], Any]]:
    start = date(2026, 10, 22)
    return {
        "overview, last 30 days": lambda: get_overview(services, ADMIN, start=start, end=END),
        "orders, first page": lambda: search_orders(
            services, ADMIN, filters=OrderFilters(), sort="newest", page_size=50),
        "orders, PAID last 30 days": lambda: search_orders(
            services, ADMIN, filters=OrderFilters(statuses=("PAID",), date_from=start,
                                                  date_to=END),
            sort="newest", page_size=50),
        "orders, e-mail prefix": lambda: search_orders(
            services, ADMIN, filters=OrderFilters(text="ali"), sort="newest",
            page_size=50),
        "orders, count": lambda: count_orders(services, ADMIN, filters=OrderFilters()),
        "orders, count PAID last 30 days": lambda: count_orders(
            services, ADMIN, filters=OrderFilters(statuses=("PAID",), date_from=start,
                                                  date_to=END)),
        "orders, filter choices": lambda: filter_choices(services, ADMIN),
        "payment requests, recent": lambda: recent_requests(services, ADMIN),
        "refunds, first page": lambda: refund_list.list_refunds(
            services, ADMIN, refund_list.RefundFilter(), limit=1000),
        "mandates": lambda: mandates.list_mandates(services, ADMIN, mandates.ListFilter(),
                                                   limit=200),
        "debits": lambda: mandates.list_debits(services, ADMIN, mandates.ListFilter(), limit=200),
        "payouts, uploads": lambda: payout_views.list_uploads(services, ADMIN, limit=50),
        "audit, first page": lambda: audit.search(services, APPROVER, audit.AuditFilter()),
        "reconciliation, runs": lambda: runs.list_runs(services, ADMIN),
    }


class _Captured:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, _conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def _captured(services: Services, call: Callable[[], Any]) -> list[tuple[str, Any]]:
    capture = _Captured(services.engine)
    event.listen(services.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(services.engine, "before_cursor_execute", capture)
    return capture.statements


def _table_rows(services: Services) -> dict[str, int]:
    with services.engine.connect() as connection:
        return {t: int(connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in BIG_TABLES}


def _postgres_rows_read(
    services: Services, statement: str, parameters: Any
) -> tuple[dict[str, int], int]:
    """Rows each big table's scans read (returned plus filtered out), and the rows returned."""
    with services.engine.connect() as connection:
        # Tables this small are cheaper to read whole (and to join whole), so the planner would
        # rightly read them whole here; without those plans it shows the path it takes at scale.
        for plan_kind in ("seqscan", "hashjoin", "mergejoin"):
            connection.exec_driver_sql(f"SET LOCAL enable_{plan_kind} = off")
        plan = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar_one()
        connection.rollback()
    if isinstance(plan, str):
        plan = json.loads(plan)
    read: dict[str, int] = {}

    def walk(node: dict[str, Any]) -> None:
        table = node.get("Relation Name")
        if table in BIG_TABLES:
            rows = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0) \
                + node.get("Rows Removed by Index Recheck", 0)
            read[table] = read.get(table, 0) + int(rows * node.get("Actual Loops", 1))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return read, int(plan[0]["Plan"].get("Actual Rows", 0))


def _sqlite_plan(services: Services, statement: str, parameters: Any) -> list[str]:
    with services.engine.connect() as connection:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return [row[-1] for row in rows]


def _sqlite_steps(services: Services, statement: str, parameters: Any) -> tuple[int, int]:
    """Virtual-machine steps the statement takes to run to its end, and the rows it returns: a
    walk over N rows takes several steps per row read, a read through an index some per row it
    returns."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    raw = services.engine.raw_connection()
    try:
        raw.driver_connection.set_progress_handler(tick, 1)  # type: ignore[union-attr]
        cursor = raw.cursor()
        cursor.execute(statement, parameters)
        returned = len(cursor.fetchall())
        raw.driver_connection.set_progress_handler(None, 1)  # type: ignore[union-attr]
    finally:
        raw.close()
    return steps[0], returned


def _problems(services: Services) -> Iterator[str]:
    sizes = _table_rows(services)
    assert sizes["orders"] >= ORDERS * 0.9 and sizes["refunds"] > 100
    postgres = services.engine.dialect.name == "postgresql"
    for page, call in _page_calls(services).items():
        statements = _captured(services, call)
        assert statements, f"{page}: no query captured"
        for statement, parameters in statements:
            where = f"{page}: {' '.join(statement.split())[:300]}"
            if postgres:
                read, returned = _postgres_rows_read(services, statement, parameters)
                for table, rows in read.items():
                    if rows > max(MAX_SHARE * sizes[table], ROWS_PER_ROW * returned):
                        yield f"{where}\n  reads {rows:,} of {sizes[table]:,} {table} rows"
                continue
            plan = _sqlite_plan(services, statement, parameters)
            for line in plan:
                scanned = re.match(r"SCAN (\w+)", line)
                if scanned and scanned.group(1) in BIG_TABLES and "INDEX" not in line:
                    yield f"{where}\n  full scan: {line}"
            steps, returned = _sqlite_steps(services, statement, parameters)
            if steps > max(sizes["orders"] * 2, returned * STEPS_PER_ROW):
                yield (f"{where}\n  {steps:,} VM steps for {returned:,} rows out of "
                       f"{sizes['orders']:,} orders: {plan}")


def test_first_visit_queries_read_a_slice_not_the_table(seeded: Services) -> None:
    problems = list(_problems(seeded))
    assert not problems, "\n".join(problems)
