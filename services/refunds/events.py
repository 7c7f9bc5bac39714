"""Following a refund to its end: provider answers, refund events and status queries.

Every change goes through `transition`, which locks the order row first: the order's refunded
total is recomputed from its SUCCESS refunds under that lock, so two outcomes for the same order
arriving at once (a webhook and the call's own answer, or two refunds settling) never lose an
update. A refund in a final state (SUCCESS, FAIL, REJECTED) never moves again; later news may only
fill in ids it lacked. One exception: a FAIL that we concluded from a refused call (its error_code
starts with LOCAL_FAIL) is our reading, not the provider's word. When the provider later reports
the refund accepted or settled, the provider wins: the refund holds its amount again and the
turn-around is audited with outcome "conflict" so that someone checks for a second refund made
meanwhile.

The order's refunded total is recomputed here; its status moves only where
services.orders.events.decide allows, so a refund never takes an order backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import col, select

from data.models import Order, Refund
from services.core import audit
from services.inbound import evidence
from services.orders import events as order_updates
from services.core.context import Services
from services.inbound.dispatch import handles
from services.providers.events import EventKind, InboundEvent
from services.providers.base import RefundResult, RefundState
from services.core.row_locks import lock_row
from services.core.unit_of_work import UnitOfWork

NEEDS_APPROVAL, PENDING, UNKNOWN = "NEEDS_APPROVAL", "PENDING", "UNKNOWN"
REFUNDING, SUCCESS, FAIL, REJECTED = "REFUNDING", "SUCCESS", "FAIL", "REJECTED"
FINAL = frozenset({SUCCESS, FAIL, REJECTED})
OPEN = frozenset({PENDING, UNKNOWN, REFUNDING})
_FROM_PROVIDER = {RefundState.PENDING: REFUNDING, RefundState.SUCCEEDED: SUCCESS,
                  RefundState.FAILED: FAIL}
#: error_code prefix of a FAIL we set from a refused call, not one the provider reported.
LOCAL_FAIL = "local:"


@dataclass(frozen=True)
class Change:
    refund_request_id: str
    before: str
    after: str
    review: bool = False  # the news disagreed with our figures and was not applied

    @property
    def moved(self) -> bool:
        return self.before != self.after


def transition(
    uow: UnitOfWork,
    refund_request_id: str,
    to_status: str,
    now: datetime,
    *,
    provider_refund_id: str | None = None,
    remaining_attempts: int | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    source: str = "answer",
    error_code: str | None = None,
    error_message: str | None = None,
    provider_status: str | None = None,
) -> Change | None:
    """Move one refund towards `to_status` inside `uow` (the caller commits); None if unknown.

    `amount` and `currency` are what the provider reported for this refund: compared with ours
    (services.inbound.evidence), a mismatch changes nothing but the refund's review note.
    `provider_status` is the provider's own word: kept when the refund ends up in the state the
    news says (moved or already there), never from news that was stale."""
    order_id = uow.session.exec(
        select(Refund.order_id).where(Refund.refund_request_id == refund_request_id)
    ).first()
    if order_id is None:
        return None
    lock_row(uow, Order, order_id, now)
    refund = uow.session.exec(
        select(Refund).where(Refund.refund_request_id == refund_request_id)
        .execution_options(populate_existing=True)
    ).one()
    before = refund.status
    if amount is not None and not evidence.check(
            uow, refund, target_type="refund", target_id=refund_request_id,
            ours=evidence.Figures(refund.amount, refund.currency),
            theirs=evidence.Figures(amount, currency), source=source, now=now,
            key=refund_request_id):
        # Our figure and state stay; the refund keeps holding its amount until someone checks.
        return Change(refund_request_id, before, before, review=True)
    if provider_refund_id and not refund.provider_refund_id:
        refund.provider_refund_id = provider_refund_id
    if remaining_attempts is not None:
        refund.remaining_attempts = remaining_attempts
    overturned = _overturns_local_fail(refund, to_status)
    if provider_status and (before == to_status or not (
            (before in FINAL and not overturned) or _is_backwards(before, to_status))):
        refund.provider_status = provider_status[:64]
    if ((before in FINAL and not overturned) or before == to_status
            or _is_backwards(before, to_status)):
        uow.session.add(refund)
        return Change(refund_request_id, before, before)
    if overturned:
        audit.record(uow, actor=audit.SYSTEM, action="refund.fail_overturned",
                     target_type="refund", target_id=refund_request_id, amount=refund.amount,
                     currency=refund.currency, idempotency_key=refund_request_id,
                     provider_code=to_status, outcome="conflict", at=now,
                     detail={"from": before, "to": to_status,
                             "local_error": refund.error_code,
                             "local_message": refund.error_message,
                             "why": "the provider executed a refund we had recorded as refused; "
                                    "its amount is held again"})
        refund.error_code = refund.error_message = None
        refund.completed_at = None
    refund.status = to_status
    refund.updated_at = now
    if error_code is not None or error_message is not None:
        refund.error_code = (error_code or "")[:16] or None
        refund.error_message = (error_message or "")[:512] or None
    if to_status in FINAL:
        refund.completed_at = now
    uow.session.add(refund)
    uow.session.flush()
    _settle_order(uow, order_id, now)
    return Change(refund_request_id, before, to_status)


def is_local_fail(refund: Refund) -> bool:
    return refund.status == FAIL and (refund.error_code or "").startswith(LOCAL_FAIL)


def _overturns_local_fail(refund: Refund, to_status: str) -> bool:
    return is_local_fail(refund) and to_status in (REFUNDING, SUCCESS)


def local_fail_code(code: str | None, kind: str) -> str:
    """error_code for a FAIL we conclude from a refused call (the column holds 16 characters)."""
    return (LOCAL_FAIL + (code or kind))[:16]


def _is_backwards(before: str, to_status: str) -> bool:
    # REFUNDING means the provider accepted it; "sent, outcome unknown" must not undo that.
    return before == REFUNDING and to_status in (PENDING, UNKNOWN)


def _settle_order(uow: UnitOfWork, order_id: int, now: datetime) -> None:
    """Recompute the order's refunded total and status from its refunds (order row is locked)."""
    order = uow.session.exec(
        select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
    ).one()
    succeeded = uow.session.exec(
        select(func.sum(Refund.amount)).where(Refund.order_id == order_id, Refund.status == SUCCESS)
    ).one() or Decimal(0)
    in_flight = uow.session.exec(
        select(func.count()).where(Refund.order_id == order_id,
                                   col(Refund.status).in_((REFUNDING, UNKNOWN)))
    ).one()
    order.refunded_amount = succeeded
    if in_flight:
        target = "REFUNDING"
    elif succeeded >= order.amount:
        target = "FULL_REFUNDED"
    elif succeeded > 0:
        target = "REFUNDED"
    else:
        target = order.status
    if order_updates.decide(order.status, target) == order_updates.APPLY:
        order.status = target
    order.updated_at = now
    uow.session.add(order)


