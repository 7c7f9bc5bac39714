"""Payout batch and payout line news (services.inbound.dispatch) and the payouts sync job
(services.inbound.sync_runner).

The rules (lock the batch, move only forward, be idempotent) live in
services.payouts.following, which status queries and the sync job use too.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import col, select

from data.models import PayoutBatch, PayoutLine
from services.core.context import Services
from services.payouts import sending, states
from services.payouts.following import apply_batch_news, apply_line_news, refresh_batch
from services.inbound.dispatch import handles
from services.providers.base import PayoutBatchState, PayoutLineState
from services.providers.events import EventKind, InboundEvent
from services.providers.errors import ProviderError
from services.inbound.sync_runner import sync_job
from services.core.unit_of_work import UnitOfWork


log = logging.getLogger(__name__)


@handles(EventKind.PAYOUT)
def on_payout(services: Services, uow: UnitOfWork, event: InboundEvent) -> str | None:
    """A batch changed state at the provider."""
    request_id = event.merchant_id
    if not request_id or not isinstance(event.state, PayoutBatchState):
        return None
    outcome = apply_batch_news(uow, request_id, event.state, services.now(),
                               provider_status=event.provider_status)
    if outcome is not None and outcome != "payout_unchanged":
        # Batch news names no line: ask for the lines as soon as this commits, so a paid batch
        # shows its lines paid without waiting for a sync pass.
        uow.after_commit(f"payout-lines:{request_id}",
                         lambda: follow_lines(services, request_id))
    return outcome


def follow_lines(services: Services, request_id: str) -> None:
    try:
        refresh_batch(services, request_id)
    except ProviderError as error:
        log.warning("lines of payout batch %s not fetched (%s); sync asks again", request_id,
                    error)


@handles(EventKind.PAYOUT_LINE)
def on_payout_line(services: Services, uow: UnitOfWork, event: InboundEvent) -> str | None:
    """One line changed (an e-mail receiver's: awaiting receipt, paid, returned or failed)."""
    request_id, send_id = event.parent_merchant_id, event.merchant_id
    if not request_id or not send_id or not isinstance(event.state, PayoutLineState):
        return None
    return apply_line_news(uow, request_id, send_id, event.state, services.now(),
                           provider_line_id=event.details.get("provider_line_id"),
                           occurred_at=event.occurred_at, amount=event.amount,
                           currency=event.currency, provider_status=event.provider_status)


# --- the sync job --------------------------------------------------------------------------------


@sync_job("payouts", model=PayoutBatch, batch=100)
class PayoutSync:
    """Batches sent and not settled (and those whose send has no known outcome), asked about
    with their stored requestId. A batch is final for us only when every line is: one the
    provider calls final is asked about again while any of its lines is not (an e-mail line
    until its receiver signs up or the claim window ends)."""

    @staticmethod
    def candidates(services: Services, now: datetime):  # type: ignore[no-untyped-def]
        waiting = select(PayoutLine.batch_id).where(
            col(PayoutLine.status).not_in(list(states.FINAL_LINE)))
        return (
            select(PayoutBatch.id)
            .where(or_(
                col(PayoutBatch.status).in_([states.ACCEPTED, states.PROCESSING]),
                # Not at once after a timeout: each pass looks it up, and look-ups a moment
                # apart say nothing more than one (sending decides when it may go again).
                and_(col(PayoutBatch.status) == states.UNKNOWN,
                     col(PayoutBatch.updated_at) <= now - sending.LOOKUP_SPACING),
                and_(col(PayoutBatch.status) == states.SENDING,
                     col(PayoutBatch.updated_at) <= now - sending.LEASE),
                and_(col(PayoutBatch.status).in_(list(states.PROVIDER_FINAL)),
                     col(PayoutBatch.id).in_(waiting)),
            ))
            .order_by(col(PayoutBatch.updated_at), col(PayoutBatch.id))
        )

    @staticmethod
    def handle(services: Services, item_id: int) -> str:
        with services.uow() as uow:
            batch = uow.session.get(PayoutBatch, item_id)
            if batch is None:
                return "gone"
            request_id, before = batch.request_id, batch.status
        if before in states.IN_FLIGHT:
            # Looks the batch up by its requestId; re-sends the same request only when the
            # provider never saw it, and never while a live sender still holds it.
            after = sending.send_batch(services, None, request_id).after
        else:
            change = refresh_batch(services, request_id)
            after = change.after if change is not None else before
        return "unchanged" if after == before else after.lower()
