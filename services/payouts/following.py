"""Following payout batches to their end: the provider's answers, webhooks and the sync job
(both in services.payouts.events) and status queries all land here.

Every change runs inside the caller's unit of work and starts by locking the batch row, so a
webhook and a query answer for the same batch arriving together take turns. Statuses only move
forward (services.payouts.states): a late PROCESSING never undoes SUCCESS, a FAIL line never
comes back. The handlers are idempotent: the same event may arrive any number of times.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import col, select

from data.models import PayoutBatch, PayoutLine
from services.core import audit
from services.inbound import evidence
from services.core.access import Actor
from services.core.context import Services
from services.payouts import states
from services.payouts.terms import batch_provider
from services.providers.base import PayoutBatchResult, PayoutBatchState, PayoutLineState
from services.providers.errors import ProviderError
from services.core.refusals import require
from services.core.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

_BATCH_FROM_STATE = {
    PayoutBatchState.ACCEPTED: states.ACCEPTED,
    PayoutBatchState.PROCESSING: states.PROCESSING,
    PayoutBatchState.SUCCEEDED: states.SUCCESS,
    PayoutBatchState.PARTIALLY_SUCCEEDED: states.PART_SUCCESS,
    PayoutBatchState.FAILED: states.FAILED,
    PayoutBatchState.CANCELED: states.CANCELED,
}
_LINE_FROM_STATE = {
    PayoutLineState.PROCESSING: states.LINE_PROCESSING,
    PayoutLineState.SUCCEEDED: states.LINE_SUCCESS,
    PayoutLineState.FAILED: states.LINE_FAIL,
    PayoutLineState.AWAITING_RECEIPT: states.LINE_AWAITING,
    PayoutLineState.RETURNED: states.LINE_REFUNDED,
}
_FINISHED = frozenset({states.SUCCESS, states.FAILED, states.CANCELED, states.PART_SUCCESS})


@dataclass(frozen=True)
class BatchChange:
    request_id: str
    before: str
    after: str
    lines_moved: int

    @property
    def moved(self) -> bool:
        return self.before != self.after or self.lines_moved > 0


def lock_batch(uow: UnitOfWork, request_id: str, now: datetime) -> PayoutBatch | None:
    """Lock the batch row for the rest of the transaction and read it fresh; None if unknown.

    The UPDATE comes first: on PostgreSQL it takes the row lock, on SQLite the write lock, so
    what is read next is what the previous holder committed.
    """
    touched = uow.session.exec(
        update(PayoutBatch).where(col(PayoutBatch.request_id) == request_id)
        .values(updated_at=now)
    )
    if touched.rowcount != 1:
        return None
    return uow.session.exec(
        select(PayoutBatch).where(PayoutBatch.request_id == request_id)
        .execution_options(populate_existing=True)
    ).one()


def _batch_status(batch: PayoutBatch, after: str, now: datetime, actor: str) -> bool:
    before = batch.status
    if not states.batch_may_move(before, after):
        return False
    batch.status = after
    if after in _FINISHED and batch.completed_at is None:
        batch.completed_at = now
    if after in states.PROVIDER_BATCH_STATES and batch.sent_at is None:
        batch.sent_at = now
    return True


def _line_status(line: PayoutLine, after: str, now: datetime, *,
                 occurred_at: datetime | None = None) -> bool:
    if after == states.LINE_AWAITING:
        _claim_deadline(line, occurred_at or now)
    if not states.line_may_move(line.status, after):
        return False
    line.status = after
    line.updated_at = now
    return True


def _claim_deadline(line: PayoutLine, awaiting_since: datetime) -> None:
    """The deadline is the first "awaiting receipt" time plus the provider's window, whatever
    order the news comes in: set even when the line is already final (the final status overtook
    the awaiting one), and never moved later by a repeated or retried notification."""
    deadline = awaiting_since + timedelta(hours=states.CLAIM_WINDOW_HOURS)
    current = line.claim_deadline
    if current is not None and current.tzinfo is None:
        current = current.replace(tzinfo=deadline.tzinfo)  # SQLite hands back naive UTC
    if current is None or deadline < current:
        line.claim_deadline = deadline


def apply_result(uow: UnitOfWork, result: PayoutBatchResult, now: datetime, *,
                 actor: str = audit.SYSTEM) -> BatchChange | None:
    """Apply a create or query answer to the batch and its lines; None for an unknown batch."""
    batch = lock_batch(uow, result.batch_request_id, now)
    if batch is None:
        return None
    before = batch.status
    after = _BATCH_FROM_STATE.get(result.state, states.PROCESSING)
    moved = _batch_status(batch, after, now, actor)
    if batch.status == after and result.provider_status:
        batch.provider_status = result.provider_status[:64]
    if result.total_fee is not None:
        batch.total_fee = result.total_fee
    if moved:
        batch.error_code = batch.error_message = None
    lines_moved = 0
    if result.lines:
        by_id = {line.merchant_line_id: line for line in result.lines}
        rows = uow.session.exec(
            select(PayoutLine).where(PayoutLine.batch_id == batch.id)
            .execution_options(populate_existing=True)
        ).all()
        for row in rows:
            news = by_id.get(row.merchant_send_id)
            if news is None:
                continue
            if not evidence.check(
                    uow, row, target_type="payout_line", target_id=row.merchant_send_id,
                    ours=evidence.Figures(row.amount, row.currency),
                    theirs=evidence.Figures(news.amount, result.currency), source="query",
                    now=now, key=row.merchant_send_id):
                continue
            status = _LINE_FROM_STATE.get(news.state, states.LINE_PROCESSING)
            if news.provider_line_id and not row.provider_order_id:
                row.provider_order_id = news.provider_line_id
            if _line_status(row, status, now):
                lines_moved += 1
            if row.status == status and news.provider_status:
                row.provider_status = news.provider_status[:64]
            uow.session.add(row)
    uow.session.add(batch)
    if moved:
        _audit_status(uow, batch, before, actor, now)
    return BatchChange(batch.request_id, before, batch.status, lines_moved)


def _audit_status(uow: UnitOfWork, batch: PayoutBatch, before: str, actor: str,
                  now: datetime) -> None:
    audit.record(uow, actor=actor, action="payout.batch_status", target_type="payout_batch",
                 target_id=batch.request_id, amount=batch.total_amount,
                 currency=batch.currency, idempotency_key=batch.request_id,
                 provider_code=batch.status, at=now,
                 detail={"from": before, "to": batch.status})
    if before == states.SEND_FAILED:
        audit_refusal_overturned(uow, batch, actor, now)


def audit_refusal_overturned(uow: UnitOfWork, batch: PayoutBatch, actor: str,
                             now: datetime) -> None:
    """We read the send as refused, yet the provider has the batch: someone may have paid these
    people another way meanwhile, so the turn-around is audited as a conflict to be looked at."""
    audit.record(uow, actor=actor, action="payout.refusal_overturned",
                 target_type="payout_batch", target_id=batch.request_id,
                 amount=batch.total_amount, currency=batch.currency,
                 idempotency_key=batch.request_id, provider_code=batch.status,
                 outcome="conflict", at=now,
                 detail={"from": states.SEND_FAILED, "to": batch.status,
                         "why": "recorded as refused, found at the provider"})


# --- webhook news --------------------------------------------------------------------------------


def apply_batch_news(uow: UnitOfWork, request_id: str, state: PayoutBatchState,
                     now: datetime, *, provider_status: str | None = None) -> str | None:
    """Provider news: the batch reached `state` (`provider_status` in the provider's own word,
    kept when the batch ends up there). None when the batch is not ours."""
    status = _BATCH_FROM_STATE.get(state)
    if status is None:
        return None
    batch = lock_batch(uow, request_id, now)
    if batch is None:
        return None
    before = batch.status
    moved = _batch_status(batch, status, now, audit.SYSTEM)
    if batch.status == status and provider_status:
        batch.provider_status = provider_status[:64]
        uow.session.add(batch)
    if moved:
        uow.session.add(batch)
        _audit_status(uow, batch, before, audit.SYSTEM, now)
        return f"payout_{status.lower()}"
    return "payout_unchanged"


def apply_line_news(uow: UnitOfWork, request_id: str, send_id: str, state: PayoutLineState,
                    now: datetime, *, provider_line_id: str | None = None,
                    occurred_at: datetime | None = None, amount: Decimal | None = None,
                    currency: str | None = None,
                    provider_status: str | None = None) -> str | None:
    """Provider news about one line (an e-mail receiver's, say). None when not ours."""
    status = _LINE_FROM_STATE.get(state)
    if status is None:
        return None
    batch = lock_batch(uow, request_id, now)
    if batch is None:
        return None
    line = uow.session.exec(
        select(PayoutLine).where(PayoutLine.batch_id == batch.id,
                                 PayoutLine.merchant_send_id == send_id)
        .execution_options(populate_existing=True)
    ).first()
    if line is None:
        return None
    if not evidence.check(uow, line, target_type="payout_line", target_id=send_id,
                          ours=evidence.Figures(line.amount, line.currency),
                          theirs=evidence.Figures(amount, currency), source="webhook", now=now,
                          key=send_id):
        return evidence.NEEDS_REVIEW
    if provider_line_id and not line.provider_order_id:
        line.provider_order_id = provider_line_id
    moved = _line_status(line, status, now, occurred_at=occurred_at)
    if line.status == status and provider_status:
        line.provider_status = provider_status[:64]
    uow.session.add(line)
    return f"payout_line_{status.lower()}" if moved else "payout_line_unchanged"


# --- queries and the sync job --------------------------------------------------------------------


def refresh_batch(services: Services, request_id: str) -> BatchChange | None:
    """Ask the provider where a sent batch stands (same requestId) and record it."""
    result = services.provider_for(batch_provider(services, request_id)).get_payout_batch(
        batch_request_id=request_id)
    with services.uow() as uow:
        change = apply_result(uow, result, services.now())
        uow.commit()
        return change


def refresh_upload(services: Services, actor: Actor, upload_ref: str) -> int:
    """Ask the provider about every sent, unsettled batch of an upload; returns how many moved.
    Batches with no known outcome are left to sending and the sync job, which may re-send."""
    require(services, actor, "orders.view")
    with services.uow() as uow:
        request_ids = uow.session.exec(
            select(PayoutBatch.request_id).where(
                PayoutBatch.upload_ref == upload_ref,
                col(PayoutBatch.status).in_([states.ACCEPTED, states.PROCESSING,
                                             states.PART_SUCCESS]))
        ).all()
    moved = 0
    for request_id in request_ids:
        try:
            change = refresh_batch(services, request_id)
        except ProviderError as error:
            log.warning("payout batch %s could not be queried: %s", request_id, error)
            continue
        moved += int(change is not None and change.moved)
    return moved
