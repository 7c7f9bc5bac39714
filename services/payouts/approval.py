"""Four eyes on every payout: the preparer submits an upload, a different approver decides.

An upload's batches move together. Each batch gets its own approvals row (services.core.approvals:
one row per item, decided at most once, never by its preparer), and the batch status changes by
conditional UPDATE in the same transaction as the decision, so a batch is APPROVED only with a
recorded approval, and two approvers clicking at once cannot both decide.
Nothing here calls the provider: sending is services.payouts.sending, and only takes APPROVED
batches.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col, select

from data.models import PayoutBatch
from services.core import approvals
from services.core import audit
from services.core.access import Actor, refusal
from services.core.context import Services
from services.core.errors import ConflictError, NotFoundError
from services.payouts import states
from services.core.refusals import require
from services.core.unit_of_work import UnitOfWork

KIND = "payout"


def _batches(uow: UnitOfWork, upload_ref: str) -> list[PayoutBatch]:
    batches = list(uow.session.exec(
        select(PayoutBatch).where(PayoutBatch.upload_ref == upload_ref)
        .order_by(col(PayoutBatch.request_id))
    ).all())
    if not batches:
        raise NotFoundError(f"there is no payout upload {upload_ref}")
    return batches


def _move(uow: UnitOfWork, batch: PayoutBatch, before: str, after: str, **values: object) -> None:
    moved = uow.session.exec(
        update(PayoutBatch)
        .where(col(PayoutBatch.id) == batch.id, col(PayoutBatch.status) == before)
        .values(status=after, **values)
    )
    if moved.rowcount != 1:
        # The caller's transaction is rolled back: no batch of the upload changes.
        raise ConflictError(
            f"batch {batch.request_id} is no longer {before.lower().replace('_', ' ')}; "
            "reload the page"
        )


def submit(services: Services, actor: Actor, upload_ref: str) -> int:
    """DRAFT -> PENDING_APPROVAL for every batch of the upload; returns how many."""
    require(services, actor, "payout.submit")
    now = services.now()
    with services.uow() as uow:
        batches = [b for b in _batches(uow, upload_ref) if b.status == states.DRAFT]
        if not batches:
            raise ConflictError(f"upload {upload_ref} has no draft left to submit")
        for batch in batches:
            _move(uow, batch, states.DRAFT, states.PENDING_APPROVAL, updated_at=now)
            approvals.request_approval(
                uow, actor=actor, kind=KIND, item_id=batch.request_id,
                amount=batch.total_amount, currency=batch.currency, at=now,
            )
        audit.record(uow, actor=actor, action="payout.submitted", target_type="payout_upload",
                     target_id=upload_ref, idempotency_key=upload_ref, at=now,
                     detail={"batches": [b.request_id for b in batches]})
        uow.commit()
        return len(batches)


def approve(services: Services, actor: Actor, upload_ref: str, comment: str) -> int:
    """Approve every batch of the upload that awaits approval; returns how many."""
    return _decide(services, actor, upload_ref, comment, approve_it=True)


def reject(services: Services, actor: Actor, upload_ref: str, comment: str) -> int:
    return _decide(services, actor, upload_ref, comment, approve_it=False)


def _decide(services: Services, actor: Actor, upload_ref: str, comment: str, *,
            approve_it: bool) -> int:
    require(services, actor, "payout.approve")
    now = services.now()
    after = states.APPROVED if approve_it else states.REJECTED
    decision = approvals.approve if approve_it else approvals.reject
    with services.uow() as uow:
        batches = [b for b in _batches(uow, upload_ref) if b.status == states.PENDING_APPROVAL]
        if not batches:
            raise ConflictError(f"upload {upload_ref} has nothing awaiting approval")
        if any(b.prepared_by_id == actor.user_id for b in batches):
            raise refusal(
                actor, "payout.approve",
                f"{actor.username} prepared upload {upload_ref} and cannot decide on it; "
                "another approver must", target_type="payout_upload", target_id=upload_ref,
            )
        for batch in batches:
            request = approvals.for_item(uow, KIND, batch.request_id)
            if request is None:
                raise ConflictError(f"batch {batch.request_id} has no approval request")
            view = decision(uow, actor=actor, approval_id=request.id, comment=comment, at=now)
            _move(uow, batch, states.PENDING_APPROVAL, after, approved_by_id=actor.user_id
                  if approve_it else None, approval_comment=view.comment, updated_at=now)
        uow.commit()
        return len(batches)


def awaiting_approval(services: Services, actor: Actor) -> list[str]:
    """Upload references with batches waiting for a decision, oldest first."""
    require(services, actor, "payout.approve")
    with services.uow() as uow:
        rows = uow.session.exec(
            select(PayoutBatch.upload_ref, PayoutBatch.created_at)
            .where(PayoutBatch.status == states.PENDING_APPROVAL)
            .order_by(col(PayoutBatch.created_at))
        ).all()
    seen: dict[str, None] = {}
    for ref, _ in rows:
        if ref:
            seen.setdefault(ref, None)
    return list(seen)
