"""Throttling failed sign-ins: a wait that grows with each failure, per name-and-source and per
source, never a lock that anyone who knows a username can put on someone else.

Keys are SHA-256 hashes, so unknown and known names are counted the same way (nothing reveals
which names exist) and a password typed into the username box is never stored. The guesser's own
source is slowed; the real user signing in from elsewhere is not.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite

from data.models import SignInThrottle
from services.core.config import Settings
from services.core.unit_of_work import UnitOfWork

# Many colleagues can share one office address: the source alone gets more room.
SOURCE_FACTOR = 4
_FIRST_WAIT_SECONDS = 2


def keys(name: str, source: str) -> list[str]:
    """The counters one attempt touches: this name from this source, and this source."""
    return [_hash("pair", f"{name.strip().lower()}\x00{source}"), _hash("source", source)]


def factor_key(user_id: int) -> str:
    return _hash("factor", str(user_id))


def _hash(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()[:64]}"


def _free(settings: Settings, key: str) -> int:
    free = settings.lockout_attempts
    return free * SOURCE_FACTOR if key.startswith("source:") else free


def wait(uow: UnitOfWork, keys: list[str], now: datetime) -> timedelta | None:
    """How long these keys must still wait, or None."""
    longest = None
    for key in keys:
        row = uow.session.get(SignInThrottle, key)
        until = _aware(row.blocked_until) if row is not None else None
        if until is not None and until > now:
            left = until - now
            longest = left if longest is None or left > longest else longest
    return longest


def failed(uow: UnitOfWork, settings: Settings, keys: list[str], now: datetime) -> None:
    """Count one failure on each key; past the free attempts the wait doubles each time."""
    for key in keys:
        _increment(uow, key, now)
        row = uow.session.get(SignInThrottle, key, populate_existing=True)
        assert row is not None
        over = row.failures - _free(settings, key)
        if over >= 0:
            seconds = min(_FIRST_WAIT_SECONDS * 2 ** min(over, 20), settings.lockout_minutes * 60)
            row.blocked_until = now + timedelta(seconds=seconds)


def succeeded(uow: UnitOfWork, key: str) -> None:
    row = uow.session.get(SignInThrottle, key)
    if row is not None:
        uow.session.delete(row)


def _increment(uow: UnitOfWork, key: str, now: datetime) -> None:
    # One statement: two replicas counting the same attack at once must not lose a count.
    dialect = postgresql if uow.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(SignInThrottle).values(key=key, failures=1, last_failure_at=now)
    uow.session.execute(statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"failures": SignInThrottle.failures + 1, "last_failure_at": now},
    ))


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for values stored as UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
