"""Server-side sessions: a browser stays signed in across refreshes and new tabs while its session
lives, and loses it on sign-out, idle expiry, the absolute limit, or when the user is disabled.

Right after sign-in the page holds a one-time ticket (valid for a minute) and trades it, through a
small HTTP route, for a random token in a Secure, HttpOnly, SameSite cookie. The store keeps only
hashes of both, so a copy of the database signs nobody in, and the token never passes through page
scripts, URLs or logs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from data.models import User, UserSession
from services.core.access import Actor
from services.core.context import Services
from services.core.unit_of_work import UnitOfWork

COOKIE_NAME = "paydesk_session"
TICKET_SECONDS = 60
# However active, a session ends after this long: a stolen cookie does not live for ever.
ABSOLUTE_HOURS = 12
# last_seen_at is written at most this often, not on every click.
_TOUCH_SECONDS = 30


@dataclass(frozen=True)
class Session:
    id: int
    actor: Actor


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for values stored as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def start(services: Services, actor: Actor) -> tuple[int, str]:
    """A session for someone who just signed in (every factor checked): (id, one-time ticket)."""
    if actor.user_id is None:
        raise ValueError("only a stored user has a browser session")
    now = services.now()
    ticket = secrets.token_urlsafe(24)
    with services.uow() as uow:
        row = UserSession(ticket_hash=_digest(ticket), user_id=actor.user_id, created_at=now,
                          last_seen_at=now, expires_at=now + timedelta(hours=ABSOLUTE_HOURS))
        uow.session.add(row)
        uow.commit()
        assert row.id is not None
        return row.id, ticket


def redeem_ticket(services: Services, ticket: str) -> tuple[str, datetime] | None:
    """For the cookie route: a fresh, unused ticket gives (token, expiry) exactly once."""
    now = services.now()
    token = secrets.token_urlsafe(32)
    with services.uow() as uow:
        # One conditional UPDATE: of two requests with the same ticket, exactly one wins.
        traded = uow.session.exec(
            update(UserSession)
            .where(col(UserSession.ticket_hash) == _digest(ticket),
                   col(UserSession.token_hash).is_(None),
                   col(UserSession.revoked_at).is_(None),
                   col(UserSession.created_at) >= now - timedelta(seconds=TICKET_SECONDS))
            .values(ticket_hash=None, token_hash=_digest(token))
        )
        if traded.rowcount != 1:
            return None
        row = uow.session.exec(
            select(UserSession).where(UserSession.token_hash == _digest(token))
        ).one()
        uow.commit()
        return token, _aware(row.expires_at)


def resume(services: Services, token: str | None) -> Session | None:
    """The live session a cookie names, or None (unknown, revoked, idle, expired, disabled)."""
    if not isinstance(token, str) or not token:
        return None
    with services.uow() as uow:
        row = uow.session.exec(
            select(UserSession).where(UserSession.token_hash == _digest(token))
        ).first()
        return _check(services, uow, row)


def check(services: Services, session_id: int) -> Session | None:
    """Called on every run of a signed-in page: still valid? (and keep it from going idle)."""
    with services.uow() as uow:
        return _check(services, uow, uow.session.get(UserSession, session_id))


def _check(services: Services, uow: UnitOfWork, row: UserSession | None) -> Session | None:
    if row is None or row.revoked_at is not None:
        return None
    now = services.now()
    idle = timedelta(minutes=services.settings.session_idle_minutes)
    user = uow.session.get(User, row.user_id)
    ended = ("disabled" if user is None or user.disabled
             else "expired" if _aware(row.expires_at) <= now
             else "idle" if now - _aware(row.last_seen_at) > idle else None)
    if ended is not None:
        row.revoked_at, row.revoked_reason = now, ended
        uow.commit()
        return None
    assert user is not None and row.id is not None
    if now - _aware(row.last_seen_at) > timedelta(seconds=_TOUCH_SECONDS):
        row.last_seen_at = now
        uow.commit()
    return Session(row.id, Actor(user_id=user.id, username=user.username, role=user.role))


def end_reason(services: Services, session_id: int) -> str | None:
    """Why a session ended ('idle', 'disabled', 'user'…), for the sign-in page's notice."""
    with services.uow() as uow:
        row = uow.session.get(UserSession, session_id)
        return None if row is None else row.revoked_reason


def revoke(services: Services, session_id: int, *, reason: str = "user") -> None:
    with services.uow() as uow:
        uow.session.exec(
            update(UserSession)
            .where(col(UserSession.id) == session_id, col(UserSession.revoked_at).is_(None))
            .values(revoked_at=services.now(), revoked_reason=reason)
        )
        uow.commit()


def revoke_all(uow: UnitOfWork, user_id: int, now: datetime, *, reason: str) -> None:
    """Inside the caller's transaction: every live session of `user_id` ends."""
    uow.session.exec(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
