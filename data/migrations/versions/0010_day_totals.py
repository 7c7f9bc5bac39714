"""order and refund totals per local day, kept by triggers in the writing transaction

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

The Overview sums these rows instead of every order. Triggers keep them in the same transaction
as each insert, update or delete of an order or refund, whichever code path writes it. Days are
local days in one zone, recorded in app_meta under 'rollup_zone' (UTC when absent); on SQLite,
which has no zone database, `rollup_zone_offsets` holds that zone's UTC offsets from each moment
on. `paydesk rollups rebuild` moves them to another zone.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import data.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, totals table, key columns besides the day, count column, changed columns)
_ROLLUPS = (
    ("orders", "order_day_totals", ("provider", "currency", "status"), "orders"),
    ("refunds", "refund_day_totals", ("currency", "status"), "refunds"),
)
_WATCHED = ("created_at", "amount")


def _sqlite_day(row: str) -> str:
    return (f"date({row}.created_at, coalesce((SELECT offset_minutes FROM rollup_zone_offsets "
            f"WHERE starts_at <= {row}.created_at ORDER BY starts_at DESC LIMIT 1), 0) "
            "|| ' minutes')")


def _sqlite_triggers(table: str, totals: str, keys: tuple[str, ...], count: str) -> list[str]:
    columns = ", ".join(keys)
    match_old = " AND ".join(f"{k} = OLD.{k}" for k in keys)
    add_new = (
        f"INSERT INTO {totals} (day, {columns}, {count}, amount) VALUES ({_sqlite_day('NEW')}, "
        + ", ".join(f"NEW.{k}" for k in keys) + ", 1, NEW.amount) "
        f"ON CONFLICT (day, {columns}) DO UPDATE SET {count} = {count} + 1, "
        "amount = amount + excluded.amount;"
    )
    take_old = (f"UPDATE {totals} SET {count} = {count} - 1, amount = amount - OLD.amount "
                f"WHERE day = {_sqlite_day('OLD')} AND {match_old};")
    watched = (*_WATCHED, *keys)
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watched)
    return [
        f"CREATE TRIGGER {totals}_insert AFTER INSERT ON {table} BEGIN {add_new} END",
        f"CREATE TRIGGER {totals}_delete AFTER DELETE ON {table} BEGIN {take_old} END",
        f"CREATE TRIGGER {totals}_update AFTER UPDATE OF {', '.join(watched)} ON {table} "
        f"WHEN {changed} BEGIN {take_old} {add_new} END",
    ]


def _postgres_triggers(table: str, totals: str, keys: tuple[str, ...], count: str) -> list[str]:
    columns = ", ".join(keys)
    zone = "coalesce((SELECT value FROM app_meta WHERE key = 'rollup_zone'), 'UTC')"
    match_old = " AND ".join(f"{k} = OLD.{k}" for k in keys)
    watched = (*_WATCHED, *keys)
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in watched)
    function = f"""CREATE FUNCTION {totals}_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE zone text := {zone};
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE {totals} SET {count} = {count} - 1, amount = amount - OLD.amount
     WHERE day = (OLD.created_at AT TIME ZONE zone)::date AND {match_old};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    INSERT INTO {totals} AS t (day, {columns}, {count}, amount)
    VALUES ((NEW.created_at AT TIME ZONE zone)::date, {", ".join(f"NEW.{k}" for k in keys)},
            1, NEW.amount)
    ON CONFLICT (day, {columns}) DO UPDATE SET {count} = t.{count} + 1,
                                               amount = t.amount + EXCLUDED.amount;
  END IF;
  RETURN NULL;
END $$"""
    return [
        function,
        f"CREATE TRIGGER {totals}_insert AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {totals}_apply()",
        f"CREATE TRIGGER {totals}_update AFTER UPDATE OF {', '.join(watched)} ON {table} "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {totals}_apply()",
    ]


def _fill_utc(table: str, totals: str, keys: tuple[str, ...], count: str, postgres: bool) -> str:
    columns = ", ".join(keys)
    day = "(created_at AT TIME ZONE 'UTC')::date" if postgres else "date(created_at)"
    return (f"INSERT INTO {totals} (day, {columns}, {count}, amount) "
            f"SELECT {day}, {columns}, count(*), coalesce(sum(amount), 0) FROM {table} "
            f"GROUP BY {day}, {columns}")


def upgrade() -> None:
    money = data.types.Money(precision=38, scale=8)
    op.create_table(
        "order_day_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("amount", money, nullable=False),
        sa.PrimaryKeyConstraint("day", "provider", "currency", "status"),
    )
    op.create_table(
        "refund_day_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("refunds", sa.BigInteger(), nullable=False),
        sa.Column("amount", money, nullable=False),
        sa.PrimaryKeyConstraint("day", "currency", "status"),
    )
    op.create_table(
        "rollup_zone_offsets",
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("starts_at"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, totals, keys, count in _ROLLUPS:
        # Existing rows are summed per UTC day, the zone recorded when none is.
        op.execute(_fill_utc(table, totals, keys, count, postgres))
        make = _postgres_triggers if postgres else _sqlite_triggers
        for statement in make(table, totals, keys, count):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, totals, _, _ in _ROLLUPS:
        names = ("insert", "update") if postgres else ("insert", "delete", "update")
        for name in names:
            op.execute(f"DROP TRIGGER {totals}_{name}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION {totals}_apply()")
    op.execute("DELETE FROM app_meta WHERE key = 'rollup_zone'")
    op.drop_table("rollup_zone_offsets")
    op.drop_table("refund_day_totals")
    op.drop_table("order_day_totals")
