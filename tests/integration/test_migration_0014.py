"""Migration 0014 (the payer on orders) moves real rows up and down on each database.

Orders written before it keep everything and have no payer; a payer written after it survives
on its row; the downgrade drops only the four columns (orders, their refunds and the day-total
triggers of 0010 stay: no table is copied)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from data import migrate
from services.core.access import Actor
from services.entrypoints.bootstrap import build_services
from services.orders import rollups
from tests.conftest import settings_for, throwaway_postgres_database

VIEWER = Actor(user_id=None, username="migration-test", role="viewer")
AT = "2026-12-01 10:00:00"
PAYER = ("customer_first_name", "customer_last_name", "customer_phone", "customer_country")


@pytest.fixture(params=["sqlite", "postgresql"])
def url_at_0013(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'm14.db'}"
        migrate.upgrade(url, "0013")
        yield url
        return
    with throwaway_postgres_database("paydesk_m14", migrated=False) as url:
        migrate.upgrade(url, "0013")
        yield url


def _run(url: str, *statements: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            result: list[tuple] = []
            for statement in statements:
                rows = connection.execute(text(statement), {"at": AT})
                result = [tuple(r) for r in rows] if rows.returns_rows else []
            return result
    finally:
        engine.dispose()


def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("orders")}
    finally:
        engine.dispose()


def _totals_ok(url: str) -> bool:
    services = build_services(settings_for(url))
    try:
        return rollups.check(services, VIEWER).ok
    finally:
        services.engine.dispose()


def test_0014_adds_the_payer_and_gives_it_back(url_at_0013: str) -> None:
    url = url_at_0013
    _run(url,
         "INSERT INTO orders (id, merchant_order_id, provider_order_id, provider, amount, "
         "currency, status, customer_email, product_name, refunded_amount, created_at, "
         "updated_at) VALUES (1, 'PD1', '2983746592', 'binance_pay', 25.5, 'USDT', 'PAID', "
         "'a@example.com', 'tea', 5, :at, :at)",
         "INSERT INTO refunds (id, order_id, refund_request_id, amount, currency, reason, "
         "status, created_at, updated_at) VALUES (1, 1, 'RF1', 5, 'USDT', 'other', 'SUCCESS', "
         ":at, :at)")
    assert not set(PAYER) & _columns(url)

    migrate.upgrade(url, "0014")
    assert set(PAYER) <= _columns(url)
    assert _run(url, "SELECT merchant_order_id, amount, customer_email, customer_first_name, "
                     "customer_last_name, customer_phone, customer_country FROM orders") == [
        ("PD1", pytest.approx(25.5), "a@example.com", None, None, None, None)]
    _run(url,
         "INSERT INTO orders (id, merchant_order_id, provider_order_id, provider, amount, "
         "currency, status, customer_email, customer_first_name, customer_last_name, "
         "customer_phone, customer_country, product_name, refunded_amount, created_at, "
         "updated_at) VALUES (2, 'PD2', 'b1a3f0c2-5e1d-4c1e-9a57-0f0e7d1c2b3a', 'juicyway', "
         "12.5, 'NGN', 'PENDING', 't@example.com', 'Tolu', 'Adébáyọ̀', '+2348012345678', 'NG', "
         "'plan', 0, :at, :at)")
    assert _run(url, "SELECT customer_first_name, customer_last_name, customer_phone, "
                     "customer_country FROM orders WHERE id = 2") == [
        ("Tolu", "Adébáyọ̀", "+2348012345678", "NG")]
    assert _totals_ok(url)

    migrate.downgrade(url, "0013")
    assert not set(PAYER) & _columns(url)
    assert _run(url, "SELECT id, merchant_order_id, customer_email FROM orders ORDER BY id") == [
        (1, "PD1", "a@example.com"), (2, "PD2", "t@example.com")]
    assert _run(url, "SELECT order_id, amount FROM refunds") == [(1, pytest.approx(5))]
    assert _totals_ok(url)  # the 0010 triggers still keep the day totals
    if url.startswith("sqlite"):
        assert _run(url, "PRAGMA integrity_check") == [("ok",)]

    migrate.upgrade(url)
    assert set(PAYER) <= _columns(url)
    assert _run(url, "SELECT customer_first_name FROM orders ORDER BY id") == [(None,), (None,)]
