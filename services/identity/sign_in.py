"""Signing in: passwords (Argon2id), lockout, the TOTP second factor, idle expiry, single sign-on.

The dashboard keeps only an `Actor` and a last-activity time per browser session; everything that
decides whether someone may enter lives here, so the rules are the same for every entry point and
can be tested with an injected clock (`Services.clock`).
"""

from __future__ import annotations

import hmac
import io
import math
from dataclasses import dataclass
from functools import cache
from datetime import UTC, datetime, timedelta
from typing import Literal

import pyotp
import qrcode
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import func, select

from data.models import User
from services.core import audit
from services.core import refusals
from services.identity import secret_box
from services.identity import sign_in_throttle
from services.identity.passwords import check_password
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import InputError

# Tests swap in argon2.profiles.CHEAPEST; stored hashes carry their own parameters, so either
# hasher verifies the other's hashes.
PASSWORD_HASHER = PasswordHasher()
TOTP_ISSUER = "PayDesk"
# Codes from the previous and next 30-second step are accepted: phone clocks drift.
TOTP_WINDOW = 1
SECOND_FACTOR_MINUTES = 5

Status = Literal["ok", "totp", "enrol", "failed", "throttled", "locked", "disabled"]
UNKNOWN_NAME = "(unknown name)"


@dataclass(frozen=True)
class SignInResult:
    """`ok` carries the actor; `totp`/`enrol` mean the password was right and a second step is due
    (the page keeps `user_id` server-side until the code checks out); the rest are refusals."""

    status: Status
    message: str = ""
    actor: Actor | None = None
    user_id: int | None = None
    locked_until: datetime | None = None


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a miss costs as long as a wrong
    password. Made on first use: hashing at import cost every `paydesk` command ~0.3 s."""
    return PASSWORD_HASHER.hash("paydesk-no-such-user")


def hash_password(password: str) -> str:
    return PASSWORD_HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(password_hash or _dummy_hash(), password) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, username=user.username, role=user.role)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for values stored as UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


_WRONG = "Wrong username or password."
_DISABLED = "This account is disabled; ask an admin."


def authenticate(services: Services, username: str, password: str, *,
                 source: str | None = None) -> SignInResult:
    """Check a username and password from `source` (the browser's address).

    Every refusal reads and costs the same whether the name exists, is disabled or the password
    was wrong; repeated failures make this name-and-source (and this source) wait longer each
    time, which slows a guesser without locking the real user out.
    """
    now = services.now()
    name = username.strip()
    counters = sign_in_throttle.keys(name, source or "unknown")
    with services.uow() as uow:
        user = uow.session.exec(
            select(User).where(func.lower(User.username) == name.lower())
        ).first()
        # Never the typed text of an unknown name: it may be a password typed in the wrong box.
        who: Actor | str = actor_of(user) if user is not None else UNKNOWN_NAME
        waiting = sign_in_throttle.wait(uow, counters, now)
        if waiting is not None:
            password_matches(None, password)  # same cost as a real check
            audit.record(uow, actor=who, action="auth.sign_in_refused", target_type="user",
                         target_id=user.id if user else None, outcome="throttled", at=now)
            uow.commit()
            return _throttled(now, waiting)
        right = password_matches(user.password_hash if user else None, password)
        if user is None or not right or user.disabled:
            reason = ("unknown_user" if user is None else "wrong_password" if not right
                      else "disabled")
            sign_in_throttle.failed(uow, services.settings, counters, now)
            audit.record(uow, actor=who, action="auth.sign_in_failed", target_type="user",
                         target_id=user.id if user else None, outcome=reason, at=now)
            uow.commit()
            return SignInResult("failed", _WRONG)
        sign_in_throttle.succeeded(uow, counters[0])
        if PASSWORD_HASHER.check_needs_rehash(user.password_hash or ""):
            user.password_hash = hash_password(password)
        result = _after_first_factor(uow, user, now, method="password")
        uow.commit()
        return result


def _after_first_factor(uow, user: User, now: datetime, *, method: str) -> SignInResult:  # type: ignore[no-untyped-def]
    """Password or single sign-on checked out: the second factor, when the user has or needs one."""
    if user.totp_secret:
        return SignInResult("totp", "Enter the 6-digit code from your authenticator app.",
                            user_id=user.id)
    if user.totp_required:
        return SignInResult("enrol", "Set up your authenticator app to continue.",
                            user_id=user.id)
    return SignInResult("ok", actor=_signed_in(uow, user, now, method=method))


def _throttled(now: datetime, waiting: timedelta) -> SignInResult:
    seconds = max(1, math.ceil(waiting.total_seconds()))
    wait_text = f"{seconds} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
    return SignInResult("throttled", f"Too many failed attempts: wait {wait_text}, then try "
                        "again.", locked_until=now + waiting)


def _signed_in(uow, user: User, now: datetime, *, method: str) -> Actor:  # type: ignore[no-untyped-def]
    user.failed_attempts = 0
    user.locked_until = None
    user.last_sign_in_at = now
    actor = actor_of(user)
    audit.record(uow, actor=actor, action="auth.sign_in", target_type="user", target_id=user.id,
                 at=now, detail={"method": method})
    return actor


# --- second factor -------------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def totp_qr_png(uri: str) -> bytes:
    """The enrolment QR code, drawn locally: the secret never leaves this server."""
    buffer = io.BytesIO()
    qrcode.make(uri).save(buffer, format="PNG")
    return buffer.getvalue()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(int(now.timestamp()))
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_second_factor(services: Services, user_id: int, code: str) -> SignInResult:
    """Second step for a user with a TOTP secret; a code is accepted once only."""
    return _second_step(services, user_id, code, enrol_secret=None)


def confirm_enrolment(services: Services, user_id: int, secret: str, code: str) -> SignInResult:
    """Store `secret` once the user proves their app produces its codes, and sign them in."""
    return _second_step(services, user_id, code, enrol_secret=secret)


def _second_step(services: Services, user_id: int, code: str, *, enrol_secret: str | None):  # type: ignore[no-untyped-def]
    now = services.now()
    counter = sign_in_throttle.factor_key(user_id)
    with services.uow() as uow:
        user = uow.session.get(User, user_id)
        if user is None or user.disabled:
            return SignInResult("disabled", _DISABLED)
        waiting = sign_in_throttle.wait(uow, [counter], now)
        if waiting is not None:
            return _throttled(now, waiting)
        secret = enrol_secret or (secret_box.unseal(services.settings, user.totp_secret)
                                  if user.totp_secret else None)
        if not secret:
            return SignInResult("enrol", "Set up your authenticator app to continue.",
                                user_id=user.id)
        step = _matching_step(secret, code, now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            sign_in_throttle.failed(uow, services.settings, [counter], now)
            audit.record(uow, actor=actor_of(user), action="auth.sign_in_failed",
                         target_type="user", target_id=user.id, outcome="wrong_code", at=now)
            uow.commit()
            return SignInResult("totp" if enrol_secret is None else "enrol",
                                "That code is wrong or already used; try the next one.",
                                user_id=user.id)
        sign_in_throttle.succeeded(uow, counter)
        user.totp_last_step = step
        if enrol_secret is not None:
            user.totp_secret = secret_box.seal(services.settings, enrol_secret)
            audit.record(uow, actor=actor_of(user), action="auth.totp_enrolled",
                         target_type="user", target_id=user.id, at=now)
        actor = _signed_in(uow, user, now, method="second factor")
        uow.commit()
        return SignInResult("ok", actor=actor)


# --- sessions ------------------------------------------------------------------------------------


def idle_expired(services: Services, last_seen: datetime) -> bool:
    return services.now() - last_seen > timedelta(minutes=services.settings.session_idle_minutes)


def current_actor(services: Services, user_id: int) -> Actor | None:
    """The actor as the store knows them now: a disabled user or a changed role takes effect on
    their very next click, not at their next sign-in."""
    with services.uow() as uow:
        user = uow.session.get(User, user_id)
        if user is None or user.disabled:
            return None
        return actor_of(user)


def sign_out(services: Services, actor: Actor, *, reason: str = "user") -> None:
    with services.uow() as uow:
        audit.record(uow, actor=actor, action="auth.sign_out", target_type="user",
                     target_id=actor.user_id, outcome=reason, at=services.now())
        uow.commit()


def sign_in_by_email(services: Services, email: str, *, provider: str = "oidc") -> SignInResult:
    """Single sign-on: the identity provider vouched for `email`; PayDesk still decides the role,
    and a user who has or needs an authenticator still gives its code (status `totp`/`enrol`)."""
    now = services.now()
    address = (email or "").strip().lower()
    with services.uow() as uow:
        user = None
        if address:
            user = uow.session.exec(
                select(User).where(func.lower(User.email) == address)
            ).first()
        if user is None or user.disabled:
            audit.record(uow, actor=address or "(no email)", action="auth.sign_in_refused",
                         outcome="no_user" if user is None else "disabled", at=now,
                         detail={"method": provider})
            uow.commit()
            return SignInResult("failed", "No active PayDesk user has this email.")
        result = _after_first_factor(uow, user, now, method=provider)
        uow.commit()
        return result


def _reauthenticate(services: Services, uow, user: User, password: str, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """The current password again, before an account's own credentials change: an unattended
    signed-in screen must not be enough to take the account. Throttled like a sign-in."""
    counter = sign_in_throttle.factor_key(user.id or 0)
    waiting = sign_in_throttle.wait(uow, [counter], now)
    if waiting is not None:
        raise InputError(_throttled(now, waiting).message, field="current password")
    if not password_matches(user.password_hash, password):
        sign_in_throttle.failed(uow, services.settings, [counter], now)
        audit.record(uow, actor=actor_of(user), action="auth.reauth_failed", target_type="user",
                     target_id=user.id, outcome="wrong_password", at=now)
        uow.commit()
        raise InputError("the current password is wrong", field="current password")
    sign_in_throttle.succeeded(uow, counter)


def enrol_totp(services: Services, actor: Actor, secret: str, code: str, *,
               password: str = "") -> bool:
    """A signed-in user sets up (or replaces) their authenticator after giving their password
    again; False when the code is wrong, InputError when the password is."""
    if actor.user_id is None:
        refusals.refuse(services, actor, "auth.enrol_totp",
                        "only a signed-in user can set up their own authenticator")
    now = services.now()
    with services.uow() as uow:
        user = uow.session.get(User, actor.user_id)
        if user is None or user.disabled:
            return False
        _reauthenticate(services, uow, user, password, now)
        step = _matching_step(secret, code, now)
        if step is None:
            return False
        replaced = bool(user.totp_secret)
        user.totp_secret = secret_box.seal(services.settings, secret)
        user.totp_last_step = step
        audit.record(uow, actor=actor, action="auth.totp_enrolled", target_type="user",
                     target_id=user.id, at=now, detail={"replaced": replaced})
        uow.commit()
    return True


def change_own_password(services: Services, actor: Actor, current: str, new: str) -> None:
    """Needs the current password, so an unattended signed-in screen cannot take the account."""
    if actor.user_id is None:
        refusals.refuse(services, actor, "auth.change_password",
                        "only a signed-in user can change their own password")
    now = services.now()
    with services.uow() as uow:
        user = uow.session.get(User, actor.user_id)
        if user is None:
            raise InputError("the current password is wrong", field="current password")
        _reauthenticate(services, uow, user, current, now)
        check_password(new, user.username)
        user.password_hash = hash_password(new)
        audit.record(uow, actor=actor, action="auth.password_changed", target_type="user",
                     target_id=user.id, at=now)
        uow.commit()


def second_factor_state(services: Services, actor: Actor) -> tuple[bool, bool]:
    """(required, enrolled) for the signed-in user."""
    if actor.user_id is None:
        return False, False
    with services.uow() as uow:
        user = uow.session.get(User, actor.user_id)
        if user is None:
            return False, False
        return user.totp_required, bool(user.totp_secret)
