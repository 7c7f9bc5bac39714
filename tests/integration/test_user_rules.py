"""Account rules that hold for every caller: nobody changes their own role or disables themselves,
the last admin stays, and permission is checked before anything else."""

from __future__ import annotations

import argon2
import pytest

from services.identity import sign_in as auth
from services.identity import users
from services.core.access import ADMIN, VIEWER, Actor, cli_actor
from services.entrypoints.bootstrap import Services
from services.core.errors import PermissionDeniedError
from tests.integration.test_refusals import refusals_of

CLI = cli_actor("tester")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth, "PASSWORD_HASHER", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    )


def person(services: Services, name: str, role: str) -> Actor:
    view = users.create_user(services, CLI, username=name, role=role, password=PASSWORD)
    return Actor(user_id=view.id, username=view.username, role=view.role)


def test_an_admin_cannot_change_her_own_role(services: Services) -> None:
    ada = person(services, "ada", ADMIN)
    person(services, "bob", ADMIN)
    with pytest.raises(PermissionDeniedError, match="own role"):
        users.set_role(services, ada, "ada", VIEWER)
    assert [u.role for u in users.list_users(services, ada) if u.username == "ada"] == [ADMIN]
    [(who, detail)] = refusals_of(services)
    assert who == "ada" and detail["action"] == "users.set_role"


def test_nobody_disables_themselves(services: Services) -> None:
    ada = person(services, "ada", ADMIN)
    person(services, "bob", ADMIN)
    with pytest.raises(PermissionDeniedError, match="own account"):
        users.disable_user(services, ada, "ada")
    assert [(w, d["action"]) for w, d in refusals_of(services)] == [("ada", "users.disable")]


def test_the_last_admin_cannot_be_removed(services: Services) -> None:
    person(services, "ada", ADMIN)
    with pytest.raises(PermissionDeniedError, match="last admin"):
        users.set_role(services, CLI, "ada", VIEWER)
    with pytest.raises(PermissionDeniedError, match="last admin"):
        users.disable_user(services, CLI, "ada")
    assert len(refusals_of(services)) == 2
    # With a second admin, one of them may go.
    person(services, "bob", ADMIN)
    assert users.set_role(services, CLI, "ada", VIEWER).role == VIEWER
    with pytest.raises(PermissionDeniedError, match="last admin"):
        users.disable_user(services, CLI, "bob")


def test_reset_password_checks_permission_before_the_policy(services: Services) -> None:
    viewer = person(services, "vera", VIEWER)
    person(services, "ada", ADMIN)
    # A too-short password would be an InputError; a viewer must learn only "not allowed".
    with pytest.raises(PermissionDeniedError):
        users.reset_password(services, viewer, "ada", "x")
    assert [w for w, _ in refusals_of(services)] == ["vera"]
