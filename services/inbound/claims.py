"""Claiming rows so that several sync processes never handle the same row at the same time.

PostgreSQL: a short transaction selects candidate rows `FOR UPDATE SKIP LOCKED` (a second
process claiming at the same moment skips them and takes others) and, inside it, takes a
*session-level* advisory lock per row with `pg_try_advisory_lock`. The transaction commits at
once; the advisory locks stay with the claim connection while the rows are queried at the
provider, so no transaction is ever open across a provider call. Each lock is released when
its row is done, and all of them when the pass ends or the process dies (the server drops a
dead session's locks: no lease to expire, no row stuck).

SQLite: a single writer; every candidate is simply taken.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT
from sqlalchemy.engine import Connection

from services.core.context import Services

_ID_BITS = 47
_LOOK_AHEAD = 4
_TRY_LOCKS = text(
    "SELECT k FROM unnest(:keys) AS k WHERE pg_try_advisory_lock(k)"
).bindparams(bindparam("keys", type_=ARRAY(BIGINT)))
_UNLOCK = text("SELECT pg_advisory_unlock(k) FROM unnest(:keys) AS k").bindparams(
    bindparam("keys", type_=ARRAY(BIGINT)))


def lock_key(kind: str, item_id: int) -> int:
    """One signed 64-bit advisory key per (kind, row id); kinds get disjoint key ranges."""
    prefix = int.from_bytes(hashlib.sha256(f"paydesk-sync:{kind}".encode()).digest()[:2], "big")
    key = (prefix << _ID_BITS) | (item_id & ((1 << _ID_BITS) - 1))
    return key - (1 << 64) if key >= 1 << 63 else key


class Claims:
    """The rows this process is working on; use through `claims(services)`."""

    def __init__(self, services: Services, connection: Connection | None) -> None:
        self._services = services
        self._connection = connection  # None on SQLite

    def claim(self, kind: str, model: Any, candidates: Any, limit: int) -> list[int]:
        """Up to `limit` ids from `candidates` (a `select(Model.id)...`) that no one else holds."""
        if self._connection is None:
            with self._services.uow() as uow:
                return [int(i) for i in uow.session.exec(candidates.limit(limit)).all()]
        # Rows another worker is busy with are still candidates (their advisory lock is not a
        # row lock): look a little further than `limit` so that this pass still finds work.
        statement = candidates.limit(limit * _LOOK_AHEAD).with_for_update(
            skip_locked=True, of=model)
        with self._connection.begin():
            ids = [int(i) for i in self._connection.execute(statement).scalars()]
            if not ids:
                return []
            keys = {lock_key(kind, i): i for i in ids}
            got = {int(k) for k in self._connection.execute(_TRY_LOCKS, {"keys": list(keys)})
                   .scalars()}
            mine = [i for i in ids if lock_key(kind, i) in got]
            extra = [lock_key(kind, i) for i in mine[limit:]]
            if extra:
                self._connection.execute(_UNLOCK, {"keys": extra})
            return mine[:limit]

    def release(self, kind: str, item_id: int) -> None:
        if self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock(:k)"),
                                     {"k": lock_key(kind, item_id)})
            self._connection.commit()

    def release_all(self) -> None:
        if self._connection is not None:
            self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
            self._connection.commit()


@contextmanager
def claims(services: Services) -> Iterator[Claims]:
    if services.engine.dialect.name != "postgresql":
        yield Claims(services, None)
        return
    # A pooled connection must not go back to the pool still holding session locks.
    with services.engine.connect() as connection:
        held = Claims(services, connection)
        try:
            yield held
        finally:
            if connection.in_transaction():
                connection.rollback()
            held.release_all()