def apply_result(uow: UnitOfWork, result: RefundResult, now: datetime) -> Change | None:
    """The provider's answer to a refund call or query."""
    return transition(
        uow, result.refund_request_id, _FROM_PROVIDER.get(result.state, REFUNDING), now,
        provider_refund_id=result.provider_refund_id or None,
        remaining_attempts=result.remaining_attempts, amount=result.amount, source="query",
        provider_status=result.provider_status,
    )


# --- provider news --------------------------------------------------------------------------------


@handles(EventKind.REFUND)
def on_refund(services: Services, uow: UnitOfWork, event: InboundEvent) -> str | None:
    """A refund reached a state at the provider. Returns a short outcome (refund_success,
    refund_fail, refund_duplicate) or None when the refund is not ours."""
    request_id = event.merchant_id or ""
    to_status = _FROM_PROVIDER.get(event.state) if isinstance(event.state, RefundState) else None
    if not request_id or to_status is None:
        return None
    now = services.now()
    attempts = event.details.get("remaining_attempts")
    change = transition(
        uow, request_id, to_status, now,
        provider_refund_id=event.details.get("provider_refund_id"),
        remaining_attempts=int(attempts) if attempts is not None else None,
        amount=event.amount, currency=event.currency, source="webhook",
        error_message=None if to_status == SUCCESS else "the provider reported the refund failed",
        provider_status=event.provider_status,
    )
    if change is None:
        return None
    if change.review:
        return evidence.NEEDS_REVIEW
    if not change.moved:
        return "refund_duplicate"
    audit.record(uow, actor=audit.SYSTEM, action="refund.webhook", target_type="refund",
                 target_id=request_id, idempotency_key=request_id,
                 provider_code=event.provider_status, outcome=change.after, at=now)
    return f"refund_{change.after.lower()}"
