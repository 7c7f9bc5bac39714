"""The append-only audit log: recording inside the caller's transaction, searching, exporting.

`record` only adds the entry to the caller's unit of work, so the entry commits or rolls back
together with the action it describes: there is never an entry for something that did not happen,
nor an action without its entry.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from data.models import AuditEntry
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import InputError
from services.core.cells import safe_csv_cell  # noqa: F401 (audit exports use it)
from services.core.refusals import require
from services.core.unit_of_work import UnitOfWork

# Some callers act without a signed-in person (webhook receiver, sync worker).
SYSTEM = "system"
_NAME_MAX = 64
EXPORT_CHUNK = 5_000
CSV_COLUMNS_FIELDS = (
    "id", "at", "user", "action", "target_type", "target_id", "amount", "currency",
    "idempotency_key", "provider_code", "outcome", "detail",
)
# Headers in words, as on the Audit page; the cells keep the stored codes an auditor searches.
CSV_COLUMNS = ("Entry id", "Time", "User", "Action code", "Target type", "Target id", "Amount",
               "Currency", "Idempotency key", "Provider code", "Outcome", "Detail", "Time zone")


def record(
    uow: UnitOfWork,
    *,
    actor: Actor | str | None,
    action: str,
    target_type: str | None = None,
    target_id: str | int | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    idempotency_key: str | None = None,
    provider_code: str | None = None,
    outcome: str = "ok",
    detail: str | dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add an audit entry to `uow`; the caller commits it with the action it records.

    `actor` is the acting Actor, or a bare name when nobody is signed in (a typed username on a
    failed sign-in, 'system' for workers). Pass `at=services.now()` so tests can pin the clock.
    """
    if amount is not None and not isinstance(amount, Decimal):
        raise TypeError(f"audit amounts must be Decimal, got {type(amount).__name__}")
    if isinstance(actor, Actor):
        actor_id, actor_name = actor.user_id, actor.username
    else:
        actor_id, actor_name = None, (actor or SYSTEM)
    if isinstance(detail, dict):
        detail = json.dumps(detail, default=str, sort_keys=True)
    entry = AuditEntry(
        actor_id=actor_id,
        actor_name=actor_name[:_NAME_MAX],
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        amount=amount,
        currency=currency,
        idempotency_key=idempotency_key,
        provider_code=provider_code,
        outcome=outcome,
        detail=detail,
    )
    if at is not None:
        entry.at = at
    uow.session.add(entry)


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """Dates are calendar days in the configured time zone, both ends included."""

    user: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    user: str
    action: str
    target_type: str | None
    target_id: str | None
    amount: Decimal | None
    currency: str | None
    idempotency_key: str | None
    provider_code: str | None
    outcome: str
    detail: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _bounds(services: Services, filters: AuditFilter) -> tuple[datetime | None, datetime | None]:
    zone = services.settings.zone
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InputError("the start date is after the end date; swap them", field="date range")
    start = datetime.combine(filters.date_from, time.min, zone) if filters.date_from else None
    end = (
        datetime.combine(filters.date_to + timedelta(days=1), time.min, zone)
        if filters.date_to
        else None
    )
    return start, end


def _filtered(services: Services, statement: Any, filters: AuditFilter) -> Any:
    start, end = _bounds(services, filters)
    if filters.user:
        statement = statement.where(AuditEntry.actor_name == filters.user)
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if start is not None:
        statement = statement.where(col(AuditEntry.at) >= start)
    if end is not None:
        statement = statement.where(col(AuditEntry.at) < end)
    return statement


def _row(entry: AuditEntry, services: Services) -> AuditRow:
    return AuditRow(
        id=entry.id or 0,
        at=entry.at.astimezone(services.settings.zone),
        user=entry.actor_name,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        amount=entry.amount,
        currency=entry.currency,
        idempotency_key=entry.idempotency_key,
        provider_code=entry.provider_code,
        outcome=entry.outcome,
        detail=entry.detail,
    )


def search(
    services: Services, actor: Actor, filters: AuditFilter, *, page: int = 1, page_size: int = 50
) -> AuditPage:
    """One page of entries, newest first; LIMIT/OFFSET and COUNT run in SQL."""
    require(services, actor, "audit.view")
    page_size = max(1, min(page_size, 500))
    with services.uow() as uow:
        total = uow.session.exec(
            _filtered(services, select(func.count()).select_from(AuditEntry), filters)
        ).one()
        page = max(1, min(page, max(1, -(-total // page_size))))
        statement = _filtered(services, select(AuditEntry), filters)
        statement = statement.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        entries = uow.session.exec(statement.offset((page - 1) * page_size).limit(page_size)).all()
        return AuditPage([_row(e, services) for e in entries], int(total), page, page_size)


def filter_options(services: Services, actor: Actor) -> tuple[list[str], list[str]]:
    """(users, actions) that appear in the log, for the page's filter lists."""
    require(services, actor, "audit.view")
    from data.models import User  # local: only this helper needs the users table

    with services.uow() as uow:
        users = uow.session.exec(select(User.username).order_by(User.username)).all()
        actions = uow.session.exec(
            select(AuditEntry.action).distinct().order_by(AuditEntry.action)
        ).all()
    return list(users), list(actions)


# --- export --------------------------------------------------------------------------------------


def export_csv(services: Services, actor: Actor, filters: AuditFilter) -> Iterator[str]:
    """Every entry the filters match (no cap), oldest first, as CSV text chunks.

    Reads in keyset chunks so a long log never sits in memory at once; the export itself is
    recorded, since who took a copy of the log is part of the log.
    """
    require(services, actor, "audit.view")
    with services.uow() as uow:
        # The export covers the log as it stood when asked: not its own entry, nor anything
        # written while it streams.
        upper_id = uow.session.exec(select(func.max(AuditEntry.id))).one() or 0
        record(uow, actor=actor, action="audit.export", detail=_filter_detail(filters),
               at=services.now())
        uow.commit()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    zone_name = services.settings.timezone
    last_id = 0
    while True:
        with services.uow() as uow:
            statement = _filtered(services, select(AuditEntry), filters)
            statement = statement.where(
                col(AuditEntry.id) > last_id, col(AuditEntry.id) <= upper_id
            )
            rows = [
                _row(entry, services)
                for entry in uow.session.exec(
                    statement.order_by(col(AuditEntry.id)).limit(EXPORT_CHUNK)
                ).all()
            ]
        for row in rows:
            writer.writerow([safe_csv_cell(getattr(row, name)) for name in CSV_COLUMNS_FIELDS]
                            + [zone_name])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < EXPORT_CHUNK:
            return
        last_id = rows[-1].id


def export_csv_bytes(services: Services, actor: Actor, filters: AuditFilter) -> bytes:
    return "".join(export_csv(services, actor, filters)).encode("utf-8-sig")


def _filter_detail(filters: AuditFilter) -> dict[str, str]:
    return {k: str(v) for k, v in vars(filters).items() if v is not None}
