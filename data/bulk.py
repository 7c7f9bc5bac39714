"""Bulk writers for large loads (demo data, imports), bypassing per-row ORM work.

Callers hand over whole columns as numpy arrays in one canonical in-memory form, whatever the
database:

- `Money` columns: int64 amounts scaled by 10**8 (the same integer `data.types.to_scaled_int`
  gives for the Decimal);
- `DateTime` columns: int64 microseconds since the Unix epoch, UTC;
- integer columns: int64; boolean columns: bool;
- string columns: an object or unicode array of `str` (None allowed in object arrays).

`NULL` in an int64 column (money, datetime, integer) is `NULL_INT`. The writers produce exactly the
values SQLAlchemy itself stores (scaled integers and '%Y-%m-%d %H:%M:%S.%f' text on SQLite; NUMERIC
and timestamptz on PostgreSQL), so ORM reads of bulk-written rows are indistinguishable from rows
the ORM wrote. Nothing here commits: the caller's transaction decides.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import Boolean, DateTime, Integer, Table, func, select, text
from sqlalchemy.engine import Connection

from data.types import MONEY_SCALE, Money

NULL_INT = np.iinfo(np.int64).min
# Bounds the Python objects alive at once (~1 KB per order row as tuples).
CHUNK_ROWS = 100_000
_MONEY_FACTOR = 10**MONEY_SCALE


def next_id(connection: Connection, table: Table) -> int:
    """The first free primary key, so callers can link child rows before inserting."""
    current = connection.execute(select(func.max(table.c.id))).scalar_one()
    return int(current or 0) + 1


def sync_id_sequence(connection: Connection, table: Table) -> None:
    """After inserting explicit ids on PostgreSQL the SERIAL sequence must move past them."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(
        text(
            "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        ),
        {"table": table.name},
    )


def ensure_transaction(connection: Connection) -> None:
    """Make sure the caller's transaction is really open on the database.

    pysqlite (legacy transaction control) only emits BEGIN before INSERT/UPDATE/DELETE; reads and
    DDL before that run in autocommit, so a DROP INDEX would survive a rollback. BEGIN IMMEDIATE
    also takes the write lock up front, so checks made next cannot be overtaken by another writer.
    """
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    if not driver.in_transaction:  # type: ignore[union-attr]
        driver.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


@contextmanager
def rollback_journal_for_load(connection: Connection) -> Iterator[bool]:
    """On a SQLite file in WAL mode, use the rollback journal on this connection for one big
    load outside any transaction, then WAL again; yields whether it switched.

    In WAL every page of a load is written twice (to the WAL, then checkpointed into the file);
    with a rollback journal, pages appended to the file are not journaled, so loading an empty
    store writes them once (about 0.8 s of 10 s at 1M orders). Still all-or-nothing: a load cut
    short leaves a hot journal that the next opener rolls back, and every new connection sets
    WAL again (data.db). Leaving WAL needs the only open connection; when another one holds the
    file, nothing changes. Readers of the file wait for the load instead of reading around it.
    """
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield False
        return
    driver = connection.connection.driver_connection
    mode = str(driver.execute("PRAGMA journal_mode").fetchone()[0]).lower()  # type: ignore[union-attr]
    switched = False
    if mode == "wal":
        try:
            row = driver.execute("PRAGMA journal_mode=DELETE").fetchone()  # type: ignore[union-attr]
            switched = str(row[0]).lower() == "delete"
        except sqlite3.OperationalError:  # another connection has the file open
            switched = False
    try:
        yield switched
    finally:
        if switched:
            try:
                driver.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
            except sqlite3.Error:
                # Never hand a connection in the wrong mode back to the pool.
                connection.invalidate()
                raise


@contextmanager
def secondary_indexes_deferred(connection: Connection, table: Table) -> Iterator[list[str]]:
    """Drop the table's plain secondary indexes, yield their names, then rebuild them.

    Building an index once over sorted data beats maintaining it row by row: on 1M orders on
    SQLite this halves the load. Primary keys and unique indexes stay, so uniqueness is still
    checked during the load. The definitions are read from the database itself, so indexes added
    by later migrations are restored exactly. Runs inside the caller's transaction (DDL is
    transactional on SQLite and PostgreSQL); on an error the rollback brings them back.
    """
    ensure_transaction(connection)
    definitions = _secondary_indexes(connection, table)
    for name, _ in definitions:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield [name for name, _ in definitions]
    for _, definition in definitions:
        connection.exec_driver_sql(definition)


def _secondary_indexes(connection: Connection, table: Table) -> list[tuple[str, str]]:
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
            (table.name,),
        )
    elif connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = to_regclass(:table) AND NOT x.indisprimary "
                "AND NOT x.indisunique ORDER BY i.relname"
            ),
            {"table": table.name},
        )
    else:
        return []
    return [(str(name), str(definition)) for name, definition in rows]


