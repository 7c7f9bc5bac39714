"""Live mode refuses a store that still has the sandbox's demo accounts enabled."""

from __future__ import annotations

import argon2
import pytest

from services.identity import sign_in as auth
from services.identity import users
from services.core.access import cli_actor
from services.entrypoints.bootstrap import Services
from services.core.errors import ConfigurationError
from services.entrypoints.startup import check_live_store, prepare_store
from tests.unit.test_settings import REAL_KEY, REAL_SECRET

CLI = cli_actor("tester")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth, "PASSWORD_HASHER", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    )


def live_view(services: Services) -> Services:
    settings = services.settings.model_copy(update={
        "mode": "live", "binance_pay_api_key": REAL_KEY, "binance_pay_api_secret": REAL_SECRET,
    })
    return Services(settings=settings, engine=services.engine,
                    session_factory=services.session_factory)


def test_a_sandbox_store_with_demo_users_does_not_start_live(services: Services) -> None:
    users.ensure_demo_users(services)
    live = live_view(services)
    with pytest.raises(ConfigurationError, match="`paydesk users disable admin`") as refused:
        check_live_store(live)
    assert "approver, operator, viewer" in str(refused.value)
    with pytest.raises(ConfigurationError):
        prepare_store(live)
    for demo in users.DEMO_USERS:
        if demo.username != "admin":
            users.disable_user(services, CLI, demo.username)
    with pytest.raises(ConfigurationError, match="admin can still sign in"):
        check_live_store(live)


def test_demo_names_with_real_passwords_are_fine(services: Services) -> None:
    users.create_user(services, CLI, username="admin", role="admin",
                      password="a long and real passphrase")
    check_live_store(live_view(services))


def test_a_renamed_demo_password_still_counts(services: Services) -> None:
    users.ensure_demo_users(services)
    for demo in users.DEMO_USERS:
        users.disable_user(services, CLI, demo.username) if demo.username != "admin" else None
    # Whatever its display name, admin/admin still signs in: refused.
    with pytest.raises(ConfigurationError, match="admin"):
        check_live_store(live_view(services))
    users.reset_password(services, CLI, "admin", "a long and real passphrase")
    # The display name is still the sandbox's: it was made by the sandbox, so still refused.
    with pytest.raises(ConfigurationError, match="admin"):
        check_live_store(live_view(services))
    users.create_user(services, CLI, username="ines", role="admin",
                      password="another real passphrase")
    users.disable_user(services, CLI, "admin")
    check_live_store(live_view(services))
