"""Four-eyes approval of prepared money movements (payout batches, refunds above the threshold).

These functions work inside the caller's unit of work: the payout or refund service creates its
item and asks for approval in one transaction, and applies the decision to its item in the same
transaction that records it. Rules checked here, whatever the page shows:

- only the kind's preparer role may ask, only its approver role may decide;
- the preparer can never decide on their own item;
- an item is decided at most once (one row per item, conditional UPDATE from PENDING);
- approving and rejecting both need a comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from data.models import Approval
from services.core import audit
from services.core import refusals
from services.core.access import Actor, can, refusal, require
from services.core.context import Services
from services.core.config import Settings
from services.core.errors import ConflictError, InputError, NotFoundError
from services.core.money import positive_amount
from services.core.unit_of_work import UnitOfWork

PENDING, APPROVED, REJECTED = "PENDING", "APPROVED", "REJECTED"
# kind -> (action that prepares it, action that approves it)
KINDS: dict[str, tuple[str, str]] = {
    "payout": ("payout.upload", "payout.approve"),
    "refund": ("refund.request", "refund.approve"),
}
COMMENT_MAX = 512


@dataclass(frozen=True)
class ApprovalView:
    id: int
    kind: str
    item_id: str
    amount: Decimal
    currency: str
    status: str
    prepared_by_id: int | None
    prepared_by: str
    requested_at: datetime
    decided_by_id: int | None
    decided_by: str | None
    decided_at: datetime | None
    comment: str | None


def _view(row: Approval) -> ApprovalView:
    return ApprovalView(
        id=row.id or 0, kind=row.kind, item_id=row.item_id, amount=row.amount,
        currency=row.currency, status=row.status, prepared_by_id=row.prepared_by_id,
        prepared_by=row.prepared_by_name, requested_at=row.requested_at,
        decided_by_id=row.decided_by_id, decided_by=row.decided_by_name,
        decided_at=row.decided_at, comment=row.comment,
    )


def _actions(kind: str) -> tuple[str, str]:
    try:
        return KINDS[kind]
    except KeyError:
        raise InputError(f"unknown approval kind '{kind}'; use one of {', '.join(KINDS)}",
                         field="kind") from None


def refund_needs_approval(settings: Settings, amount: Decimal, currency: str) -> bool:
    """Refunds strictly above the currency's threshold need a second person."""
    return amount > settings.refund_threshold_for(currency)


def request_approval(
    uow: UnitOfWork,
    *,
    actor: Actor,
    kind: str,
    item_id: str | int,
    amount: Decimal,
    currency: str,
    at: datetime,
) -> ApprovalView:
    """Ask for a decision on an item `actor` prepared. Flushes; the caller commits."""
    prepare_action, _ = _actions(kind)
    require(actor, prepare_action)
    amount = positive_amount(amount, currency)
    row = Approval(
        kind=kind, item_id=str(item_id), amount=amount, currency=currency.upper(),
        status=PENDING, prepared_by_id=actor.user_id, prepared_by_name=actor.username,
        requested_at=at,
    )
    if for_item(uow, kind, item_id) is not None:
        raise ConflictError(f"{kind} {item_id} already has an approval request")
    uow.session.add(row)
    try:
        uow.session.flush()
    except IntegrityError:
        # Lost a race with a concurrent request; the caller's whole transaction is void.
        raise ConflictError(f"{kind} {item_id} already has an approval request") from None
    audit.record(uow, actor=actor, action="approval.requested", target_type=kind,
                 target_id=item_id, amount=amount, currency=row.currency, at=at,
                 detail={"approval_id": row.id})
    return _view(row)


def approve(uow: UnitOfWork, *, actor: Actor, approval_id: int, comment: str,
            at: datetime) -> ApprovalView:
    return _decide(uow, actor=actor, approval_id=approval_id, comment=comment, at=at,
                   status=APPROVED)


def reject(uow: UnitOfWork, *, actor: Actor, approval_id: int, comment: str,
           at: datetime) -> ApprovalView:
    return _decide(uow, actor=actor, approval_id=approval_id, comment=comment, at=at,
                   status=REJECTED)


def _decide(uow: UnitOfWork, *, actor: Actor, approval_id: int, comment: str, at: datetime,
            status: str) -> ApprovalView:
    row = uow.session.get(Approval, approval_id)
    if row is None:
        raise NotFoundError(f"no approval request {approval_id}")
    _, approve_action = _actions(row.kind)
    require(actor, approve_action)
    text = (comment or "").strip()
    if not text:
        raise InputError("say why: approving or rejecting needs a comment", field="comment")
    if len(text) > COMMENT_MAX:
        raise InputError(f"keep the comment under {COMMENT_MAX} characters", field="comment")
    if actor.user_id is None or actor.user_id == row.prepared_by_id:
        raise refusal(
            actor, approve_action,
            f"{actor.username} prepared {row.kind} {row.item_id} and cannot decide on it; "
            "another approver must", target_type=row.kind, target_id=row.item_id,
        )
    # Conditional on PENDING: of two approvers clicking at once, exactly one row update wins.
    result = uow.session.exec(
        update(Approval)
        .where(col(Approval.id) == approval_id, col(Approval.status) == PENDING)
        .values(status=status, decided_by_id=actor.user_id, decided_by_name=actor.username,
                decided_at=at, comment=text)
    )
    if result.rowcount != 1:
        uow.session.refresh(row)
        raise ConflictError(
            f"{row.kind} {row.item_id} was already {row.status.lower()} by {row.decided_by_name}"
        )
    uow.session.refresh(row)
    audit.record(uow, actor=actor, action=f"approval.{status.lower()}", target_type=row.kind,
                 target_id=row.item_id, amount=row.amount, currency=row.currency, at=at,
                 detail={"approval_id": row.id, "comment": text,
                         "prepared_by": row.prepared_by_name})
    return _view(row)


def for_item(uow: UnitOfWork, kind: str, item_id: str | int) -> ApprovalView | None:
    row = uow.session.exec(
        select(Approval).where(Approval.kind == kind, Approval.item_id == str(item_id))
    ).first()
    return _view(row) if row else None


def list_pending(services: Services, actor: Actor, kind: str | None = None) -> list[ApprovalView]:
    """What waits for a decision, oldest first; only for roles that may decide on it."""
    kinds = [kind] if kind else list(KINDS)
    allowed = []
    for name in kinds:
        _, approve_action = _actions(name)
        if kind:
            refusals.require(services, actor, approve_action)
        elif not can(actor, approve_action):
            continue
        allowed.append(name)
    with services.uow() as uow:
        rows = uow.session.exec(
            select(Approval)
            .where(col(Approval.status) == PENDING, col(Approval.kind).in_(allowed))
            .order_by(col(Approval.requested_at), col(Approval.id))
        ).all()
        return [_view(r) for r in rows]


def decide(services: Services, *, actor: Actor, approval_id: int, approve_it: bool,
           comment: str) -> ApprovalView:
    """Stand-alone decision in its own transaction (for items with no follow-up work)."""
    if not any(can(actor, _actions(kind)[1]) for kind in KINDS):
        # Permission first: a refused caller learns nothing about which approvals exist.
        refusals.refuse(services, actor, "approval.decide",
                        f"{actor.username} ({actor.role}) may not approve or reject anything")
    with services.uow() as uow:
        decision = approve if approve_it else reject
        view = decision(uow, actor=actor, approval_id=approval_id, comment=comment,
                        at=services.now())
        uow.commit()
        return view
