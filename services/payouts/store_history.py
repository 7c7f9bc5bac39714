"""PayoutHistory answered from the store, and the command line's way of reaching it."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from data import migrate
from data.db import make_engine, make_session_factory
from data.queries import payout_history as queries
from services.payouts.history import NO_HISTORY, PastPayment, PastUpload, PayoutHistory


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back naive; the store writes them in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _storable(values: Collection[str]) -> list[str]:
    """The values the store could hold. PostgreSQL refuses a NUL even as a query parameter, so a
    file's value with one (already an error of its line) would crash the check; and no stored
    value holds one, so leaving it out of the question changes no answer."""
    return [value for value in values if "\x00" not in value]


class StoreHistory:
    """Reads through one open session; the caller owns it (and its read-only transaction)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def used_send_ids(self, send_ids: Collection[str]) -> Collection[str]:
        return queries.used_send_ids(self._session, _storable(send_ids))

    def payments_since(self, receivers: Collection[str], since: datetime) -> Iterable[PastPayment]:
        receivers = _storable(receivers)
        return [
            PastPayment(
                row.receiver,
                row.currency,
                row.amount,
                _aware(row.created_at),
                row.request_id,
                row.status,
            )
            for row in queries.lines_to_receivers_since(self._session, receivers, since)
        ]

    def uploads_with_hash(self, hashes: Collection[str]) -> Iterable[PastUpload]:
        return [
            PastUpload(row.file_sha256, row.upload_ref, row.file_name, _aware(row.created_at))
            for row in queries.uploads_with_hash(self._session, _storable(hashes))
        ]


@contextmanager
def store_history(database_url: str) -> Iterator[tuple[PayoutHistory, str | None]]:
    """Yield the store's history when it is reachable and migrated, else empty history and why.

    Never creates anything: a SQLite file that does not exist yet is not opened (connecting
    would create it), nothing here migrates, and the session is only read and then rolled back.
    """
    try:
        url = make_url(database_url)
    except (SQLAlchemyError, ValueError):
        # The parse error quotes the whole URL, password included: say only that it failed.
        yield NO_HISTORY, "DATABASE_URL is not a database URL (see .env.example for the form)"
        return
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or not Path(database).is_file():
            yield NO_HISTORY, f"no store at {database or 'memory'}"
            return
        if not os.access(database, os.R_OK):
            yield NO_HISTORY, f"the store at {database} cannot be read"
            return
    engine = make_engine(database_url)
    try:
        try:
            current = migrate.is_up_to_date(engine)
        except SQLAlchemyError as error:
            yield NO_HISTORY, f"the store cannot be reached ({str(error).splitlines()[0]})"
            return
        if not current:
            yield NO_HISTORY, "the store is not at the latest migration (run paydesk db upgrade)"
            return
        with make_session_factory(engine)() as session:
            yield StoreHistory(session), None
    finally:
        engine.dispose()
