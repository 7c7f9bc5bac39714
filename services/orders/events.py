"""Order status from provider events (`PAY` webhooks) and from query results (the sync worker).

Statuses are Binance Pay's own values. The rules (`decide`) are one table for both sources:

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
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from data.models import Order
from services.core import audit
from services.inbound import evidence
from services.core.context import Services
from services.inbound.dispatch import ProviderEvent, handles
from services.providers.base import OrderStatus
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


def apply_report(services: Services, uow: UnitOfWork, order: Order, report: OrderReport) -> str:
    """Apply `report` to `order` (already loaded in `uow`, ideally locked); return the outcome."""
    before = order.status
    now = services.now()
    if not evidence.check(uow, order, target_type="order", target_id=order.id or 0,
                          ours=evidence.Figures(order.amount, order.currency),
                          theirs=evidence.Figures(report.amount, report.currency),
                          source=report.source, now=now, key=order.merchant_trade_no):
        return evidence.NEEDS_REVIEW
    verdict = decide(before, report.status)
    if verdict in (APPLY, SAME) and report.status in PAID_FAMILY:
        _fill_payment(order, report)
    if verdict == APPLY:
        order.status = report.status
        if report.status == "CANCELED" and order.closed_at is None:
            order.closed_at = report.occurred_at or now
    if verdict in (APPLY, SAME):
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
            idempotency_key=order.merchant_trade_no,
            provider_code=report.status,
            outcome="ok" if verdict == APPLY else "conflict",
            detail={"from": before, "to": report.status, "source": report.source,
                    "transaction_id": report.transaction_id},
            at=now,
        )
    return {APPLY: report.status.lower(), SAME: "unchanged", STALE: "stale",
            CONFLICT: "conflict", IGNORED: "ignored_status"}[verdict]


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
    uow: UnitOfWork, *, order_id: int | None = None, prepay_id: str | None = None,
    merchant_trade_no: str | None = None, now: datetime | None = None,
) -> Order | None:
    """Lock an order for the rest of `uow`'s transaction, then read it fresh; None if unknown.

    SELECT ... FOR UPDATE is not enough: SQLite ignores it, and pysqlite runs a read before the
    first write outside any transaction, so a webhook and a sync pass could both decide on the
    status read before the other committed. An UPDATE first (services.core.row_locks) waits for the
    other writer on both stores, and what is read next is what it committed.
    """
    if order_id is not None:
        where = col(Order.id) == order_id
    elif prepay_id:
        where = col(Order.prepay_id) == prepay_id
    elif merchant_trade_no:
        where = col(Order.merchant_trade_no) == merchant_trade_no
    else:
        return None
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


# --- webhooks ------------------------------------------------------------------------------------


def _ms(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value // 1000, tz=UTC).replace(
            microsecond=(value % 1000) * 1000)
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str) and value.strip():
        return Decimal(value)
    return None


def report_from_event(order: Order, event: ProviderEvent) -> OrderReport | None:
    data = event.data
    if event.biz_status == "PAY_SUCCESS":
        status = "PAID"
    elif event.biz_status == "PAY_CLOSED":
        # Binance sends PAY_CLOSED both for a close and for an expiry; the expiry time decides.
        at = event.occurred_at
        expired = order.expires_at is not None and at is not None and at >= order.expires_at
        status = "EXPIRED" if expired and order.closed_at is None else "CANCELED"
    else:
        return None
    payer = data.get("openUserId")
    payment_info = data.get("paymentInfo")
    if not payer and isinstance(payment_info, dict):
        payer = payment_info.get("payerId")
    return OrderReport(
        status=status,
        occurred_at=event.occurred_at,
        paid_at=_ms(data.get("transactTime")) if status == "PAID" else None,
        transaction_id=data.get("transactionId") or None,
        payer_id=str(payer) if payer else None,
        fee=_decimal(data.get("commission")),
        source="webhook",
        amount=evidence.reported_amount(data.get("totalFee")),
        currency=str(data["currency"]) if data.get("currency") else None,
    )


@handles("PAY")
def on_pay(services: Services, uow: UnitOfWork, event: ProviderEvent) -> str | None:
    order = lock_order(uow, prepay_id=event.biz_id) or lock_order(
        uow, merchant_trade_no=str(event.data.get("merchantTradeNo") or ""))
    if order is None:
        return None  # not an order we created (a direct-debit payment, or another system's)
    report = report_from_event(order, event)
    if report is None:
        return "ignored_status"  # a status we do not know changes nothing, not even the id
    if order.prepay_id is None:
        order.prepay_id = event.biz_id  # the create call timed out; the webhook names it
    return apply_report(services, uow, order, report)


# --- query results (sync) ------------------------------------------------------------------------


def report_from_query(result: OrderStatus) -> OrderReport:
    return OrderReport(
        status=result.provider_status,
        paid_at=result.paid_at if result.provider_status in PAID_FAMILY else None,
        transaction_id=result.transaction_id,
        payer_id=result.payer_id,
        fee=result.commission,
        source="sync",
        amount=result.amount,
        currency=result.currency,
    )


def apply_query_result(
    services: Services, uow: UnitOfWork, order_id: int, result: OrderStatus
) -> str:
    order = lock_order(uow, order_id=order_id, now=services.now())
    if order is None:
        return "gone"
    if order.prepay_id is None and result.provider_order_id:
        order.prepay_id = result.provider_order_id
    return apply_report(services, uow, order, report_from_query(result))
