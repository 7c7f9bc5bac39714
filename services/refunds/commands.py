"""Refunds: what is still refundable, asking for a refund, four-eyes release, the provider call.

Shape (see design "Money movements"): one transaction validates under the order's row lock,
inserts the intent with its new refund request ID and the audit entry, and commits; only then is
the provider called, and a second transaction records the answer. Every refund that is not FAIL
or REJECTED holds its amount against the order, so the sum of refunds can never pass what was
paid however many people click at once. A timeout leaves the refund UNKNOWN: it keeps its hold
and is resolved by query or by resending the same id (services.refunds.events), never recreated.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from data.models import Order, Refund
from data.queries.order_search import find_order
from services.core import approvals
from services.core import audit
from services.core import refusals
from services.core.access import Actor, can
from services.core.context import Services
from services.core.errors import (
    ConflictError,
    InputError,
    LimitExceededError,
    NotFoundError,
    NotOfferedError,
)
from services.core.money import parse_amount, plain_amount
from services.providers.capabilities import Capabilities
from services.providers.errors import ProviderError
from services.refunds.events import (
    FAIL,
    FINAL,
    NEEDS_APPROVAL,
    PENDING,
    REJECTED,
    UNKNOWN,
    apply_result,
    local_fail_code,
    transition,
)
from services.core.refusals import require
from services.core.row_locks import lock_row
from services.core.unit_of_work import UnitOfWork

REASONS: dict[str, str] = {
    "DUPLICATE": "Duplicate payment",
    "FRAUDULENT": "Fraudulent payment",
    "REQUESTED_BY_CUSTOMER": "Requested by the customer",
    "OTHER": "Other (explain in a note)",
}
NOTE_MAX = 256
# How many refunds one payment takes, and how many at once, is the owning provider's rule:
# Capabilities.max_refund_attempts (Binance Pay: 10, the 10th refunds the remainder) and
# Capabilities.max_refunds_in_flight (Monetix: 1).
REFUNDABLE_STATUSES = frozenset({"PAID", "REFUNDING", "REFUNDED"})
_RELEASED = (FAIL, REJECTED)


@dataclass(frozen=True)
class RefundPosition:
    """Where an order stands for refunds; `refusal` says why no refund can be asked now."""

    order_id: int
    merchant_order_id: str
    provider_order_id: str | None
    status: str
    amount: Decimal
    currency: str
    refunded: Decimal  # settled (SUCCESS)
    in_progress: Decimal  # held by refunds not yet settled, including those awaiting approval
    refundable: Decimal
    attempts_used: int
    #: None: the provider sets no limit on refunds per payment.
    attempts_left: int | None
    refusal: str | None
    #: The owning provider's name for people ("Binance Pay").
    provider_title: str = ""
    max_attempts: int | None = None
    #: How many refunds of one payment the provider takes at once (None: no limit).
    max_in_flight: int | None = None

    @property
    def last_attempt(self) -> bool:
        """The next refund is the one on which the provider refunds everything left."""
        return self.refusal is None and self.attempts_left == 1


@dataclass(frozen=True)
class RefundOutcome:
    refund_request_id: str
    status: str
    amount: Decimal
    currency: str
    message: str
    #: The owning provider's name for people, when the provider was called.
    provider_title: str = ""


def new_refund_request_id() -> str:
    return "RF" + uuid.uuid4().hex  # alphanumeric, 34 of Binance's 64 characters


def _capabilities(services: Services, order: Order) -> Capabilities | str:
    """The owning provider's capabilities, or why its orders cannot be refunded here."""
    try:
        return services.require(order.provider, "refund")
    except (NotOfferedError, NotFoundError) as refused:
        return refused.message


