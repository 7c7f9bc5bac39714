"""Shared fixtures: real stores on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from data import migrate
from services.entrypoints.bootstrap import Services, build_services
from services.core.config import Settings

PG_SKIP_REASON = "TEST_DATABASE_URL does not point at PostgreSQL (CI sets it; see .ci/run)"


def postgres_base_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def settings_for(url: str, **overrides: object) -> Settings:
    return Settings(DATABASE_URL=url, PAYDESK_MODE="sandbox", **overrides)  # type: ignore[arg-type]


@contextmanager
def throwaway_postgres_database(prefix: str, *, migrated: bool = True) -> Iterator[str]:
    """A database of its own on the TEST_DATABASE_URL server, dropped afterwards."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(PG_SKIP_REASON)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        if migrated:
            migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away PostgreSQL database, migrated to head, for this test session."""
    with throwaway_postgres_database("paydesk_test") as url:
        yield url


def _empty_all_tables(services: Services) -> None:
    with services.engine.begin() as connection:
        if services.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            # The append-only audit trigger refuses TRUNCATE too; test clean-up may bypass it.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'paydesk.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store on each database; the PostgreSQL one is emptied afterwards."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'paydesk.db'}"
        migrate.upgrade(url)
        yield url
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    services = build_services(settings_for(url))
    _empty_all_tables(services)
    services.engine.dispose()


@pytest.fixture
def services(store_url: str) -> Iterator[Services]:
    built = build_services(settings_for(store_url))
    yield built
    built.engine.dispose()


@pytest.fixture
def sqlite_services(sqlite_url: str) -> Iterator[Services]:
    built = build_services(settings_for(sqlite_url))
    yield built
    built.engine.dispose()
