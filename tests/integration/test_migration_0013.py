"""Migration 0013 (neutral store) moves real rows up and down on each database.

This file names the old columns on purpose: /work/wt/neutral_rename.sh leaves it alone.

A store at 0012 is filled the way the Binance-only build wrote it; after the upgrade every value
is under its neutral name, ids take 64 characters, batches and refunds know their provider, and
the day-total triggers of 0010 still keep the totals (`rollups check`). The downgrade restores the
old names and lengths with the data, and refuses while an id longer than the old column is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, inspect, select, text, update

from data import migrate
from data.models import Order, Refund
from services.core.access import Actor
from services.entrypoints.bootstrap import build_services
from services.orders import rollups
from tests.conftest import settings_for, throwaway_postgres_database

VIEWER = Actor(user_id=None, username="migration-test", role="viewer")
AT = "2026-11-30 10:00:00"
LONG_ID = "jw_" + "9" * 61  # 64 characters: a Juicyway-sized id


@pytest.fixture(params=["sqlite", "postgresql"])
def url_at_0012(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm13.db'}"
        migrate.upgrade(url, "0012")
        yield url
        return
    with throwaway_postgres_database("paydesk_m13", migrated=False) as url:
        migrate.upgrade(url, "0012")
        yield url


_OLD_ROWS = [
    "INSERT INTO users (id, username, display_name, role, totp_required, disabled, "
    "failed_attempts, created_at) VALUES (1, 'ann', 'Ann', 'admin', false, false, 0, :at)",
    "INSERT INTO orders (id, merchant_trade_no, prepay_id, transaction_id, provider, amount, "
    "currency, status, product_name, refunded_amount, created_at, updated_at) VALUES "
    "(1, 'PD2026113000000001', '298374659283746592', 'T1', 'binance_pay', 25.5, 'USDT', 'PAID', "
    "'tea', 5, :at, :at), "
    "(2, 'PD2026113000000002', NULL, NULL, 'binance_pay', 10, 'USDT', 'INITIAL', 'cup', 0, :at, :at)",
    "INSERT INTO refunds (id, order_id, refund_request_id, provider_refund_id, amount, currency, "
    "reason, status, created_at, updated_at) VALUES (1, 1, 'RF1', '77001', 5, 'USDT', 'other', "
    "'SUCCESS', :at, :at)",
    "INSERT INTO payout_batches (id, request_id, batch_name, currency, total_amount, line_count, "
    "status, created_at, updated_at) VALUES (1, 'PB1', 'november', 'USDT', 12, 1, 'SUCCESS', "
    ":at, :at)",
    "INSERT INTO payout_lines (id, batch_id, file_line, merchant_send_id, receive_type, receiver, "
    "amount, currency, status, provider_order_id, updated_at) VALUES (1, 1, 1, 'PL1', "
    "'BINANCE_ID', '123456', 12, 'USDT', 'SUCCESS', 'PO1', :at)",
    "INSERT INTO mandates (id, merchant_contract_code, contract_id, provider, service_name, "
    "single_upper_limit, currency, periodic, status, created_at, updated_at) VALUES "
    "(1, 'MC1', '5001', 'binance_pay', 'box', 50, 'USDT', true, 'SIGNED', :at, :at)",
    "INSERT INTO debit_notices (id, mandate_id, merchant_request_id, estimated_amount, currency, "
    "status, created_at) VALUES (1, 1, 'DN1', 20, 'USDT', 'SENT', :at)",
    "INSERT INTO direct_debits (id, mandate_id, merchant_request_id, provider_pay_id, prepay_id, "
    "notice_id, amount, currency, product_name, status, created_at, updated_at) VALUES "
    "(1, 1, 'DD1', 'PAYID1', '398374659283746592', 1, 20, 'USDT', 'box', 'SUCCESS', :at, :at)",
    "INSERT INTO saved_views (id, user_id, page, name, params_json, created_at, updated_at) "
    "VALUES (1, 1, 'orders', 'mine', '{\"cols\": \"merchant_trade_no,prepay_id,amount\"}', "
    ":at, :at)",
    "INSERT INTO report_schedules (id, report, time_of_day, params_json, active, created_by, "
    "created_at) VALUES (1, 'orders', '06:00', '{\"columns\": [\"merchant_trade_no\"]}', "
    "true, 'ann', :at)",
    "INSERT INTO webhook_deliveries (id, provider, biz_type, biz_id_str, biz_status, "
    "certificate_sn, nonce, timestamp_ms, headers_json, body, signature_valid, outcome, "
    "received_at) VALUES (1, 'binance_pay', 'PAY', '298374659283746592', 'PAY_SUCCESS', "
    "'abc123', 'n1', 1795000000123, '{}', '{\"bizType\":\"PAY\"}', true, 'applied', :at)",
]


def _fill_old_shape(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in _OLD_ROWS:
                connection.execute(text(statement), {"at": AT})
            if engine.dialect.name == "postgresql":  # explicit ids above: move the sequences on
                for table in ("users", "orders", "refunds", "payout_batches", "payout_lines",
                              "mandates", "debit_notices", "direct_debits", "webhook_deliveries"):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))
    finally:
        engine.dispose()


def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]
    finally:
        engine.dispose()


def _lengths(url: str, table: str) -> dict[str, int | None]:
    engine = create_engine(url)
    try:
        return {c["name"]: getattr(c["type"], "length", None)
                for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _totals_match_rows(url: str) -> bool:
    services = build_services(settings_for(url))
    try:
        return rollups.check(services, VIEWER).ok
    finally:
        services.engine.dispose()


def _integrity(url: str) -> None:
    if url.startswith("sqlite"):
        assert _rows(url, "PRAGMA integrity_check") == [("ok",)]


def test_0013_moves_real_rows_up_and_down(url_at_0012: str) -> None:
    url = url_at_0012
    _fill_old_shape(url)
    assert _totals_match_rows(url)

    migrate.upgrade(url)
    _integrity(url)
    assert _rows(url, "SELECT id, merchant_order_id, provider_order_id, provider_status "
                      "FROM orders ORDER BY id") == [
        (1, "PD2026113000000001", "298374659283746592", None),
        (2, "PD2026113000000002", None, None)]
    assert _rows(url, "SELECT provider_order_id, provider_status FROM direct_debits") == [
        ("398374659283746592", None)]
    assert _rows(url, "SELECT provider, provider_status FROM refunds") == [("binance_pay", None)]
    assert _rows(url, "SELECT provider, provider_status FROM payout_batches") == [
        ("binance_pay", None)]
    assert _rows(url, "SELECT provider_status FROM payout_lines") == [(None,)]
    assert _rows(url, "SELECT provider_status FROM mandates") == [(None,)]
    assert _rows(url, "SELECT event_type, provider_item_id, provider_status, signature_key_id, "
                      "kind, merchant_id, timestamp_ms FROM webhook_deliveries") == [
        ("PAY", "298374659283746592", "PAY_SUCCESS", "abc123", None, None, 1795000000123)]
    assert _rows(url, "SELECT params_json FROM saved_views") == [
        ('{"cols": "merchant_order_id,provider_order_id,amount"}',)]
    assert _rows(url, "SELECT params_json FROM report_schedules") == [
        ('{"columns": ["merchant_order_id"]}',)]
    for table, column in (("orders", "merchant_order_id"), ("orders", "provider_order_id"),
                          ("direct_debits", "provider_order_id"),
                          ("payout_lines", "merchant_send_id"),
                          ("debit_notices", "merchant_request_id"),
                          ("webhook_deliveries", "event_type")):
        assert _lengths(url, table)[column] == 64, (table, column)
    engine = create_engine(url)
    try:
        names = {ix["name"] for ix in inspect(engine).get_indexes("orders")}
        names |= {uq["name"] for uq in inspect(engine).get_unique_constraints("orders")}
        names |= {ix["name"] for ix in inspect(engine).get_indexes("webhook_deliveries")}
    finally:
        engine.dispose()
    assert not {n for n in names if n and ("prepay" in n or "trade_no" in n or "biz" in n)}
    # The triggers survived the renames: the totals still equal the rows after the upgrade
    # and follow new writes through the ORM, with ids no Binance column could hold.
    assert _totals_match_rows(url)
    services = build_services(settings_for(url))
    try:
        with services.uow() as uow:
            uow.session.add(Order(merchant_order_id=LONG_ID, provider_order_id=LONG_ID,
                                  provider="juicyway", amount=Decimal("7.25"), currency="NGN",
                                  status="PAID", provider_status="captured",
                                  created_at=datetime(2026, 11, 30, 12, tzinfo=UTC)))
            uow.session.execute(update(Order).where(Order.id == 2).values(status="EXPIRED"))
            uow.session.add(Refund(order_id=1, refund_request_id="RF2", amount=Decimal("1"),
                                   currency="USDT", reason="other", status="PENDING"))
            uow.commit()
        assert rollups.check(services, VIEWER).ok
        with services.uow() as uow:
            long = uow.session.exec(select(Order).where(Order.merchant_order_id == LONG_ID)).one()
            assert long[0].provider_order_id == LONG_ID
            assert uow.session.exec(select(Refund).where(Refund.refund_request_id == "RF2")
                                    ).one()[0].provider == "binance_pay"
    finally:
        services.engine.dispose()

    # Down: refused while an id longer than the old 32 is stored...
    with pytest.raises(Exception, match="(?i)too long|longer than"):
        migrate.downgrade(url, "0012")
    services = build_services(settings_for(url))
    try:
        with services.uow() as uow:
            uow.session.execute(delete(Order).where(Order.merchant_order_id == LONG_ID))
            uow.commit()
    finally:
        services.engine.dispose()
    # ...and otherwise restores the old shape with the data.
    migrate.downgrade(url, "0012")
    _integrity(url)
    assert _rows(url, "SELECT id, merchant_trade_no, prepay_id, status FROM orders ORDER BY id") == [
        (1, "PD2026113000000001", "298374659283746592", "PAID"),
        (2, "PD2026113000000002", None, "EXPIRED")]
    assert _rows(url, "SELECT prepay_id FROM direct_debits") == [("398374659283746592",)]
    assert _rows(url, "SELECT biz_type, biz_id_str, biz_status, certificate_sn "
                      "FROM webhook_deliveries") == [
        ("PAY", "298374659283746592", "PAY_SUCCESS", "abc123")]
    assert _rows(url, "SELECT params_json FROM saved_views") == [
        ('{"cols": "merchant_trade_no,prepay_id,amount"}',)]
    assert _rows(url, "SELECT params_json FROM report_schedules") == [
        ('{"columns": ["merchant_trade_no"]}',)]
    assert "provider" not in _lengths(url, "refunds")
    assert "provider" not in _lengths(url, "payout_batches")
    assert "kind" not in _lengths(url, "webhook_deliveries")
    for table, column in (("orders", "merchant_trade_no"), ("orders", "prepay_id"),
                          ("direct_debits", "prepay_id"), ("payout_lines", "merchant_send_id"),
                          ("debit_notices", "merchant_request_id"),
                          ("webhook_deliveries", "biz_type")):
        assert _lengths(url, table)[column] == 32, (table, column)
    # The 0010 triggers still keep the totals on the old shape: write with plain SQL.
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO orders (merchant_trade_no, provider, amount, currency, status, "
                "product_name, refunded_amount, created_at, updated_at) VALUES "
                "('BACK1', 'binance_pay', 3, 'USDT', 'PAID', '', 0, :at, :at)"), {"at": AT})
            connection.execute(text("DELETE FROM refunds WHERE refund_request_id = 'RF2'"))
    finally:
        engine.dispose()
    assert _totals_match_rows(url)  # reads only columns 0013 leaves alone

    migrate.upgrade(url)  # and up again over the restored rows
    assert _rows(url, "SELECT merchant_order_id FROM orders WHERE merchant_order_id = 'BACK1'") == [
        ("BACK1",)]
    assert _totals_match_rows(url)
