"""Which open money movements are due for a provider check. Never commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col


def stale_open_ids(
    session: Session,
    *,
    id_column: Any,
    status_column: Any,
    updated_column: Any,
    statuses: Iterable[str],
    not_after: datetime,
    limit: int,
) -> list[str]:
    """Ids of rows in `statuses` untouched since `not_after`, least recently updated first."""
    statement = (
        select(id_column)
        .where(col(status_column).in_(list(statuses)), col(updated_column) <= not_after)
        .order_by(col(updated_column))
        .limit(limit)
    )
    return list(session.execute(statement).scalars())