def _position(uow: UnitOfWork, order: Order,
              capabilities: Capabilities | str) -> RefundPosition:
    """``capabilities``: the owning provider's (``_capabilities``), or why it refunds nothing."""
    held, attempts = uow.session.exec(
        select(func.sum(Refund.amount), func.count()).where(
            Refund.order_id == order.id, col(Refund.status).not_in(_RELEASED))
    ).one()
    # A refund the provider accepted and then failed still used one of its attempts.
    burnt = uow.session.exec(
        select(func.count()).where(
            Refund.order_id == order.id, col(Refund.status).in_(_RELEASED),
            col(Refund.provider_refund_id).is_not(None))
    ).one()
    held = held or Decimal(0)
    # Seeded or imported orders may carry a refunded total without the refund rows behind it.
    held = max(held, order.refunded_amount or Decimal(0))
    attempts_used = int(attempts or 0) + int(burnt or 0)
    refundable = max(order.amount - held, Decimal(0))
    caps = capabilities if isinstance(capabilities, Capabilities) else None
    max_attempts = caps.max_refund_attempts if caps else None
    refusal = None
    if caps is None:
        refusal = str(capabilities)
    elif order.status == "FULL_REFUNDED" or (order.status in REFUNDABLE_STATUSES
                                             and refundable <= 0 and held >= order.amount):
        refusal = ("nothing left to refund: the whole order is refunded or being refunded "
                   f"({plain_amount(held)} {order.currency} of {plain_amount(order.amount)})")
    elif order.status not in REFUNDABLE_STATUSES:
        refusal = f"only paid orders can be refunded; this order is {order.status}"
    elif not order.provider_order_id:
        refusal = "the order has no provider order ID, so the provider cannot refund it"
    elif max_attempts is not None and attempts_used >= max_attempts:
        refusal = (f"{caps.title} allows at most {max_attempts} refunds per order and all "
                   f"{max_attempts} are used")
    elif caps.max_refunds_in_flight is not None and \
            _in_flight(uow, order) >= caps.max_refunds_in_flight:
        refusal = (f"{caps.title} takes {_refunds(caps.max_refunds_in_flight)} of a payment at "
                   "a time: wait until the refund in progress is settled")
    return RefundPosition(
        order_id=order.id or 0, merchant_order_id=order.merchant_order_id,
        provider_order_id=order.provider_order_id, status=order.status, amount=order.amount,
        currency=order.currency, refunded=order.refunded_amount or Decimal(0),
        in_progress=held - (order.refunded_amount or Decimal(0)), refundable=refundable,
        attempts_used=attempts_used,
        attempts_left=None if max_attempts is None else max(max_attempts - attempts_used, 0),
        refusal=refusal, provider_title=caps.title if caps else order.provider,
        max_attempts=max_attempts,
        max_in_flight=caps.max_refunds_in_flight if caps else None,
    )


def _refunds(count: int) -> str:
    return "one refund" if count == 1 else f"{count} refunds"


def _in_flight(uow: UnitOfWork, order: Order) -> int:
    """Refunds of the order asked and not settled either way (waiting for approval included)."""
    return int(uow.session.exec(
        select(func.count()).where(
            Refund.order_id == order.id,
            col(Refund.status).not_in(tuple(FINAL)))
    ).one() or 0)


def position_of(services: Services, uow: UnitOfWork, order: Order) -> RefundPosition:
    """Public for the bulk preview (reads inside its own uow)."""
    return _position(uow, order, _capabilities(services, order))


def _order_id(services: Services, order_ref: str | int) -> int:
    with services.uow() as uow:
        order = find_order(uow.session, str(order_ref))
        if order is None or order.id is None:
            raise NotFoundError(f"no order with this id, order ID or provider order ID '{order_ref}'")
        return order.id


def refund_position(services: Services, actor: Actor, order_ref: str | int) -> RefundPosition:
    require(services, actor, "orders.view")
    order_id = _order_id(services, order_ref)
    with services.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        return _position(uow, order, _capabilities(services, order))


TOKEN_MAX = 64


def _check_token(token: str | None) -> str | None:
    text = (token or "").strip()
    if not text:
        return None
    if len(text) > TOKEN_MAX:
        raise InputError(f"keep the request token under {TOKEN_MAX} characters",
                         field="request_token")
    return text


