"""neutral store: provider-neutral id columns, ids of 64, provider on batches and refunds,
the provider's own status beside ours, webhook deliveries without Binance-only columns

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Renamed (data kept): orders.merchant_trade_no -> merchant_order_id, orders.prepay_id and
direct_debits.prepay_id -> provider_order_id; webhook_deliveries.biz_type -> event_type,
biz_id_str -> provider_item_id, biz_status -> provider_status, certificate_sn -> signature_key_id.
Widened to 64: the merchant and provider ids that were 32 (Monetix and Juicyway ids are longer
than Binance's), and the webhook event type / status. New: `provider` on payout_batches and
refunds (existing rows: 'binance_pay', a refund its order's); nullable `provider_status` on the
items; nullable `kind` and `merchant_id` on webhook deliveries. Saved views and report schedules
name order columns in their parameters: those names follow.

Payout lines, direct debits and debit notices get no `provider`: each is sent only inside its
batch's or mandate's call, so a column of their own could only ever disagree with the parent.

Orders and refunds carry the day-total triggers of migration 0010. Recreating a SQLite table
(batch mode) would drop them, and with foreign keys on it cannot drop `orders` under its refunds
at all; so nothing here recreates a table. Renames are `ALTER TABLE ... RENAME COLUMN` on both
databases (SQLite >= 3.25 rewrites the triggers and indexes that name the column). SQLite has no
ALTER COLUMN TYPE; a VARCHAR(n) there is only a declared type with TEXT affinity whatever n is,
so widening rewrites the declared type in the table's schema text (the documented
writable_schema procedure for changes that leave the stored rows as they are).
"""
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, old name, new name)
_RENAMES = (
    ("orders", "merchant_trade_no", "merchant_order_id"),
    ("orders", "prepay_id", "provider_order_id"),
    ("direct_debits", "prepay_id", "provider_order_id"),
    ("webhook_deliveries", "biz_type", "event_type"),
    ("webhook_deliveries", "biz_id_str", "provider_item_id"),
    ("webhook_deliveries", "biz_status", "provider_status"),
    ("webhook_deliveries", "certificate_sn", "signature_key_id"),
)

# (table, column after the rename, old length, new length)
_WIDENED = (
    ("orders", "merchant_order_id", 32, 64),
    ("orders", "provider_order_id", 32, 64),
    ("direct_debits", "provider_order_id", 32, 64),
    ("payout_lines", "merchant_send_id", 32, 64),
    ("debit_notices", "merchant_request_id", 32, 64),
    ("webhook_deliveries", "event_type", 32, 64),
    ("webhook_deliveries", "provider_status", 32, 64),
)

# PostgreSQL names its unique constraints after the column: (table, old, new).
_PG_UNIQUE = (
    ("orders", "orders_merchant_trade_no_key", "orders_merchant_order_id_key"),
    ("orders", "orders_prepay_id_key", "orders_provider_order_id_key"),
)
# Prefix-search indexes of migration 0003 (PostgreSQL only).
_PG_PATTERN = (
    ("ix_orders_merchant_trade_no_pattern", "ix_orders_merchant_order_id_pattern"),
    ("ix_orders_prepay_id_pattern", "ix_orders_provider_order_id_pattern"),
)

_PROVIDER_STATUS_TABLES = (
    "orders", "refunds", "payout_batches", "payout_lines", "mandates", "direct_debits",
)
_PROVIDER_TABLES = ("payout_batches", "refunds")
# Saved views and report schedules keep order columns by name in their JSON parameters.
_PARAMS = (("saved_views", "params_json"), ("report_schedules", "params_json"))
_PARAM_WORDS = (("merchant_trade_no", "merchant_order_id"), ("prepay_id", "provider_order_id"))


def _rename_in_params(forward: bool) -> None:
    for table, column in _PARAMS:
        value = column
        for old, new in _PARAM_WORDS:
            value = f"replace({value}, '{old if forward else new}', '{new if forward else old}')"
        op.execute(f"UPDATE {table} SET {column} = {value}")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _rename_column(table: str, old: str, new: str) -> None:
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {old} TO {new}")


