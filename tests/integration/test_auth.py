"""Sign-in, lockout, idle expiry, the TOTP second factor and single sign-on, on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import argon2
import pyotp
import pytest
from sqlmodel import select

from data.models import AuditEntry, SignInThrottle, User
from services.identity import sign_in as auth
from services.identity import users
from services.core.access import Actor, cli_actor
from services.entrypoints.bootstrap import Services
from services.core.errors import ConfigurationError, ConflictError, InputError, PermissionDeniedError

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
        ("(unknown name)", "auth.sign_in_failed", "unknown_user"),
    ]


def test_a_password_typed_into_the_username_box_is_never_stored(
    services: Services, clock: Clock
) -> None:
    add(services)
    for _ in range(services.settings.lockout_attempts + 1):
        auth.authenticate(services, PASSWORD, "alice")
    with services.uow() as uow:
        audit_text = " ".join(f"{r.actor_name} {r.target_id} {r.detail}" for r in
                              uow.session.exec(select(AuditEntry)).all())
        throttle_keys = " ".join(t.key for t in uow.session.exec(select(SignInThrottle)).all())
    assert PASSWORD not in audit_text and "horse" not in audit_text
    assert "horse" not in throttle_keys


def test_unknown_and_known_names_are_throttled_alike(services: Services, clock: Clock) -> None:
    add(services)
    rounds = services.settings.lockout_attempts + 2
    known = [auth.authenticate(services, "alice", "wrong", source="10.0.0.9").status
             for _ in range(rounds)]
    unknown = [auth.authenticate(services, "mallory", "wrong", source="10.0.0.8").status
               for _ in range(rounds)]
    assert known == unknown
    assert known[-1] == "throttled"


def test_a_throttled_refusal_costs_a_password_check_like_any_other(
    services: Services, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal that skipped the hash would answer in 0.6 ms instead of 250 ms."""
    add(services)
    for _ in range(services.settings.lockout_attempts):
        auth.authenticate(services, "alice", "wrong")
    calls: list[str] = []

    class Counting(argon2.PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
            calls.append("verify")
            return super().verify(hash, password)

    cheap = argon2.profiles.CHEAPEST
    monkeypatch.setattr(auth, "PASSWORD_HASHER", Counting(
        time_cost=cheap.time_cost, memory_cost=cheap.memory_cost, parallelism=cheap.parallelism,
        hash_len=cheap.hash_len, salt_len=cheap.salt_len))
    assert auth.authenticate(services, "alice", PASSWORD).status == "throttled"
    assert auth.authenticate(services, "nobody", PASSWORD).status == "failed"
    assert calls == ["verify", "verify"]


def test_guessing_slows_the_guesser_but_never_locks_out_the_user(
    services: Services, clock: Clock
) -> None:
    add(services, "anna", "approver")
    attempts = services.settings.lockout_attempts
    results = [auth.authenticate(services, "anna", "guess", source="203.0.113.7")
               for _ in range(attempts)]
    assert [r.status for r in results] == ["failed"] * attempts
    # The next guess from that source waits, even with the right password...
    refused = auth.authenticate(services, "anna", PASSWORD, source="203.0.113.7")
    assert refused.status == "throttled" and "wait" in refused.message
    assert actions(services)[-1] == ("anna", "auth.sign_in_refused", "throttled")
    # ...while Anna herself, at her own desk, signs in at once.
    assert auth.authenticate(services, "anna", PASSWORD, source="198.51.100.2").status == "ok"
    # The wait grows with each further failure.
    clock.advance(seconds=3)
    auth.authenticate(services, "anna", "guess", source="203.0.113.7")
    first_wait = auth.authenticate(services, "anna", "guess", source="203.0.113.7").locked_until
    assert first_wait is not None and first_wait - clock() > timedelta(seconds=3)
    clock.advance(minutes=services.settings.lockout_minutes, seconds=1)
    assert auth.authenticate(services, "anna", PASSWORD, source="203.0.113.7").status == "ok"


def test_a_disabled_user_cannot_sign_in_and_loses_the_session(
    services: Services, clock: Clock
) -> None:
    created = add(services)
    assert auth.current_actor(services, created.id) is not None
    users.disable_user(services, ADMIN, "alice")
    # The right password reads exactly like a wrong one: a refusal confirms nothing.
    result = auth.authenticate(services, "alice", PASSWORD)
    assert (result.status, result.message) == ("failed", "Wrong username or password.")
    assert actions(services)[-1] == ("alice", "auth.sign_in_failed", "disabled")
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


def test_wrong_codes_are_throttled(services: Services, clock: Clock) -> None:
    add(services, "bob", "admin", totp_required=True)
    user_id = auth.authenticate(services, "bob", PASSWORD).user_id
    secret = auth.new_totp_secret()
    statuses = [auth.confirm_enrolment(services, user_id, secret, "123456").status  # type: ignore[arg-type]
                for _ in range(services.settings.lockout_attempts + 1)]
    assert statuses[-1] == "throttled"


def test_single_sign_on_needs_a_matching_user(services: Services, clock: Clock) -> None:
    users.create_user(services, ADMIN, username="carol", role="viewer", password=None,
                      email="Carol@Example.com")
    result = auth.sign_in_by_email(services, "carol@example.com")
    assert result.status == "ok" and result.actor is not None and result.actor.role == "viewer"
    assert auth.sign_in_by_email(services, "stranger@example.com").status == "failed"
    assert actions(services)[-1] == ("stranger@example.com", "auth.sign_in_refused", "no_user")
    # An SSO-only account has no password to guess.
    assert auth.authenticate(services, "carol", "").status == "failed"


def test_single_sign_on_still_asks_for_the_second_factor(services: Services, clock: Clock) -> None:
    users.create_user(services, ADMIN, username="dora", role="approver", password=None,
                      email="dora@example.com", totp_required=True)
    first = auth.sign_in_by_email(services, "dora@example.com")
    assert first.status == "enrol" and first.actor is None
    secret = auth.new_totp_secret()
    assert auth.confirm_enrolment(services, first.user_id, secret,  # type: ignore[arg-type]
                                  pyotp.TOTP(secret).at(clock())).status == "ok"
    clock.advance(seconds=30)
    again = auth.sign_in_by_email(services, "dora@example.com")
    assert again.status == "totp" and again.actor is None
    assert auth.verify_second_factor(services, again.user_id,  # type: ignore[arg-type]
                                     pyotp.TOTP(secret).at(clock())).status == "ok"


def test_replacing_the_authenticator_needs_the_password(services: Services, clock: Clock) -> None:
    created = add(services, "erin", "approver")
    erin = Actor(created.id, "erin", "approver")
    old, new = auth.new_totp_secret(), auth.new_totp_secret()
    assert auth.enrol_totp(services, erin, old, pyotp.TOTP(old).at(clock()), password=PASSWORD)
    clock.advance(seconds=30)
    # Someone at Erin's unlocked screen has a code from their own phone, not her password.
    with pytest.raises(InputError, match="current password is wrong"):
        auth.enrol_totp(services, erin, new, pyotp.TOTP(new).at(clock()), password="")
    with pytest.raises(InputError, match="current password is wrong"):
        auth.enrol_totp(services, erin, new, pyotp.TOTP(new).at(clock()), password="guess")
    assert ("erin", "auth.reauth_failed", "wrong_password") in actions(services)
    # Her own authenticator still works.
    first = auth.authenticate(services, "erin", PASSWORD)
    assert auth.verify_second_factor(services, first.user_id,  # type: ignore[arg-type]
                                     pyotp.TOTP(old).at(clock())).status == "ok"


def test_totp_secrets_are_encrypted_at_rest_and_keys_rotate(
    services: Services, clock: Clock
) -> None:
    from cryptography.fernet import Fernet
    from pydantic import SecretStr

    from services.identity import secret_box

    add(services, "finn", "approver", totp_required=True)
    user_id = auth.authenticate(services, "finn", PASSWORD).user_id
    secret = auth.new_totp_secret()
    auth.confirm_enrolment(services, user_id, secret, pyotp.TOTP(secret).at(clock()))  # type: ignore[arg-type]
    stored = stored_secret(services, "finn")
    assert secret not in stored and stored.startswith("gAAAAA")

    # Rotation: a new key in front, the old one kept to read; rotate; then the old key can go.
    new_key = Fernet.generate_key().decode()
    old_key = services.settings.totp_keys.get_secret_value()
    services.settings = services.settings.model_copy(
        update={"totp_keys": SecretStr(f"{new_key},{old_key}")})
    assert secret_box.rotate(services) == 1
    services.settings = services.settings.model_copy(update={"totp_keys": SecretStr(new_key)})
    assert stored_secret(services, "finn") != stored
    clock.advance(seconds=30)
    again = auth.authenticate(services, "finn", PASSWORD)
    assert auth.verify_second_factor(services, again.user_id,  # type: ignore[arg-type]
                                     pyotp.TOTP(secret).at(clock())).status == "ok"


def stored_secret(services: Services, username: str) -> str:
    with services.uow() as uow:
        user = uow.session.exec(select(User).where(User.username == username)).one()
        return user.totp_secret or ""


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