def _check_reason(reason: str, note: str | None) -> tuple[str, str | None]:
    code = (reason or "").strip().upper()
    if code not in REASONS:
        raise InputError(f"choose a reason: {', '.join(REASONS)}", field="reason", value=reason)
    text = (note or "").strip() or None
    if code == "OTHER" and not text:
        raise InputError("say what the other reason is in the note", field="note")
    if text and len(text) > NOTE_MAX:
        raise InputError(f"keep the note under {NOTE_MAX} characters", field="note")
    return code, text


def _wanted(amount: Decimal | str | None, full: bool, refundable: Decimal,
            currency: str) -> Decimal:
    """A full refund is an explicit choice: a blank amount is a mistake, never "everything"."""
    if full:
        return refundable
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        raise InputError("the refund amount is empty; type the amount to refund, or choose "
                         "Full refund to refund everything still refundable", field="amount")
    return parse_amount(amount, currency, field="amount")


@dataclass(frozen=True)
class RefundPlan:
    """What a refund request would do, for the confirmation dialog; nothing is written."""

    amount: Decimal
    currency: str
    merchant_order_id: str
    reason: str
    note: str | None
    needs_approval: bool
    whole_remainder: bool
    #: The owning provider's name for people.
    provider_title: str = ""


def plan_refund(services: Services, actor: Actor, *, order_ref: str | int,
                amount: Decimal | str | None, reason: str,
                note: str | None = None, full: bool = False) -> RefundPlan:
    """The same checks as `request_refund`, without the lock: the request re-checks them."""
    require(services, actor, "refund.request")
    reason, note = _check_reason(reason, note)
    position = refund_position(services, actor, order_ref)
    if position.refusal:
        raise ConflictError(f"order {position.merchant_order_id}: {position.refusal}")
    wanted = _wanted(amount, full, position.refundable, position.currency)
    if wanted <= 0:
        raise InputError("the refund amount must be greater than zero", field="amount")
    if position.last_attempt:
        wanted = position.refundable
    if wanted > position.refundable:
        raise LimitExceededError(
            f"{plain_amount(wanted)} {position.currency} is more than the {plain_amount(position.refundable)} "
            f"still refundable on order {position.merchant_order_id}")
    return RefundPlan(wanted, position.currency, position.merchant_order_id, reason, note,
                      _needs_approval(services, position, wanted), position.last_attempt,
                      position.provider_title)


def _needs_approval(services: Services, position: RefundPosition, wanted: Decimal) -> bool:
    """Four eyes on what the order gives back in all, not on this one refund: otherwise 4,500
    split into nine refunds of 500 would never meet an approver."""
    already = position.refunded + position.in_progress  # every refund not FAIL or REJECTED
    return approvals.refund_needs_approval(services.settings, already + wanted, position.currency)


