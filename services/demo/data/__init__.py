"""Deterministic, realistic demo data: `seed_demo_data` fills an empty store in one transaction.

Generation is pure numpy (`generate`), writing goes through `data.bulk` (raw executemany on
SQLite, COPY on PostgreSQL). Same arguments and the same clock give identical rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date

from data.bulk import ensure_transaction, rollback_journal_for_load
from data.queries import day_totals
from data import migrate
from services.core.context import Services
from services.demo.data.generate import generate
from services.demo.data.writer import has_orders, write
from services.core.errors import ConfigurationError, ConflictError, InputError

__all__ = ["SeedReport", "seed_demo_data", "store_has_orders"]


@dataclass(frozen=True)
class SeedReport:
    orders: int = 0
    refunds: int = 0
    payout_batches: int = 0
    payout_lines: int = 0
    mandates: int = 0
    direct_debits: int = 0
    seconds: float = 0.0  # float-ok: elapsed wall time, not money
    skipped: bool = False
    message: str = ""


def store_has_orders(services: Services) -> bool:
    with services.engine.connect() as connection:
        return has_orders(connection)


def seed_demo_data(
    services: Services,
    *,
    orders: int,
    days: int,
    seed: int,
    end: date | None = None,
    if_empty: bool = False,
) -> SeedReport:
    """Seed the D days ending at `end` (default: today, UTC) with about `orders` orders.

    Refuses (ConflictError) when the store already has orders, unless `if_empty`, which makes it a
    no-op. Either everything is written or nothing is.
    """
    started = time.perf_counter()
    if orders < 0 or days < 1 or seed < 0:
        raise InputError("orders and seed must be >= 0 and days >= 1", field="orders/days/seed")
    if not migrate.is_up_to_date(services.engine):
        raise ConfigurationError(
            "the store is not migrated to the current schema; run `paydesk db upgrade` first"
        )
    now = services.now().astimezone(UTC)
    end = end or now.date()
    if end > now.date():
        raise InputError(f"--end {end.isoformat()} is in the future", field="end", value=end)
    if store_has_orders(services):
        if if_empty:
            return SeedReport(
                skipped=True,
                seconds=time.perf_counter() - started,
                message="the store already has orders; nothing seeded",
            )
        raise ConflictError(
            "the store already has orders; seed only an empty store (or pass --if-empty to skip)"
        )
    data = generate(orders=orders, days=days, seed=seed, end=end, now=now)
    facts = {"orders_requested": orders, "days": days, "seed": seed, "end": end.isoformat()}
    with services.engine.connect() as connection, rollback_journal_for_load(connection):
        with connection.begin():
            ensure_transaction(connection)
            # Checked again inside the transaction: another process may have seeded meanwhile.
            if has_orders(connection):
                raise ConflictError(
                    "the store received orders while seeding; nothing was written"
                )
            if day_totals.recorded_zone(connection) != services.settings.zone.key:
                # The store has no orders yet: moving its day totals to our zone costs nothing,
                # and the load then sums them for the zone the Overview will ask for.
                day_totals.rebuild(connection, services.settings.zone)
            counts = write(connection, data, facts=facts, now=now)
    elapsed = time.perf_counter() - started
    return SeedReport(
        **counts, seconds=elapsed, message=f"seeded {counts['orders']} orders in {elapsed:.1f} s"
    )
