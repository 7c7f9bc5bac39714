"""Following refunds to their end with the provider: one refund at a time (`sync_refund`, which
queries first and re-sends under the same id only when the provider never saw the refund, so it
can never refund twice) and the worker's job over every refund still open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from data.models import Order, Refund
from data.queries.sync_candidates import stale_open_ids
from services.core import audit
from services.core.context import Services
from services.core.errors import PayDeskError
from services.inbound.sync_runner import sync_job
from services.providers.errors import NotFoundError as ProviderNotFound
from services.providers.errors import ProviderError
from services.refunds import events as refund_updates
from services.refunds.commands import send_refund
from services.refunds.events import OPEN, PENDING, UNKNOWN, apply_result

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
        sync_refund(services, request_id)
        with services.uow() as uow:
            after = uow.session.get(Refund, item_id)
            status = after.status if after is not None else "gone"
        return "unchanged" if status == before else status.lower()


def sync_refund(services: Services, refund_request_id: str) -> str:
    """Resolve one open refund with the provider, reusing its id; never creates a second one."""
    with services.uow() as uow:
        refund = uow.session.exec(
            select(Refund).where(Refund.refund_request_id == refund_request_id)
        ).first()
        if refund is None:
            return f"unknown refund {refund_request_id}"
        status = refund.status
        order = uow.session.get(Order, refund.order_id)
        provider_name = order.provider if order is not None else None
        provider_order_id = order.provider_order_id if order is not None else None
        provider_refund_id = refund.provider_refund_id
    if status not in OPEN:
        return f"{refund_request_id}: {status}, nothing to do"
    try:
        # The provider that owns the order; the payment's ids are for those that find a refund
        # only through its payment (Monetix).
        result = services.provider_for(provider_name).get_refund(
            refund_request_id=refund_request_id, provider_order_id=provider_order_id or None,
            provider_refund_id=provider_refund_id or None)
    except ProviderNotFound:
        if status in (PENDING, UNKNOWN):
            # The provider never saw it: sending it now under the same id cannot pay twice.
            outcome = send_refund(services, refund_request_id)
            return f"{refund_request_id}: not at the provider, sent again -> {outcome.status}"
        return f"{refund_request_id}: provider does not know it; left {status}"
    except ProviderError as error:
        return f"{refund_request_id}: query failed ({error}); left {status}"
    except PayDeskError as error:  # its provider is not enabled in this deployment
        return f"{refund_request_id}: {error}; left {status}"
    with services.uow() as uow:
        change = apply_result(uow, result, services.now())
        if change is not None and change.moved:
            audit.record(uow, actor=audit.SYSTEM, action="refund.synced", target_type="refund",
                         target_id=refund_request_id, idempotency_key=refund_request_id,
                         provider_code=result.state.value, outcome=change.after,
                         at=services.now())
        uow.commit()
    after = change.after if change else status
    return f"{refund_request_id}: {status} -> {after}"


def sync_open_refunds(services: Services, *, older_than_seconds: int = 30,
                      limit: int = 200) -> dict[str, int]:
    """Sync job: every refund still open after `older_than_seconds`, oldest first."""
    with services.uow() as uow:
        due = stale_open_ids(
            uow.session, id_column=Refund.refund_request_id, status_column=Refund.status,
            updated_column=Refund.updated_at, statuses=OPEN,
            not_after=services.now() - timedelta(seconds=older_than_seconds), limit=limit)
    for request_id in due:
        sync_refund(services, request_id)
    return {"checked": len(due)}
