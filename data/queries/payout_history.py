"""Earlier payouts, as validation of a new file needs them. Read only; never commits.

Lists of values are queried in chunks so that a 100k-line file stays under the database's limit
on bound parameters (SQLite allows 32,766; PostgreSQL 65,535).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple, TypeVar

from sqlalchemy import func, select
from sqlmodel import Session

from data.models import PayoutBatch, PayoutLine

CHUNK = 1000
_T = TypeVar("_T")


class PastLineRow(NamedTuple):
    receiver: str
    currency: str
    amount: Decimal
    created_at: datetime
    request_id: str
    status: str


class PastUploadRow(NamedTuple):
    file_sha256: str
    upload_ref: str | None
    file_name: str | None
    created_at: datetime


def _chunks(values: Collection[_T]) -> Iterator[Sequence[_T]]:
    ordered = sorted(values)  # type: ignore[type-var]
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def used_send_ids(session: Session, send_ids: Collection[str]) -> set[str]:
    """Those of `send_ids` that a stored payout line already carries."""
    found: set[str] = set()
    for chunk in _chunks(send_ids):
        statement = select(PayoutLine.merchant_send_id).where(
            PayoutLine.merchant_send_id.in_(chunk)  # type: ignore[attr-defined]
        )
        found.update(session.execute(statement).scalars())
    return found


def lines_to_receivers_since(
    session: Session, receivers: Collection[str], since: datetime
) -> list[PastLineRow]:
    """Stored lines to any of `receivers` (lower-case) in batches created at or after `since`."""
    rows: list[PastLineRow] = []
    receiver = func.lower(PayoutLine.receiver)
    for chunk in _chunks({r.lower() for r in receivers}):
        statement = (
            select(
                PayoutLine.receiver,
                PayoutLine.currency,
                PayoutLine.amount,
                PayoutBatch.created_at,
                PayoutBatch.request_id,
                PayoutLine.status,
            )
            .join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)  # type: ignore[arg-type]
            .where(PayoutBatch.created_at >= since, receiver.in_(chunk))
            .order_by(PayoutBatch.created_at, PayoutLine.id)
        )
        rows.extend(PastLineRow(*row) for row in session.execute(statement))
    return rows


def uploads_with_hash(session: Session, hashes: Collection[str]) -> list[PastUploadRow]:
    """One row per earlier upload (upload_ref) whose stored file hash is one of `hashes`."""
    statement = (
        select(
            PayoutBatch.file_sha256,
            PayoutBatch.upload_ref,
            func.min(PayoutBatch.file_name),
            func.min(PayoutBatch.created_at),
        )
        .where(PayoutBatch.file_sha256.in_(sorted(hashes)))  # type: ignore[union-attr]
        .group_by(PayoutBatch.file_sha256, PayoutBatch.upload_ref)
        .order_by(func.min(PayoutBatch.created_at))
    )
    return [PastUploadRow(*row) for row in session.execute(statement)]
