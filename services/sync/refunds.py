"""The refunds sync job: open refunds (PENDING, UNKNOWN, REFUNDING) resolved with their stored
refundRequestId by `services.refund_updates.sync_refund`, which queries first and re-sends under
the same id only when the provider never saw the refund (so it can never refund twice).

The refunds engineer may move this registration into `services/refund_updates.py`; if so,
replace this module's line in `services.sync.SYNC_MODULES` with that one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from data.models import Refund
from services import refund_updates
from services.bootstrap import Services
from services.sync import sync_job

#: A refund younger than this may still be inside its first call from the dashboard: leave it
#: to that call (a re-send would be harmless, the id is the same, but it is noise).
MIN_AGE = timedelta(seconds=30)


@sync_job("refunds", model=Refund, batch=100)
class RefundSync:
    @staticmethod
    def candidates(services: Services, now: datetime):  # type: ignore[no-untyped-def]
        return (
            select(Refund.id)
            .where(col(Refund.status).in_(refund_updates.OPEN),
                   col(Refund.updated_at) <= now - MIN_AGE)
            .order_by(col(Refund.updated_at), col(Refund.id))
        )

    @staticmethod
    def handle(services: Services, item_id: int) -> str:
        with services.uow() as uow:
            refund = uow.session.get(Refund, item_id)
            if refund is None or refund.status not in refund_updates.OPEN:
                return "settled"
            request_id, before = refund.refund_request_id, refund.status
        refund_updates.sync_refund(services, request_id)
        with services.uow() as uow:
            after = uow.session.get(Refund, item_id)
            status = after.status if after is not None else "gone"
        return "unchanged" if status == before else status.lower()