def _sqlite_declared_lengths(table: str, changes: dict[str, tuple[int, int]]) -> None:
    """Rewrite `column VARCHAR(old)` to `column VARCHAR(new)` in one table's CREATE text."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    for column, (old, new) in changes.items():
        pattern = re.compile(rf'((?<![\w"`\[])["`\[]?{column}["`\]]?\s+)VARCHAR\({old}\)',
                             re.IGNORECASE)
        sql, count = pattern.subn(rf"\g<1>VARCHAR({new})", sql)
        if count != 1:
            raise RuntimeError(f"{table}.{column}: expected one VARCHAR({old}), found {count}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?", (sql, table)
        )
        # A new schema version makes every connection (this one too) read the schema again.
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _set_lengths(widen: bool) -> None:
    by_table: dict[str, dict[str, tuple[int, int]]] = {}
    for table, column, old, new in _WIDENED:
        by_table.setdefault(table, {})[column] = (old, new) if widen else (new, old)
    for table, changes in by_table.items():
        if _postgres():
            # Widening a varchar is a catalog change on PostgreSQL (no table rewrite).
            alters = ", ".join(f"ALTER COLUMN {c} TYPE VARCHAR({to})"
                               for c, (_, to) in changes.items())
            op.execute(f"ALTER TABLE {table} {alters}")
        else:
            _sqlite_declared_lengths(table, changes)


def _refuse_longer_ids() -> None:
    """Downgrade only while every id fits the old column: checked before anything changes (on
    SQLite each ALTER is committed at once, so a refusal half-way would leave a mixed shape)."""
    for table, column, old, _ in _WIDENED:
        longer = op.get_bind().exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE length({column}) > {old}").scalar_one()
        if longer:
            raise RuntimeError(f"{table}.{column}: {longer} values are longer than {old}; "
                               "they cannot go back to the old shape")


def upgrade() -> None:
    postgres = _postgres()
    for table, old, new in _RENAMES:
        _rename_column(table, old, new)
    _set_lengths(widen=True)
    if postgres:
        for table, old, new in _PG_UNIQUE:
            op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {old} TO {new}")
        for old, new in _PG_PATTERN:
            op.execute(f"ALTER INDEX {old} RENAME TO {new}")
        op.execute("ALTER INDEX ix_webhook_deliveries_biz RENAME TO ix_webhook_deliveries_event")
    else:
        # SQLite cannot rename an index; this one is small (one row per delivery).
        op.drop_index("ix_webhook_deliveries_biz", table_name="webhook_deliveries")
        op.create_index("ix_webhook_deliveries_event", "webhook_deliveries",
                        ["event_type", "provider_item_id"], unique=False)

    for table in _PROVIDER_TABLES:
        # The server default fills the existing rows (and rows an older build still writes
        # during a deploy); the application always sets the provider itself.
        op.add_column(table, sa.Column("provider", sa.String(length=16), nullable=False,
                                       server_default="binance_pay"))
    # A refund is its order's provider's (the refund day-total triggers do not watch this column).
    op.execute("UPDATE refunds SET provider = (SELECT o.provider FROM orders o "
               "WHERE o.id = refunds.order_id) WHERE EXISTS (SELECT 1 FROM orders o "
               "WHERE o.id = refunds.order_id AND o.provider <> refunds.provider)")
    for table in _PROVIDER_STATUS_TABLES:
        # Left empty for existing rows: their `status` may be PayDesk's own word (UNKNOWN,
        # CREATING...), not the provider's; the next query or notification fills it.
        op.add_column(table, sa.Column("provider_status", sa.String(length=64), nullable=True))

    op.add_column("webhook_deliveries", sa.Column("kind", sa.String(length=16), nullable=True))
    op.add_column("webhook_deliveries",
                  sa.Column("merchant_id", sa.String(length=64), nullable=True))
    op.create_index("ix_webhook_deliveries_kind_merchant", "webhook_deliveries",
                    ["kind", "merchant_id"], unique=False)
    _rename_in_params(forward=True)


def downgrade() -> None:
    postgres = _postgres()
    _refuse_longer_ids()
    _rename_in_params(forward=False)
    op.drop_index("ix_webhook_deliveries_kind_merchant", table_name="webhook_deliveries")
    # Plain ALTER TABLE DROP COLUMN (PostgreSQL; SQLite >= 3.35): none of these is indexed or
    # named by a trigger, so no table is recreated.
    op.execute("ALTER TABLE webhook_deliveries DROP COLUMN merchant_id")
    op.execute("ALTER TABLE webhook_deliveries DROP COLUMN kind")
    for table in reversed(_PROVIDER_STATUS_TABLES):
        op.execute(f"ALTER TABLE {table} DROP COLUMN provider_status")
    for table in reversed(_PROVIDER_TABLES):
        op.execute(f"ALTER TABLE {table} DROP COLUMN provider")

    if postgres:
        op.execute("ALTER INDEX ix_webhook_deliveries_event RENAME TO ix_webhook_deliveries_biz")
        for old, new in _PG_PATTERN:
            op.execute(f"ALTER INDEX {new} RENAME TO {old}")
        for table, old, new in _PG_UNIQUE:
            op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {new} TO {old}")
    else:
        op.drop_index("ix_webhook_deliveries_event", table_name="webhook_deliveries")
        op.create_index("ix_webhook_deliveries_biz", "webhook_deliveries",
                        ["event_type", "provider_item_id"], unique=False)
    _set_lengths(widen=False)
    for table, old, new in reversed(_RENAMES):
        _rename_column(table, new, old)
