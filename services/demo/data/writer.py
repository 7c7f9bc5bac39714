"""Writes a generated data set into the store in one transaction, or not at all."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from data import bulk
from data.models import AppMeta, Order
from data.queries import day_totals
from services.demo.data.tables import FOREIGN_KEYS, TABLE_ORDER, DemoData

META_KEY = "demo_data"
# Below this many rows, rebuilding indexes costs more than maintaining them (measured on SQLite).
DEFER_INDEXES_FROM_ROWS = 50_000


def has_orders(connection: Connection) -> bool:
    return connection.execute(select(Order.id).limit(1)).first() is not None


def write(
    connection: Connection, data: DemoData, *, facts: dict[str, object], now: datetime
) -> dict[str, int]:
    """Insert every table of `data` on the caller's connection/transaction; returns row counts."""
    tables = SQLModel.metadata.tables
    shifts: dict[str, int] = {}
    counts: dict[str, int] = {}
    for name in TABLE_ORDER:
        columns = data.tables.get(name)
        table = tables[name]
        if not columns:
            counts[name] = 0
            continue
        # Existing rows (e.g. a payout made before any order) keep their ids; ours go after them.
        shifts[name] = bulk.next_id(connection, table) - 1
        shifted = dict(columns)
        shifted["id"] = columns["id"] + shifts[name]
        for column, parent in FOREIGN_KEYS.get(name, {}).items():
            shifted[column] = columns[column] + shifts[parent]
        with day_totals.triggers_deferred(connection, table):
            if len(shifted["id"]) >= DEFER_INDEXES_FROM_ROWS:
                with bulk.secondary_indexes_deferred(connection, table):
                    counts[name] = bulk.insert_columns(connection, table, shifted)
            else:
                counts[name] = bulk.insert_columns(connection, table, shifted)
        bulk.sync_id_sequence(connection, table)
    # The day totals were not kept row by row during the load: sum them once, in bulk.
    day_totals.refill(connection, ZoneInfo(day_totals.recorded_zone(connection)))
    connection.execute(delete(AppMeta).where(AppMeta.key == META_KEY))
    connection.execute(
        insert(AppMeta).values(
            key=META_KEY,
            value=json.dumps({**facts, **counts}, sort_keys=True)[:512],
            updated_at=now,
        )
    )
    return counts
