"""AppTest fixtures: a migrated temp SQLite store per test, the demo users, a signed-in session.

Every page's AppTest signs in first; use `signed_in_app("viewer")` (or any role) to get an AppTest
that already ran once as that demo user, then `at.switch_page("app_pages/x.py").run()`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import argon2
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.auth import ACTOR_KEY, SEEN_KEY
from data import migrate
from services.identity import sign_in as auth
from services.core.access import Actor
from services.entrypoints.bootstrap import Services, build_services
from services.core.config import Settings, get_settings
from services.identity.users import DEMO_USERS, ensure_demo_users

APP_PATH = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
APP_TIMEOUT = 15


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Migrating once and copying the file is ~10x faster than migrating per test.
    path = tmp_path_factory.mktemp("ui-template") / "paydesk.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    # st.cache_resource outlives AppTest instances: without this, get_services() would hand the
    # next test the previous test's store.
    st.cache_data.clear()
    st.cache_resource.clear()
    get_settings.cache_clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth, "PASSWORD_HASHER", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    )


@pytest.fixture
def ui_store_url(
    tmp_path: Path, _migrated_template: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The store the app under test uses (sandbox mode, via the environment)."""
    path = tmp_path / "paydesk.db"
    shutil.copyfile(_migrated_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PAYDESK_MODE", "sandbox")
    return url


@pytest.fixture
def ui_services(ui_store_url: str) -> Iterator[Services]:
    """The test's own handle on the app's store, for arranging data and checking results."""
    services = build_services(Settings(DATABASE_URL=ui_store_url, PAYDESK_MODE="sandbox"))  # type: ignore[call-arg]
    yield services
    services.engine.dispose()


@pytest.fixture
def new_app(ui_store_url: str) -> Callable[[], AppTest]:
    def make() -> AppTest:
        return AppTest.from_file(APP_PATH, default_timeout=APP_TIMEOUT)

    return make


def demo_actor(services: Services, role: str) -> Actor:
    ensure_demo_users(services)
    username = next(d.username for d in DEMO_USERS if d.role == role)
    with services.uow() as uow:
        from sqlmodel import select

        from data.models import User

        user = uow.session.exec(select(User).where(User.username == username)).one()
        return auth.actor_of(user)


@pytest.fixture
def signed_in_app(
    new_app: Callable[[], AppTest], ui_services: Services
) -> Callable[[str], AppTest]:
    """`signed_in_app(role)` -> an AppTest already run once as the demo user with that role.

    The session is put in place directly (the sign-in form itself is tested in test_sign_in.py),
    so each page test pays for one run only.
    """

    def sign_in(role: str) -> AppTest:
        at = new_app()
        at.session_state[ACTOR_KEY] = demo_actor(ui_services, role)
        at.session_state[SEEN_KEY] = ui_services.now()
        at.run()
        assert not at.exception, at.exception
        return at

    return sign_in
