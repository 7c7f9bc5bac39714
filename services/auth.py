"""Signing in: passwords (Argon2id), lockout, the TOTP second factor, idle expiry, single sign-on.

The dashboard keeps only an `Actor` and a last-activity time per browser session; everything that
decides whether someone may enter lives here, so the rules are the same for every entry point and
can be tested with an injected clock (`Services.clock`).
"""

from __future__ import annotations

import hmac
import io
from dataclasses import dataclass
from functools import cache
from datetime import UTC, datetime, timedelta
from typing import Literal

import pyotp
import qrcode
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlmodel import func, select

from data.models import User
from services import audit
from services.access import Actor
from services.bootstrap import Services
from services.errors import InputError, PermissionDeniedError

# Tests swap in argon2.profiles.CHEAPEST; stored hashes carry their own parameters, so either
# hasher verifies the other's hashes.
PASSWORD_HASHER = PasswordHasher()
TOTP_ISSUER = "PayDesk"
# Codes from the previous and next 30-second step are accepted: phone clocks drift.
TOTP_WINDOW = 1
SECOND_FACTOR_MINUTES = 5

Status = Literal["ok", "totp", "enrol", "failed", "locked", "disabled"]


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


def _password_matches(password_hash: str | None, password: str) -> bool:
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


def authenticate(services: Services, username: str, password: str) -> SignInResult:
    """Check a username and password; count failures and lock the account after too many."""
    now = services.now()
    name = username.strip()
    with services.uow() as uow:
        user = uow.session.exec(
            select(User).where(func.lower(User.username) == name.lower())
        ).first()
        if user is None:
            _password_matches(None, password)
            audit.record(uow, actor=name or "(blank)", action="auth.sign_in_failed",
                         outcome="unknown_user", at=now)
            uow.commit()
            return SignInResult("failed", _WRONG)
        locked_until = _aware(user.locked_until)
        if locked_until is not None and locked_until > now:
            audit.record(uow, actor=actor_of(user), action="auth.sign_in_refused",
                         target_type="user", target_id=user.id, outcome="locked", at=now)
            uow.commit()
            return SignInResult("locked", _locked_message(services, locked_until),
                                locked_until=locked_until)
        if not _password_matches(user.password_hash, password):
            return _count_failure(services, uow, user, now, reason="wrong_password")
        if user.disabled:
            audit.record(uow, actor=actor_of(user), action="auth.sign_in_refused",
                         target_type="user", target_id=user.id, outcome="disabled", at=now)
            uow.commit()
            return SignInResult("disabled", "This account is disabled; ask an admin.")
        if PASSWORD_HASHER.check_needs_rehash(user.password_hash or ""):
            user.password_hash = hash_password(password)
        if user.totp_secret:
            uow.commit()
            return SignInResult("totp", "Enter the 6-digit code from your authenticator app.",
                                user_id=user.id)
        if user.totp_required:
            uow.commit()
            return SignInResult("enrol", "Set up your authenticator app to continue.",
                                user_id=user.id)
        actor = _signed_in(uow, user, now, method="password")
        uow.commit()
        return SignInResult("ok", actor=actor)


def _locked_message(services: Services, until: datetime) -> str:
    local = until.astimezone(services.settings.zone)
    return (
        f"Too many failed attempts: this account is locked until {local:%H:%M} "
        f"({services.settings.timezone}). An admin can unlock it with "
        "`paydesk users reset-password`."
    )


def _count_failure(services: Services, uow, user: User, now: datetime, *, reason: str):  # type: ignore[no-untyped-def]
    settings = services.settings
    # Increment in SQL: two replicas counting the same attack must not lose a count.
    uow.session.exec(
        update(User).where(User.id == user.id).values(failed_attempts=User.failed_attempts + 1)
    )
    uow.session.refresh(user)
    audit.record(uow, actor=actor_of(user), action="auth.sign_in_failed", target_type="user",
                 target_id=user.id, outcome=reason, at=now,
                 detail={"failed_attempts": user.failed_attempts})
    if user.failed_attempts >= settings.lockout_attempts:
        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        user.failed_attempts = 0
        audit.record(uow, actor=actor_of(user), action="auth.lockout", target_type="user",
                     target_id=user.id, outcome="locked", at=now,
                     detail={"minutes": settings.lockout_minutes,
                             "attempts": settings.lockout_attempts})
        uow.commit()
        return SignInResult("locked", _locked_message(services, user.locked_until),
                            locked_until=user.locked_until)
    uow.commit()
    return SignInResult("failed", _WRONG)


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
    with services.uow() as uow:
        user = uow.session.get(User, user_id)
        if user is None or user.disabled:
            return SignInResult("disabled", "This account is disabled; ask an admin.")
        locked_until = _aware(user.locked_until)
        if locked_until is not None and locked_until > now:
            return SignInResult("locked", _locked_message(services, locked_until),
                                locked_until=locked_until)
        secret = enrol_secret or user.totp_secret
        if not secret:
            return SignInResult("enrol", "Set up your authenticator app to continue.",
                                user_id=user.id)
        step = _matching_step(secret, code, now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            result = _count_failure(services, uow, user, now, reason="wrong_code")
            if result.status == "failed":
                return SignInResult("totp" if enrol_secret is None else "enrol",
                                    "That code is wrong or already used; try the next one.",
                                    user_id=user.id)
            return result
        user.totp_last_step = step
        if enrol_secret is not None:
            user.totp_secret = enrol_secret
            audit.record(uow, actor=actor_of(user), action="auth.totp_enrolled",
                         target_type="user", target_id=user.id, at=now)
        actor = _signed_in(uow, user, now, method="password+totp")
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


def sign_in_by_email(services: Services, email: str, *, provider: str = "oidc") -> Actor | None:
    """Single sign-on: the identity provider vouched for `email`; PayDesk still decides the role."""
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
            return None
        actor = _signed_in(uow, user, now, method=provider)
        uow.commit()
        return actor


def enrol_totp(services: Services, actor: Actor, secret: str, code: str) -> bool:
    """A signed-in user sets up (or replaces) their authenticator; False when the code is wrong."""
    now = services.now()
    step = _matching_step(secret, code, now)
    if step is None or actor.user_id is None:
        return False
    with services.uow() as uow:
        user = uow.session.get(User, actor.user_id)
        if user is None or user.disabled:
            return False
        replaced = bool(user.totp_secret)
        user.totp_secret = secret
        user.totp_last_step = step
        audit.record(uow, actor=actor, action="auth.totp_enrolled", target_type="user",
                     target_id=user.id, at=now, detail={"replaced": replaced})
        uow.commit()
    return True


def change_own_password(services: Services, actor: Actor, current: str, new: str) -> None:
    """Needs the current password, so an unattended signed-in screen cannot take the account."""
    from services.users import check_password  # users imports this module

    if actor.user_id is None:
        raise PermissionDeniedError("only a signed-in user can change their own password")
    now = services.now()
    with services.uow() as uow:
        user = uow.session.get(User, actor.user_id)
        if user is None or not _password_matches(user.password_hash, current):
            raise InputError("the current password is wrong", field="current password")
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
