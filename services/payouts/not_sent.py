"""Batches the provider refused outright (or never received: the connection was refused on
every attempt) wait in SEND_FAILED. The sync worker rightly never sends them again on its own
(someone may have paid these people another way meanwhile), so people must be told: these
functions feed the Payouts page, the approvals list and `paydesk sync`."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from data.models import PayoutBatch
from services.core.access import Actor
from services.core.context import Services
from services.core.refusals import require
from services.payouts import states


def count_not_sent(services: Services) -> int:
    """How many batches wait, not sent, for someone to send them again."""
    with services.uow() as uow:
        return int(uow.session.exec(
            select(func.count()).select_from(PayoutBatch)
            .where(PayoutBatch.status == states.SEND_FAILED)).one())


def uploads_not_sent(services: Services, actor: Actor) -> dict[str, int]:
    """Upload reference -> how many of its batches wait, not sent; oldest upload first."""
    require(services, actor, "orders.view")
    with services.uow() as uow:
        rows = uow.session.exec(
            select(PayoutBatch.upload_ref, func.count(), func.min(PayoutBatch.created_at))
            .where(PayoutBatch.status == states.SEND_FAILED,
                   col(PayoutBatch.upload_ref).is_not(None))
            .group_by(PayoutBatch.upload_ref)
            .order_by(func.min(PayoutBatch.created_at))).all()
    return {str(ref): int(count) for ref, count, _ in rows}
