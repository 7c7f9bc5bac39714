"""Sending approved payout batches to the provider, one intent at a time.

For each batch (design, "Money movements"):
1. claim it in a transaction of its own: a conditional UPDATE to SENDING from the status and
   update time just read, so of two senders only one wins; the audit entry with the batch's
   stored requestId commits with the claim;
2. call the provider with that requestId, no transaction open;
3. record the answer in a second transaction: the provider's status, or UNKNOWN when the call
   may have been applied without an answer, or SEND_FAILED when the provider refused it.

The requestId and every merchantSendId were fixed when the draft was saved and are never made
again, so any retry is the same request to the provider. A batch left SENDING by a sender that
died, or UNKNOWN after a timeout, is first looked up by that requestId; only when the provider
does not know it is the same request sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from data.models import PayoutBatch, PayoutLine
from services import audit
from services.access import Actor, can
from services.bootstrap import Services
from services.errors import NotFoundError, PermissionDeniedError
from services.payouts import states
from services.payouts.following import apply_result, lock_batch
from services.providers.base import PayoutBatchResult, PayoutLineRequest
from services.providers.errors import NotFoundError as ProviderNotFound
from services.providers.errors import ProviderError

# A claim older than this is taken to belong to a sender that died. Longer than any provider
# call can last (the client gives up well before), so a live sender is never overtaken.
LEASE = timedelta(minutes=5)
WALLET = "FUNDING_WALLET"

Progress = Callable[[int, int, "SendOutcome"], None]


@dataclass(frozen=True)
class SendOutcome:
    request_id: str
    before: str
    after: str
    message: str = ""

    @property
    def moved(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class _Claim:
    request_id: str
    previous: str
    currency: str
    batch_name: str
    lines: tuple[PayoutLineRequest, ...]


def may_send(actor: Actor | None) -> bool:
    return can(actor, "payout.approve") or can(actor, "payout.submit")


def _who(actor: Actor | None) -> Actor | str:
    return actor if actor is not None else audit.SYSTEM


def _claimable(batch: PayoutBatch, now: datetime) -> bool:
    if batch.status in states.SENDABLE or batch.status == states.UNKNOWN:
        return True
    updated = batch.updated_at if batch.updated_at.tzinfo else batch.updated_at.replace(
        tzinfo=now.tzinfo)
    return batch.status == states.SENDING and updated <= now - LEASE


def _claim(services: Services, actor: Actor | None, request_id: str) -> _Claim | None:
    """Take the batch for this sender, or None when it is not ours to send (any more)."""
    now = services.now()
    with services.uow() as uow:
        batch = uow.session.exec(
            select(PayoutBatch).where(PayoutBatch.request_id == request_id)
        ).first()
        if batch is None:
            raise NotFoundError(f"there is no payout batch {request_id}")
        if batch.approved_by_id is None or not _claimable(batch, now):
            return None
        previous = batch.status
        won = uow.session.exec(
            update(PayoutBatch)
            .where(col(PayoutBatch.id) == batch.id, col(PayoutBatch.status) == previous,
                   col(PayoutBatch.updated_at) == batch.updated_at)
            .values(status=states.SENDING, updated_at=now)
        )
        if won.rowcount != 1:
            return None
        lines = uow.session.exec(
            select(PayoutLine).where(PayoutLine.batch_id == batch.id)
            .order_by(col(PayoutLine.file_line))
        ).all()
        audit.record(uow, actor=_who(actor), action="payout.send_started",
                     target_type="payout_batch", target_id=request_id,
                     amount=batch.total_amount, currency=batch.currency,
                     idempotency_key=request_id, at=now,
                     detail={"previous": previous, "lines": len(lines)})
        uow.commit()
        return _Claim(
            request_id, previous, batch.currency, batch.batch_name or request_id,
            tuple(
                PayoutLineRequest(
                    merchant_line_id=line.merchant_send_id, receiver_type=line.receive_type,
                    receiver=line.receiver, amount=line.amount, wallet=WALLET,
                    remark=line.remark or None,
                )
                for line in lines
            ),
        )


def _record(services: Services, actor: Actor | None, request_id: str, *,
            result: PayoutBatchResult | None = None,
            error: ProviderError | None = None, unknown: bool = False) -> SendOutcome:
    now = services.now()
    with services.uow() as uow:
        if result is not None:
            change = apply_result(uow, result, now, actor=actor.username if actor else audit.SYSTEM)
            uow.commit()
            before = change.before if change else states.SENDING
            after = change.after if change else states.SENDING
            return SendOutcome(request_id, before, after, "sent")
        assert error is not None
        batch = lock_batch(uow, request_id, now)
        if batch is None:
            raise NotFoundError(f"there is no payout batch {request_id}")
        before = batch.status
        if before != states.SENDING:
            # News (a webhook) already moved it on while the call was failing: keep that.
            uow.commit()
            return SendOutcome(request_id, before, before, str(error))
        unknown = unknown or error.outcome_unknown
        batch.status = states.UNKNOWN if unknown else states.SEND_FAILED
        batch.error_code = (error.code or type(error).__name__)[:16]
        batch.error_message = str(error)[:512]
        uow.session.add(batch)
        audit.record(uow, actor=_who(actor),
                     action="payout.send_unknown" if unknown else "payout.send_failed",
                     target_type="payout_batch", target_id=request_id,
                     amount=batch.total_amount, currency=batch.currency,
                     idempotency_key=request_id, provider_code=error.code,
                     outcome="unknown" if unknown else "failed", at=now,
                     detail={"error": str(error)})
        uow.commit()
        return SendOutcome(request_id, before, batch.status, str(error))


def _lookup(services: Services, request_id: str) -> PayoutBatchResult | None:
    try:
        return services.provider.get_payout_batch(batch_request_id=request_id)
    except ProviderNotFound:
        return None


def send_batch(services: Services, actor: Actor | None, request_id: str) -> SendOutcome:
    """Send (or resolve) one approved batch under its stored requestId."""
    claim = _claim(services, actor, request_id)
    if claim is None:
        with services.uow() as uow:
            status = uow.session.exec(
                select(PayoutBatch.status).where(PayoutBatch.request_id == request_id)
            ).one()
        return SendOutcome(request_id, status, status, "not sendable now")
    if claim.previous in states.IN_FLIGHT:
        try:
            found = _lookup(services, request_id)
        except ProviderError as error:
            # A failed look-up says nothing about the batch: it stays UNKNOWN, never "failed".
            return _record(services, actor, request_id, error=error, unknown=True)
        if found is not None:
            return _record(services, actor, request_id, result=found)
    try:
        result = services.provider.create_payout_batch(
            batch_request_id=request_id, batch_name=claim.batch_name,
            currency=claim.currency, lines=claim.lines,
        )
    except ProviderError as error:
        outcome = _record(services, actor, request_id, error=error)
        if outcome.after == states.UNKNOWN:
            # Usually the request did arrive: one look-up by the same id settles it at once.
            return _resolve_once(services, actor, request_id) or outcome
        return outcome
    return _record(services, actor, request_id, result=result)


def _resolve_once(services: Services, actor: Actor | None, request_id: str) -> SendOutcome | None:
    try:
        found = _lookup(services, request_id)
    except ProviderError:
        return None
    if found is None:
        return None
    return _record(services, actor, request_id, result=found)


def upload_batches_to_send(services: Services, upload_ref: str) -> list[str]:
    with services.uow() as uow:
        return list(uow.session.exec(
            select(PayoutBatch.request_id)
            .where(PayoutBatch.upload_ref == upload_ref,
                   col(PayoutBatch.status).in_([*states.SENDABLE, *states.IN_FLIGHT]),
                   col(PayoutBatch.approved_by_id).is_not(None))
            .order_by(col(PayoutBatch.request_id))
        ).all())


def send_upload(services: Services, actor: Actor, upload_ref: str, *,
                progress: Progress | None = None) -> list[SendOutcome]:
    """Send every approved batch of an upload that has not gone out yet (also: resume)."""
    if not may_send(actor):
        raise PermissionDeniedError(
            f"{actor.username} ({actor.role}) may not send payouts; an operator or approver may"
        )
    request_ids = upload_batches_to_send(services, upload_ref)
    outcomes = []
    for done, request_id in enumerate(request_ids, start=1):
        outcome = send_batch(services, actor, request_id)
        outcomes.append(outcome)
        if progress is not None:
            progress(done, len(request_ids), outcome)
    return outcomes