def insert_columns(connection: Connection, table: Table, columns: Mapping[str, np.ndarray]) -> int:
    """Insert the rows given column-wise; returns the row count. Does not commit."""
    names = list(columns)
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"{table.name}: columns have different lengths {sorted(lengths)}")
    rows = lengths.pop() if lengths else 0
    if rows == 0:
        return 0
    unknown = [name for name in names if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {unknown}")
    dialect = connection.dialect.name
    if dialect == "sqlite":
        _insert_sqlite(connection, table, names, columns, rows)
    elif dialect == "postgresql" and connection.dialect.driver == "psycopg":
        _copy_postgresql(connection, table, names, columns, rows)
    else:
        raise NotImplementedError(
            f"bulk insert supports SQLite and PostgreSQL (psycopg), not {dialect}"
        )
    return rows


def _kind(table: Table, name: str) -> str:
    column_type = table.c[name].type
    if isinstance(column_type, Money):
        return "money"
    if isinstance(column_type, DateTime) or isinstance(
        getattr(column_type, "impl_instance", None), DateTime
    ):
        return "datetime"
    if isinstance(column_type, Boolean):
        return "bool"
    if isinstance(column_type, Integer):
        return "int"
    return "str"


def _chunks(rows: int) -> Iterator[slice]:
    for start in range(0, rows, CHUNK_ROWS):
        yield slice(start, min(start + CHUNK_ROWS, rows))


def _with_nulls(values: np.ndarray, as_list: list[Any]) -> list[Any]:
    nulls = np.flatnonzero(values == NULL_INT)
    for index in nulls.tolist():
        as_list[index] = None
    return as_list


def datetime_text(micros: np.ndarray, suffix: str = "") -> list[str | None]:
    """SQLAlchemy's SQLite DateTime text ('2026-01-01 12:00:00.000000'), vectorised."""
    safe = np.where(micros == NULL_INT, 0, micros)
    rendered = np.datetime_as_string(safe.astype("datetime64[us]"), unit="us")
    # Patch the ISO 'T' in place on the fixed-width character buffer instead of per string.
    chars = rendered.view("U1").reshape(len(rendered), -1)
    chars[:, 10] = " "
    as_list: list[Any] = rendered.tolist()
    if suffix:
        as_list = [value + suffix for value in as_list]
    return _with_nulls(micros, as_list)


def money_text(scaled: np.ndarray) -> list[str | None]:
    """Exact decimal text of scaled integers, for PostgreSQL NUMERIC."""
    safe = np.where(scaled == NULL_INT, 0, scaled)
    negative = safe < 0
    whole, frac = np.divmod(np.abs(safe), _MONEY_FACTOR)
    as_list: list[Any] = [
        f"{'-' if neg else ''}{w}.{f:0{MONEY_SCALE}d}"
        for neg, w, f in zip(negative.tolist(), whole.tolist(), frac.tolist(), strict=True)
    ]
    return _with_nulls(scaled, as_list)


def _python_column(kind: str, values: np.ndarray, *, postgres: bool) -> list[Any]:
    if kind == "datetime":
        return datetime_text(values, "+00" if postgres else "")
    if kind == "money":
        if postgres:
            return money_text(values)
        return _with_nulls(values, values.tolist())
    if kind == "int":
        return _with_nulls(values, values.tolist())
    if kind == "bool":
        return [bool(value) for value in values.tolist()]
    return values.tolist()


def _row_chunks(
    table: Table,
    names: Sequence[str],
    columns: Mapping[str, np.ndarray],
    rows: int,
    *,
    postgres: bool,
) -> Iterator[Iterator[tuple[Any, ...]]]:
    kinds = [_kind(table, name) for name in names]
    for part in _chunks(rows):
        converted = [
            _python_column(kind, np.asarray(columns[name][part]), postgres=postgres)
            for name, kind in zip(names, kinds, strict=True)
        ]
        # Lazily: each row tuple is made just before it is written and freed right after, so
        # a chunk never holds 100k tuples at once (less memory, far less cycle-collector work).
        yield zip(*converted, strict=True)


def _insert_sqlite(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    columns: Mapping[str, np.ndarray],
    rows: int,
) -> None:
    column_list = ", ".join(f'"{n}"' for n in names)
    placeholders = ", ".join("?" for _ in names)
    sql = f'INSERT INTO "{table.name}" ({column_list}) VALUES ({placeholders})'
    # The DBAPI cursor of the caller's connection keeps us inside its transaction.
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for chunk in _row_chunks(table, names, columns, rows, postgres=False):
            cursor.executemany(sql, chunk)
    finally:
        cursor.close()


def _copy_postgresql(
    connection: Connection,
    table: Table,
    names: Sequence[str],
    columns: Mapping[str, np.ndarray],
    rows: int,
) -> None:
    column_list = ", ".join(f'"{n}"' for n in names)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        with cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy:
            for chunk in _row_chunks(table, names, columns, rows, postgres=True):
                for row in chunk:
                    copy.write_row(row)