def request_refund(
    services: Services,
    actor: Actor,
    *,
    order_ref: str | int,
    amount: Decimal | str | None,
    reason: str,
    note: str | None = None,
    accept_whole_remainder: bool = False,
    request_token: str | None = None,
    full: bool = False,
) -> RefundOutcome:
    """Ask for a refund (`full` = everything still refundable) and send it unless it needs
    a second person. Raises InputError, ConflictError or LimitExceededError saying why not.

    `request_token` is the caller's key for this request (a form's id, a file line): asked again
    with the same token, the refund made the first time is returned and nothing new is created.
    """
    require(services, actor, "refund.request")
    reason, note = _check_reason(reason, note)
    token = _check_token(request_token)
    order_id = _order_id(services, order_ref)
    now = services.now()
    with services.uow() as uow:
        if not lock_row(uow, Order, order_id, now):
            raise NotFoundError(f"order {order_ref} disappeared")
        order = uow.session.exec(
            select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
        ).one()
        if token is not None:
            # Read under the order lock: a double click on the same order waits here and then
            # finds the first click's refund.
            earlier = uow.session.exec(
                select(Refund).where(Refund.request_token == token)).first()
            if earlier is not None:
                if earlier.order_id != order_id:
                    raise ConflictError(
                        f"request token {token} was already used for another order's refund "
                        f"({earlier.refund_request_id})")
                return _outcome(earlier, f"already requested ({earlier.refund_request_id}); "
                                         "nothing new was created")
        position = _position(uow, order, _capabilities(services, order))
        if position.refusal:
            raise ConflictError(f"order {order.merchant_order_id}: {position.refusal}")
        wanted = _wanted(amount, full, position.refundable, order.currency)
        if wanted <= 0:
            raise InputError("the refund amount must be greater than zero", field="amount")
        if position.last_attempt:
            if not accept_whole_remainder:
                raise ConflictError(
                    f"this is refund attempt {position.max_attempts} of {position.max_attempts} "
                    f"for order {order.merchant_order_id}: {position.provider_title} refunds "
                    "the whole remaining "
                    f"{plain_amount(position.refundable)} {order.currency} whatever amount is asked; "
                    "confirm refunding the whole remainder")
            wanted = position.refundable
        if wanted > position.refundable:
            raise LimitExceededError(
                f"{plain_amount(wanted)} {order.currency} is more than the {plain_amount(position.refundable)} still "
                f"refundable on order {order.merchant_order_id} (paid {plain_amount(order.amount)}, "
                f"refunded {plain_amount(position.refunded)}, in progress {plain_amount(position.in_progress)})")
        needs_approval = _needs_approval(services, position, wanted)
        refund = Refund(
            order_id=order_id, refund_request_id=new_refund_request_id(), amount=wanted,
            provider=order.provider, currency=order.currency, reason=reason, note=note,
            status=NEEDS_APPROVAL if needs_approval else PENDING,
            requested_by_id=actor.user_id, created_at=now, updated_at=now,
            request_token=token,
        )
        uow.session.add(refund)
        try:
            uow.session.flush()
        except IntegrityError:
            # Only the token is unique here; the same token on another order raced us.
            raise ConflictError(f"request token {token} is already used by another refund",
                                ) from None
        if needs_approval:
            approvals.request_approval(uow, actor=actor, kind="refund",
                                       item_id=refund.refund_request_id, amount=wanted,
                                       currency=order.currency, at=now)
        audit.record(uow, actor=actor, action="refund.requested", target_type="refund",
                     target_id=refund.refund_request_id, amount=wanted, currency=order.currency,
                     idempotency_key=refund.refund_request_id, at=now,
                     detail={"order": order.merchant_order_id, "reason": reason, "note": note,
                             "needs_approval": needs_approval,
                             "whole_remainder": position.last_attempt})
        uow.commit()
        request_id, currency = refund.refund_request_id, order.currency
    if needs_approval:
        threshold = services.settings.refund_threshold_for(currency)
        return RefundOutcome(request_id, NEEDS_APPROVAL, wanted, currency,
                             f"refund of {plain_amount(wanted)} {currency} waits for an approver "
                             f"(with the order's other refunds, above "
                             f"{plain_amount(threshold)} {currency})")
    return send_refund(services, request_id, actor=actor)


