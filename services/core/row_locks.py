"""Serialising work on one row (an order being refunded, a mandate being debited).

A no-op-ish UPDATE as the first statement of a transaction is the one lock that behaves the same
on both stores: PostgreSQL takes the row lock (a second transaction waits at its own UPDATE, then
re-reads committed data), and SQLite takes the database write lock at once (BEGIN IMMEDIATE
semantics; with busy_timeout the second writer waits instead of failing on a lock upgrade).
Everything the limit check reads afterwards is therefore what the previous holder committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col

from services.core.unit_of_work import UnitOfWork


def lock_row(uow: UnitOfWork, model: Any, row_id: int, now: datetime) -> bool:
    """Lock `model` row `row_id` for the rest of `uow`'s transaction; False when it is missing.

    Must run before the transaction reads anything, or SQLite would hold an older snapshot.
    """
    result = uow.session.exec(
        update(model).where(col(model.id) == row_id).values(updated_at=now)
    )
    return result.rowcount == 1
