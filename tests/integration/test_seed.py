"""`paydesk seed` on real stores: bulk rows read back through the ORM like ORM-written ones."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from data import bulk, migrate
from data.models import DirectDebit, Mandate, Order, PayoutBatch, PayoutLine, Refund
from services.demo import data as demo_data
from services.entrypoints.bootstrap import Services, build_services
from services.entrypoints.cli import main
from services.core.config import get_settings
from services.demo.data.tables import TABLE_ORDER
from services.core.errors import ConfigurationError, ConflictError
from tests.conftest import settings_for, throwaway_postgres_database

NOW = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
ARGS = {"orders": 3000, "days": 45, "seed": 11, "end": date(2026, 3, 1)}
MODELS = (Order, Refund, PayoutBatch, PayoutLine, Mandate, DirectDebit)


def _services(url: str) -> Services:
    services = build_services(settings_for(url))
    services.clock = lambda: NOW
    return services


def _new_sqlite(tmp_path: Path, name: str, *, migrated: bool = True) -> str:
    url = f"sqlite:///{tmp_path / name}"
    if migrated:
        migrate.upgrade(url)
    return url


def _raw_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as connection:
        return {
            t: connection.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in TABLE_ORDER
        }


def _orm_rows(services: Services) -> dict[str, list[dict[str, object]]]:
    with Session(services.engine) as session:
        return {
            model.__tablename__: [  # type: ignore[misc]
                row.model_dump()
                for row in session.exec(select(model).order_by(model.id))  # type: ignore[attr-defined]
            ]
            for model in MODELS
        }


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[Services, Path]]:
    services = _services(_new_sqlite(tmp_path, "a.db"))
    report = demo_data.seed_demo_data(services, **ARGS)  # type: ignore[arg-type]
    assert report.orders == 3000 and report.refunds > 0 and report.direct_debits > 0
    yield services, tmp_path / "a.db"
    services.engine.dispose()


def test_same_arguments_give_byte_identical_rows(
    seeded: tuple[Services, Path], tmp_path: Path
) -> None:
    services, path = seeded
    again = _services(_new_sqlite(tmp_path, "b.db"))
    demo_data.seed_demo_data(again, **ARGS)  # type: ignore[arg-type]
    other = _services(_new_sqlite(tmp_path, "c.db"))
    demo_data.seed_demo_data(other, **{**ARGS, "seed": 12})  # type: ignore[arg-type]
    assert _raw_rows(path) == _raw_rows(tmp_path / "b.db")
    assert _raw_rows(path)["orders"] != _raw_rows(tmp_path / "c.db")["orders"]
    again.engine.dispose()
    other.engine.dispose()


def test_bulk_rows_are_stored_exactly_as_the_orm_stores_them(
    seeded: tuple[Services, Path], tmp_path: Path
) -> None:
    services, path = seeded
    rows = _orm_rows(services)
    order = rows["orders"][0]
    assert isinstance(order["amount"], Decimal) and isinstance(order["created_at"], datetime)
    assert order["created_at"].tzinfo is not None  # type: ignore[union-attr]
    copy = _services(_new_sqlite(tmp_path, "orm.db"))
    with Session(copy.engine) as session:
        for model in MODELS:
            for values in rows[model.__tablename__]:  # type: ignore[misc]
                session.add(model(**values))
            session.flush()
        session.commit()
    assert _raw_rows(tmp_path / "orm.db") == _raw_rows(path)
    copy.engine.dispose()


def test_store_invariants_hold_in_sql(seeded: tuple[Services, Path]) -> None:
    services, _ = seeded
    with services.engine.connect() as connection:
        mismatched = connection.execute(
            text(
                "SELECT COUNT(*) FROM orders o WHERE o.refunded_amount != "
                "COALESCE((SELECT SUM(r.amount) FROM refunds r "
                "WHERE r.order_id = o.id AND r.status = 'SUCCESS'), 0) "
                "OR o.refunded_amount > o.amount "
                "OR (o.status = 'FULL_REFUNDED') != (o.refunded_amount = o.amount)"
            )
        ).scalar_one()
        over_limit = connection.execute(
            text(
                "SELECT COUNT(*) FROM direct_debits d JOIN mandates m ON m.id = d.mandate_id "
                "WHERE d.amount > m.single_upper_limit OR m.signed_at IS NULL "
                "OR d.created_at < m.signed_at"
            )
        ).scalar_one()
    assert mismatched == 0 and over_limit == 0
    assert demo_data.store_has_orders(services)


def test_seeding_a_store_with_orders_is_refused_or_skipped(seeded: tuple[Services, Path]) -> None:
    services, path = seeded
    before = _raw_rows(path)
    with pytest.raises(ConflictError, match="already has orders"):
        demo_data.seed_demo_data(services, **ARGS)  # type: ignore[arg-type]
    report = demo_data.seed_demo_data(services, **ARGS, if_empty=True)  # type: ignore[arg-type]
    assert report.skipped and report.orders == 0 and "nothing seeded" in report.message
    assert _raw_rows(path) == before


def test_an_unmigrated_store_says_to_run_db_upgrade(tmp_path: Path) -> None:
    services = _services(_new_sqlite(tmp_path, "bare.db", migrated=False))
    with pytest.raises(ConfigurationError, match="paydesk db upgrade"):
        demo_data.seed_demo_data(services, **ARGS)  # type: ignore[arg-type]
    services.engine.dispose()


def test_a_failure_half_way_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(_new_sqlite(tmp_path, "fail.db"))
    real = bulk.insert_columns
    # Small enough to exercise the index drop/rebuild path on orders too.
    monkeypatch.setattr("services.demo.data.writer.DEFER_INDEXES_FROM_ROWS", 1000)

    def failing(connection, table, columns):  # type: ignore[no-untyped-def]
        if table.name == "payout_lines":
            raise RuntimeError("disk full")
        return real(connection, table, columns)

    monkeypatch.setattr(bulk, "insert_columns", failing)
    with sqlite3.connect(tmp_path / "fail.db") as connection:
        indexes = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' ORDER BY name"
        ).fetchall()
    with pytest.raises(RuntimeError, match="disk full"):
        demo_data.seed_demo_data(services, **ARGS)  # type: ignore[arg-type]
    assert not demo_data.store_has_orders(services)
    with sqlite3.connect(tmp_path / "fail.db") as connection:
        assert connection.execute("SELECT COUNT(*) FROM refunds").fetchone() == (0,)
        assert (
            connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type='index' ORDER BY name"
            ).fetchall()
            == indexes
        )
    services.engine.dispose()


def test_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", _new_sqlite(tmp_path, "cli.db"))
    monkeypatch.setenv("PAYDESK_MODE", "sandbox")
    get_settings.cache_clear()
    try:
        argv = ["seed", "--orders", "500", "--days", "10", "--seed", "3", "--end", "2026-01-31"]
        assert main(argv) == 0
        assert "seeded 500 orders" in capsys.readouterr().out
        assert main(argv) == 1
        assert "already has orders" in capsys.readouterr().err
        assert main([*argv, "--if-empty"]) == 0
        assert "nothing seeded" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    # A database of our own: the seed test must not see or leave rows in the shared one.
    with throwaway_postgres_database("paydesk_seed_test") as url:
        yield url


@pytest.mark.postgres
def test_postgresql_holds_the_same_rows_as_sqlite(
    seeded: tuple[Services, Path], postgres_url: str
) -> None:
    services, _ = seeded
    pg = _services(postgres_url)
    try:
        demo_data.seed_demo_data(pg, **ARGS)  # type: ignore[arg-type]
        assert _orm_rows(pg) == _orm_rows(services)
        with Session(pg.engine) as session:  # the id sequences moved past the copied ids
            session.add(
                Order(
                    merchant_order_id="AFTERSEED1",
                    amount=Decimal("1.00"),
                    currency="USDT",
                    status="INITIAL",
                )
            )
            session.commit()
        with pg.engine.connect() as connection:
            indexes = connection.execute(
                text("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'orders'")
            ).scalar_one()
        assert indexes >= 8
    finally:
        pg.engine.dispose()


def _journal_modes_during_write(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = demo_data.write

    def spying(connection, *args, **kwargs):  # type: ignore[no-untyped-def]
        driver = connection.connection.driver_connection
        seen.append(driver.execute("PRAGMA journal_mode").fetchone()[0])
        return real(connection, *args, **kwargs)

    monkeypatch.setattr(demo_data, "write", spying)
    return seen


def _file_journal_mode(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def test_the_load_uses_the_rollback_journal_and_leaves_the_file_in_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(_new_sqlite(tmp_path, "j.db"))
    seen = _journal_modes_during_write(monkeypatch)
    try:
        demo_data.seed_demo_data(services, **ARGS)  # type: ignore[arg-type]
        with services.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        services.engine.dispose()
    assert seen == ["delete"]
    assert _file_journal_mode(tmp_path / "j.db") == "wal"


def test_with_another_connection_open_the_load_stays_in_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(_new_sqlite(tmp_path, "k.db"))
    seen = _journal_modes_during_write(monkeypatch)
    other = sqlite3.connect(tmp_path / "k.db")
    try:
        assert other.execute("SELECT COUNT(*) FROM orders").fetchone() == (0,)
        report = demo_data.seed_demo_data(services, **ARGS)  # type: ignore[arg-type]
        assert other.execute("SELECT COUNT(*) FROM orders").fetchone() == (report.orders,)
    finally:
        other.close()
        services.engine.dispose()
    assert seen == ["wal"]


def test_a_failed_load_leaves_the_file_in_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = _services(_new_sqlite(tmp_path, "f.db"))

    def failing(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "insert_columns", failing)
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            demo_data.seed_demo_data(services, **ARGS)  # type: ignore[arg-type]
        with services.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        services.engine.dispose()
    assert _file_journal_mode(tmp_path / "f.db") == "wal"
    assert not (tmp_path / "f.db-journal").exists()