def send_refund(services: Services, refund_request_id: str, *,
                actor: Actor | None = None) -> RefundOutcome:
    """Call the provider for a PENDING or UNKNOWN refund, with its stored id, then record.
    `actor` None is the sync worker; a person needs to prepare or approve refunds."""
    if actor is not None and not (can(actor, "refund.request") or can(actor, "refund.approve")):
        refusals.refuse(services, actor, "refund.send",
                        f"{actor.username} ({actor.role}) may not send refunds",
                        target_type="refund", target_id=refund_request_id)
    with services.uow() as uow:
        refund = uow.session.exec(
            select(Refund).where(Refund.refund_request_id == refund_request_id)).one()
        order = uow.session.get(Order, refund.order_id)
        assert order is not None
        uow.session.expunge_all()  # read after the block; leaving the block would expire them
    if refund.status not in (PENDING, UNKNOWN):
        return _outcome(refund, f"refund is {refund.status}; nothing sent")
    who = actor or audit.SYSTEM
    try:
        services.require(order.provider, "refund")  # never sent to one that cannot
        result = services.provider_for(order.provider).refund(
            refund_request_id=refund_request_id, provider_order_id=order.provider_order_id or "",
            amount=refund.amount, reason=REASONS.get(refund.reason, refund.reason))
    except ProviderError as error:
        unknown = error.outcome_unknown
        # A refusal is our reading of the answer: marked local, a later provider SUCCESS wins.
        code = error.code if unknown else local_fail_code(error.code, type(error).__name__)
        with services.uow() as uow:
            change = transition(uow, refund_request_id, UNKNOWN if unknown else FAIL,
                                services.now(), error_code=code, error_message=str(error))
            audit.record(uow, actor=who, action="refund.sent", target_type="refund",
                         target_id=refund_request_id, amount=refund.amount,
                         currency=refund.currency, idempotency_key=refund_request_id,
                         provider_code=error.code, outcome=change.after if change else "?",
                         detail=str(error), at=services.now())
            uow.commit()
        status = change.after if change else refund.status
        message = (f"no answer from the provider: the refund is UNKNOWN and will be checked "
                   f"with the same id ({refund_request_id})" if status == UNKNOWN
                   else f"the provider refused the refund: {error}")
        return RefundOutcome(refund_request_id, status, refund.amount, refund.currency, message,
                             services.providers.title(order.provider))
    with services.uow() as uow:
        change = apply_result(uow, result, services.now())
        audit.record(uow, actor=who, action="refund.sent", target_type="refund",
                     target_id=refund_request_id, amount=result.amount, currency=refund.currency,
                     idempotency_key=refund_request_id, provider_code="000000",
                     outcome=change.after if change else "?",
                     detail={"refund_id": result.provider_refund_id,
                             "remaining_attempts": result.remaining_attempts,
                             "duplicate": result.duplicate}, at=services.now())
        uow.commit()
    status = change.after if change else refund.status
    return RefundOutcome(refund_request_id, status, result.amount, refund.currency,
                         f"refund of {plain_amount(result.amount)} {refund.currency} accepted ({status})",
                         services.providers.title(order.provider))


def _outcome(refund: Refund, message: str) -> RefundOutcome:
    return RefundOutcome(refund.refund_request_id, refund.status, refund.amount, refund.currency,
                         message)


def decide_refund(services: Services, actor: Actor, *, refund_request_id: str, approve: bool,
                  comment: str) -> RefundOutcome:
    """Four-eyes decision; an approved refund is sent at once, a rejected one frees its hold."""
    require(services, actor, "refund.approve")
    now = services.now()
    with services.uow() as uow:
        pending = approvals.for_item(uow, "refund", refund_request_id)
        if pending is None:
            raise NotFoundError(f"refund {refund_request_id} has no approval request")
        decide = approvals.approve if approve else approvals.reject
        decide(uow, actor=actor, approval_id=pending.id, comment=comment, at=now)
        refund = uow.session.exec(
            select(Refund).where(Refund.refund_request_id == refund_request_id)).one()
        lock_row(uow, Order, refund.order_id, now)
        if refund.status != NEEDS_APPROVAL:
            raise ConflictError(f"refund {refund_request_id} is {refund.status}, not awaiting "
                                "approval")
        refund.status = PENDING if approve else REJECTED
        refund.approved_by_id = actor.user_id if approve else None
        refund.updated_at = now
        if not approve:
            refund.completed_at = now
        uow.session.add(refund)
        uow.commit()
        uow.session.expunge(refund)
    if not approve:
        return _outcome(refund, "refund rejected; its amount is refundable again")
    return send_refund(services, refund_request_id, actor=actor)


def refund_ids_awaiting_approval(services: Services, actor: Actor) -> list[str]:
    require(services, actor, "refund.approve")
    with services.uow() as uow:
        return list(uow.session.exec(
            select(Refund.refund_request_id).where(Refund.status == NEEDS_APPROVAL)
            .order_by(col(Refund.created_at))).all())


def open_refund_count(services: Services) -> int:
    with services.uow() as uow:
        return int(uow.session.exec(select(func.count()).where(
            or_(col(Refund.status) == PENDING, col(Refund.status) == UNKNOWN))).one())
