"""Sign-in, lockout, idle expiry, the TOTP second factor and single sign-on, on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import argon2
import pyotp
import pytest
from sqlmodel import select

from data.models import AuditEntry
from services import auth, users
from services.access import Actor, cli_actor
from services.bootstrap import Services
from services.errors import ConfigurationError, ConflictError, InputError, PermissionDeniedError

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
ADMIN = cli_actor("tester")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


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


def actions(services: Services) -> list[tuple[str, str, str]]:
    with services.uow() as uow:
        rows = uow.session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(r.actor_name, r.action, r.outcome) for r in rows]


def add(services: Services, name: str = "alice", role: str = "operator", **kw: object):  # type: ignore[no-untyped-def]
    return users.create_user(services, ADMIN, username=name, role=role, password=PASSWORD, **kw)  # type: ignore[arg-type]


def test_sign_in_with_the_right_password(services: Services, clock: Clock) -> None:
    created = add(services)
    result = auth.authenticate(services, "Alice ", PASSWORD)
    assert result.status == "ok"
    assert result.actor == Actor(user_id=created.id, username="alice", role="operator")
    assert actions(services)[-1] == ("alice", "auth.sign_in", "ok")


def test_wrong_password_and_unknown_user_get_the_same_answer(
    services: Services, clock: Clock
) -> None:
    add(services)
    wrong = auth.authenticate(services, "alice", "nope")
    unknown = auth.authenticate(services, "mallory", "nope")
    assert (wrong.status, wrong.message) == (unknown.status, unknown.message) == (
        "failed", "Wrong username or password.")
    assert actions(services)[-2:] == [
        ("alice", "auth.sign_in_failed", "wrong_password"),
        ("mallory", "auth.sign_in_failed", "unknown_user"),
    ]


def test_lockout_after_too_many_failures_then_release(services: Services, clock: Clock) -> None:
    add(services)
    attempts = services.settings.lockout_attempts
    results = [auth.authenticate(services, "alice", "wrong") for _ in range(attempts)]
    assert [r.status for r in results] == ["failed"] * (attempts - 1) + ["locked"]
    assert ("alice", "auth.lockout", "locked") in actions(services)

    # Even the right password is refused while locked, and the refusal is logged.
    clock.advance(minutes=services.settings.lockout_minutes - 1)
    assert auth.authenticate(services, "alice", PASSWORD).status == "locked"
    assert actions(services)[-1] == ("alice", "auth.sign_in_refused", "locked")

    clock.advance(minutes=1, seconds=1)
    assert auth.authenticate(services, "alice", PASSWORD).status == "ok"


def test_reset_password_lifts_a_lockout(services: Services, clock: Clock) -> None:
    add(services)
    for _ in range(services.settings.lockout_attempts):
        auth.authenticate(services, "alice", "wrong")
    users.reset_password(services, ADMIN, "alice", "another long secret")
    assert auth.authenticate(services, "alice", "another long secret").status == "ok"


def test_a_disabled_user_cannot_sign_in_and_loses_the_session(
    services: Services, clock: Clock
) -> None:
    created = add(services)
    assert auth.current_actor(services, created.id) is not None
    users.disable_user(services, ADMIN, "alice")
    assert auth.authenticate(services, "alice", PASSWORD).status == "disabled"
    assert auth.current_actor(services, created.id) is None


def test_a_role_change_applies_to_the_running_session(services: Services, clock: Clock) -> None:
    created = add(services)
    users.set_role(services, ADMIN, "alice", "viewer")
    assert auth.current_actor(services, created.id).role == "viewer"  # type: ignore[union-attr]


def test_idle_expiry_follows_the_injected_clock(services: Services, clock: Clock) -> None:
    last_seen = clock()
    idle = services.settings.session_idle_minutes
    clock.advance(minutes=idle)
    assert not auth.idle_expired(services, last_seen)
    clock.advance(seconds=1)
    assert auth.idle_expired(services, last_seen)


def test_totp_enrolment_then_second_factor_without_replay(services: Services, clock: Clock) -> None:
    add(services, "bob", "approver", totp_required=True)
    first = auth.authenticate(services, "bob", PASSWORD)
    assert first.status == "enrol" and first.actor is None
    secret = auth.new_totp_secret()
    code = pyotp.TOTP(secret).at(clock())
    assert auth.confirm_enrolment(services, first.user_id, secret, "000000").status == "enrol"  # type: ignore[arg-type]
    assert auth.confirm_enrolment(services, first.user_id, secret, code).status == "ok"  # type: ignore[arg-type]
    assert auth.totp_qr_png(auth.totp_uri(secret, "bob")).startswith(b"\x89PNG")

    again = auth.authenticate(services, "bob", PASSWORD)
    assert again.status == "totp"
    # The code that completed enrolment cannot be replayed.
    assert auth.verify_second_factor(services, again.user_id, code).status == "totp"  # type: ignore[arg-type]
    clock.advance(seconds=30)
    fresh = pyotp.TOTP(secret).at(clock())
    assert auth.verify_second_factor(services, again.user_id, fresh).status == "ok"  # type: ignore[arg-type]
    assert ("bob", "auth.totp_enrolled", "ok") in actions(services)


def test_wrong_codes_count_towards_lockout(services: Services, clock: Clock) -> None:
    add(services, "bob", "admin", totp_required=True)
    user_id = auth.authenticate(services, "bob", PASSWORD).user_id
    secret = auth.new_totp_secret()
    statuses = [auth.confirm_enrolment(services, user_id, secret, "123456").status  # type: ignore[arg-type]
                for _ in range(services.settings.lockout_attempts)]
    assert statuses[-1] == "locked"


def test_single_sign_on_needs_a_matching_user(services: Services, clock: Clock) -> None:
    users.create_user(services, ADMIN, username="carol", role="viewer", password=None,
                      email="Carol@Example.com")
    actor = auth.sign_in_by_email(services, "carol@example.com")
    assert actor is not None and actor.role == "viewer"
    assert auth.sign_in_by_email(services, "stranger@example.com") is None
    assert actions(services)[-1] == ("stranger@example.com", "auth.sign_in_refused", "no_user")
    # An SSO-only account has no password to guess.
    assert auth.authenticate(services, "carol", "").status == "failed"


def test_user_management_rules(services: Services, clock: Clock) -> None:
    add(services)
    with pytest.raises(ConflictError):
        add(services)
    with pytest.raises(InputError, match="at least"):
        users.create_user(services, ADMIN, username="dave", role="viewer", password="short")
    with pytest.raises(InputError, match="role"):
        users.create_user(services, ADMIN, username="dave", role="root", password=PASSWORD)
    operator = auth.authenticate(services, "alice", PASSWORD).actor
    with pytest.raises(PermissionDeniedError):
        users.create_user(services, operator, username="eve", role="admin", password=PASSWORD)  # type: ignore[arg-type]
    assert [u.username for u in users.list_users(services, ADMIN)] == ["alice"]
    assert ("cli:tester", "users.add", "ok") in actions(services)


def test_demo_users_are_idempotent_and_sandbox_only(services: Services, clock: Clock) -> None:
    assert users.ensure_demo_users(services) == 4
    assert users.ensure_demo_users(services) == 0
    for demo in users.DEMO_USERS:
        result = auth.authenticate(services, demo.username, demo.password)
        assert result.actor is not None and result.actor.role == demo.role
    live = Services(
        settings=services.settings.model_copy(update={"mode": "live"}),
        engine=services.engine, session_factory=services.session_factory,
    )
    with pytest.raises(ConfigurationError):
        users.ensure_demo_users(live)
