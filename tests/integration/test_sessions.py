"""Server-side sessions: a one-time ticket for the cookie, resumed by token while it lives, and
ended by sign-out, idle time, the absolute limit, disabling and an admin's password reset."""

from __future__ import annotations

from datetime import timedelta

import argon2
import pytest
from sqlmodel import select

from data.models import UserSession
from services.identity import sign_in as auth
from services.identity import sessions
from services.identity import users
from services.core.access import Actor, cli_actor
from services.entrypoints.bootstrap import Services
from tests.integration.test_auth import PASSWORD, Clock

CLI = cli_actor("tester")


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth, "PASSWORD_HASHER", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    )


@pytest.fixture
def clock(services: Services) -> Clock:
    clock = Clock()
    services.clock = clock
    return clock


def signed_in(services: Services, name: str = "alice") -> tuple[Actor, int, str]:
    view = users.create_user(services, CLI, username=name, role="operator", password=PASSWORD)
    actor = Actor(view.id, view.username, view.role)
    session_id, ticket = sessions.start(services, actor)
    traded = sessions.redeem_ticket(services, ticket)
    assert traded is not None
    return actor, session_id, traded[0]


def test_the_ticket_buys_one_cookie_and_the_store_keeps_only_hashes(
    services: Services, clock: Clock
) -> None:
    actor, session_id, token = signed_in(services)
    resumed = sessions.resume(services, token)
    assert resumed is not None and (resumed.id, resumed.actor) == (session_id, actor)
    with services.uow() as uow:
        row = uow.session.exec(select(UserSession)).one()
        assert token not in (row.token_hash or "") and row.ticket_hash is None
    assert sessions.resume(services, token + "x") is None
    assert sessions.resume(services, None) is None


def test_a_ticket_works_once_and_only_for_a_minute(services: Services, clock: Clock) -> None:
    view = users.create_user(services, CLI, username="bob", role="viewer", password=PASSWORD)
    actor = Actor(view.id, "bob", "viewer")
    _, ticket = sessions.start(services, actor)
    assert sessions.redeem_ticket(services, ticket) is not None
    assert sessions.redeem_ticket(services, ticket) is None
    _, late = sessions.start(services, actor)
    clock.advance(seconds=sessions.TICKET_SECONDS + 1)
    assert sessions.redeem_ticket(services, late) is None


def test_idle_and_absolute_expiry(services: Services, clock: Clock) -> None:
    _, _, token = signed_in(services)
    idle = services.settings.session_idle_minutes
    for _ in range(3):  # activity keeps it alive
        clock.advance(minutes=idle - 1)
        assert sessions.resume(services, token) is not None
    clock.advance(minutes=idle, seconds=1)
    assert sessions.resume(services, token) is None
    # However busy, a session ends after ABSOLUTE_HOURS.
    _, _, other = signed_in(services, "carol")
    started = clock()
    while sessions.resume(services, other) is not None:
        clock.advance(minutes=idle - 1)
    lived = clock() - started
    assert timedelta(hours=sessions.ABSOLUTE_HOURS) <= lived < timedelta(
        hours=sessions.ABSOLUTE_HOURS, minutes=idle)


def test_sign_out_disable_and_password_reset_end_sessions(
    services: Services, clock: Clock
) -> None:
    _, session_id, token = signed_in(services)
    sessions.revoke(services, session_id, reason="user")
    assert sessions.resume(services, token) is None
    assert sessions.end_reason(services, session_id) == "user"

    _, dora_session, dora = signed_in(services, "dora")
    users.disable_user(services, CLI, "dora")
    assert sessions.resume(services, dora) is None
    assert sessions.end_reason(services, dora_session) == "disabled"

    _, erin_session, erin = signed_in(services, "erin")
    users.reset_password(services, CLI, "erin", "a brand new passphrase")
    assert sessions.check(services, erin_session) is None
    assert sessions.end_reason(services, erin_session) == "password"
