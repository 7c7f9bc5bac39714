"""Order status from provider news (payment events) and from query results (the sync worker).

Statuses are PayDesk's own words for an order, whatever provider took it; every provider's news
arrives as a neutral `OrderState` and is read through `STATUS_OF_STATE`. The provider's own word
is kept beside ours for display and audit. The rules (`decide`) are one table for both sources:

    open          INITIAL < PENDING
    unpaid final  CANCELED, EXPIRED, ERROR         never change again
    paid          PAID < REFUNDING < REFUNDED < FULL_REFUNDED (final)

- An open order moves to anything further on (a payment, a close, an expiry, a refund state).
- A paid order only moves forward within the paid family; REFUNDED -> REFUNDING is forward too
  (another partial refund started). A close or an expiry reported after the payment is stale.
- A final status never moves. A payment reported for an order we hold as CANCELED / EXPIRED /
  ERROR is a conflict: the status stays (final states never move backwards) but the event is
  audited with outcome "conflict" so that reconciliation finds the money.
- The same status again fills details we did not have yet (paid_at, transaction id, payer, fee)
  and changes nothing else: applying an event twice is the same as applying it once.

Every status change that concerns money (paid, refunded, closed, expired, failed, conflicts) is
audited (actor "system") in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import col, select

from data.models import Order
from services.core import audit
from services.inbound import evidence
from services.core.context import Services
from services.inbound.dispatch import confirms, handles
from services.providers.base import OrderState, OrderStatus
from services.providers.events import EventKind, InboundEvent
from services.core.row_locks import lock_row
from services.core.unit_of_work import UnitOfWork

OPEN = ("INITIAL", "PENDING")
UNPAID_FINAL = frozenset({"CANCELED", "EXPIRED", "ERROR"})
PAID_FAMILY = ("PAID", "REFUNDING", "REFUNDED", "FULL_REFUNDED")
FINAL = UNPAID_FINAL | {"FULL_REFUNDED"}
KNOWN = frozenset(OPEN) | UNPAID_FINAL | frozenset(PAID_FAMILY)
#: Statuses the sync worker still asks the provider about.
NON_FINAL = (*OPEN, "REFUNDING")

APPLY, SAME, STALE, CONFLICT, IGNORED = "apply", "same", "stale", "conflict", "ignored"

#: Our word for each neutral order state (the stored status column).
STATUS_OF_STATE: dict[OrderState, str] = {
    OrderState.CREATED: "INITIAL",
    OrderState.PENDING: "PENDING",
    OrderState.PAID: "PAID",
    OrderState.CANCELED: "CANCELED",
    OrderState.EXPIRED: "EXPIRED",
    OrderState.ERROR: "ERROR",
    OrderState.REFUNDING: "REFUNDING",
    OrderState.PARTIALLY_REFUNDED: "REFUNDED",
    OrderState.REFUNDED: "FULL_REFUNDED",
}


def decide(current: str, target: str) -> str:
    """What to do when the provider reports `target` for an order we hold as `current`."""
    if target not in KNOWN:
        return IGNORED
    if target == current:
        return SAME
    if current in FINAL:
        return CONFLICT if current in UNPAID_FINAL and target in PAID_FAMILY else STALE
    if current in OPEN or current not in KNOWN:
        if target in OPEN and current in OPEN and OPEN.index(target) < OPEN.index(current):
            return STALE
        return APPLY
    # current is PAID, REFUNDING or REFUNDED
    if target in PAID_FAMILY:
        if PAID_FAMILY.index(target) > PAID_FAMILY.index(current):
            return APPLY
        if (current, target) == ("REFUNDED", "REFUNDING"):
            return APPLY
    return STALE


@dataclass(frozen=True)
class OrderReport:
    """What the provider says about one order, from a webhook or a query."""

    status: str
    occurred_at: datetime | None = None
    paid_at: datetime | None = None
    transaction_id: str | None = None
    payer_id: str | None = None
    fee: Decimal | None = None
    source: str = "webhook"
    amount: Decimal | None = None  # what the provider says was asked or paid, to compare
    currency: str | None = None
    provider_status: str | None = None  # the provider's own word, kept for display and audit


def apply_report(services: Services, uow: UnitOfWork, order: Order, report: OrderReport) -> str:
    """Apply `report` to `order` (already loaded in `uow`, ideally locked); return the outcome."""
    before = order.status
    now = services.now()
    if not evidence.check(uow, order, target_type="order", target_id=order.id or 0,
                          ours=evidence.Figures(order.amount, order.currency),
                          theirs=evidence.Figures(report.amount, report.currency),
                          source=report.source, now=now, key=order.merchant_order_id):
        return evidence.NEEDS_REVIEW
    verdict = decide(before, report.status)
    late = late_payment(order, report, now) if verdict in (APPLY, CONFLICT) else None
    if verdict == CONFLICT and before == "EXPIRED" and late:
        # Money the provider took after our expiry is not lost: applied, and flagged below.
        verdict = APPLY
    if verdict in (APPLY, SAME) and report.status in PAID_FAMILY:
        _fill_payment(order, report)
    if verdict == APPLY:
        order.status = report.status
        if report.status == "CANCELED" and order.closed_at is None:
            order.closed_at = report.occurred_at or now
    if verdict in (APPLY, SAME):
        # The provider's word is kept when our state agrees with it: stale news leaves it.
        if report.provider_status:
            order.provider_status = report.provider_status[:64]
        order.updated_at = now
        uow.session.add(order)
    # INITIAL -> PENDING (the customer opened the checkout) moves no money: not audited.
    if verdict == CONFLICT or (verdict == APPLY and report.status not in OPEN):
        audit.record(
            uow,
            actor=audit.SYSTEM,
            action="order.status" if verdict == APPLY else "order.status_conflict",
            target_type="order",
            target_id=order.id,
            amount=order.amount,
            currency=order.currency,
            idempotency_key=order.merchant_order_id,
            provider_code=report.status,
            outcome="ok" if verdict == APPLY else "conflict",
            detail={"from": before, "to": report.status, "source": report.source,
                    "transaction_id": report.transaction_id},
            at=now,
        )
    if verdict == APPLY and late:
        _flag_late(uow, order, late, report, now)
        return f"late_{report.status.lower()}"
    return {APPLY: report.status.lower(), SAME: "unchanged", STALE: "stale",
            CONFLICT: "conflict", IGNORED: "ignored_status"}[verdict]


def late_payment(order: Order, report: OrderReport, now: datetime) -> datetime | None:
    """When a payment reported for an unpaid order happened, if that was after our own expiry
    of the order (its ``expires_at``, the local hard stop whatever the provider allows); None
    for a payment in time, or news that is not a payment."""
    if (report.status not in PAID_FAMILY or order.expires_at is None
            or order.status not in (*OPEN, "EXPIRED")):
        return None
    # Without a payment time from the provider (Juicyway's payments carry none), what counts
    # is when we learn of it: a success first heard of after our expiry is reviewed. (A sync
    # catching up after an outage may flag a payment that was in time; a person then clears
    # it, which is better than missing a late one.)
    at = report.paid_at or report.occurred_at or now
    return at if at > order.expires_at else None


def _flag_late(uow: UnitOfWork, order: Order, paid_at: datetime, report: OrderReport,
               now: datetime) -> None:
    """A late payment is kept (the customer's money arrived) but marked "needs review": the
    order page, the inbox and reconciliation show it until someone has looked."""
    assert order.expires_at is not None
    late_by = int((paid_at - order.expires_at).total_seconds() // 60)
    note = (f"paid {paid_at:%Y-%m-%d %H:%M} UTC, {late_by} min after this payment request "
            f"expired ({order.expires_at:%H:%M} UTC): the customer paid late; confirm the sale "
            "or refund it")
    order.review_note = note[:255]
    uow.session.add(order)
    audit.record(
        uow, actor=audit.SYSTEM, action="order.late_payment", target_type="order",
        target_id=order.id, amount=order.amount, currency=order.currency,
        idempotency_key=order.merchant_order_id, provider_code=report.status,
        outcome="conflict", at=now,
        detail={"expires_at": order.expires_at.isoformat(), "paid_at": paid_at.isoformat(),
                "source": report.source, "transaction_id": report.transaction_id})


def _fill_payment(order: Order, report: OrderReport) -> None:
    # Only gaps are filled: a later or repeated report never rewrites what a payment was.
    if order.paid_at is None and report.paid_at is not None:
        order.paid_at = report.paid_at
    if order.transaction_id is None and report.transaction_id:
        order.transaction_id = report.transaction_id[:64]
    if order.payer_id is None and report.payer_id:
        order.payer_id = report.payer_id[:64]
    if order.fee is None and report.fee is not None:
        order.fee = report.fee


def lock_order(
    uow: UnitOfWork, *, order_id: int | None = None, provider_order_id: str | None = None,
    merchant_order_id: str | None = None, now: datetime | None = None,
    provider: str | None = None,
) -> Order | None:
    """Lock an order for the rest of `uow`'s transaction, then read it fresh; None if unknown.

    SELECT ... FOR UPDATE is not enough: SQLite ignores it, and pysqlite runs a read before the
    first write outside any transaction, so a webhook and a sync pass could both decide on the
    status read before the other committed. An UPDATE first (services.core.row_locks) waits for the
    other writer on both stores, and what is read next is what it committed.
    """
    if order_id is not None:
        where = col(Order.id) == order_id
    elif provider_order_id:
        where = col(Order.provider_order_id) == provider_order_id
    elif merchant_order_id:
        where = col(Order.merchant_order_id) == merchant_order_id
    else:
        return None
    if provider is not None:
        # Ids are unique per provider only: another provider's id may look the same.
        where = where & (col(Order.provider) == provider)
    if order_id is not None and now is not None:
        locked = lock_row(uow, Order, order_id, now)
    else:
        # The same lock keyed by what the caller knows; updated_at is assigned to itself, so
        # taking the lock changes nothing anyone reads.
        locked = uow.session.exec(
            update(Order).where(where).values(updated_at=col(Order.updated_at))
        ).rowcount > 0
    if not locked:
        return None
    return uow.session.exec(
        select(Order).where(where).execution_options(populate_existing=True)
    ).first()


# --- provider news --------------------------------------------------------------------------------


def report_from_event(order: Order, event: InboundEvent) -> OrderReport | None:
    """Our reading of a payment event about `order`; None for a state we do not act on."""
    if event.state is None:
        return None
    status = STATUS_OF_STATE.get(event.state)  # type: ignore[call-overload]
    if status == "CANCELED":
        # Some providers say "closed" both for a close and for an expiry: our expiry decides.
        at = event.occurred_at
        expired = order.expires_at is not None and at is not None and at >= order.expires_at
        status = "EXPIRED" if expired and order.closed_at is None else "CANCELED"
    if status is None:
        return None
    details = event.details
    return OrderReport(
        status=status,
        occurred_at=event.occurred_at,
        paid_at=details.get("paid_at") if status == "PAID" else None,
        transaction_id=details.get("transaction_id") or None,
        payer_id=details.get("payer_id") or None,
        fee=event.fee,
        source="webhook",
        amount=event.amount,
        currency=event.currency,
        provider_status=event.provider_status,
    )


@handles(EventKind.PAYMENT)
def on_payment(services: Services, uow: UnitOfWork, event: InboundEvent) -> str | None:
    order = None
    if event.provider_id:
        order = lock_order(uow, provider_order_id=event.provider_id, provider=event.provider)
    if order is None and event.merchant_id:
        order = lock_order(uow, merchant_order_id=event.merchant_id, provider=event.provider)
    if order is None:
        return None  # not an order we created (a direct-debit payment, or another system's)
    report = report_from_event(order, event)
    if report is None:
        return "ignored_status"  # a status we do not know changes nothing, not even the id
    if order.provider_order_id is None and event.provider_id:
        order.provider_order_id = event.provider_id  # the create call timed out; the news names it
    return apply_report(services, uow, order, report)


@confirms(EventKind.PAYMENT)
def confirm_payment(services: Services, event: InboundEvent) -> str | None:
    """Weakly signed payment news: ask the provider about the order and apply its answer."""
    with services.uow() as uow:
        order = None
        if event.provider_id:
            order = uow.session.exec(select(Order).where(
                Order.provider == event.provider, Order.provider_order_id == event.provider_id)).first()
        if order is None and event.merchant_id:
            order = uow.session.exec(select(Order).where(
                Order.provider == event.provider,
                Order.merchant_order_id == event.merchant_id)).first()
        if order is None or order.id is None:
            return None
        order_id, provider_order_id = order.id, order.provider_order_id or event.provider_id
        merchant_order_id = order.merchant_order_id
    result = services.provider_for(event.provider).get_order(
        provider_order_id=provider_order_id,
        merchant_order_id=None if provider_order_id else merchant_order_id)
    with services.uow() as uow:
        outcome = apply_query_result(services, uow, order_id, result)
        uow.commit()
    return outcome


# --- query results (sync) ------------------------------------------------------------------------


def report_from_query(result: OrderStatus) -> OrderReport:
    status = STATUS_OF_STATE.get(result.state, "PENDING")
    return OrderReport(
        status=status,
        paid_at=result.paid_at if status in PAID_FAMILY else None,
        transaction_id=result.transaction_id,
        payer_id=result.payer_id,
        fee=result.commission,
        source="sync",
        amount=result.amount,
        currency=result.currency,
        provider_status=result.provider_status,
    )


def apply_query_result(
    services: Services, uow: UnitOfWork, order_id: int, result: OrderStatus
) -> str:
    order = lock_order(uow, order_id=order_id, now=services.now())
    if order is None:
        return "gone"
    if order.provider_order_id is None and result.provider_order_id:
        order.provider_order_id = result.provider_order_id
    return apply_report(services, uow, order, report_from_query(result))
