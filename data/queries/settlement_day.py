"""What moved in one period, per currency, from PayDesk's own records. Never commit.

Each function answers (currency, count, amount[, fee]) for items that reached their final
successful state inside [start, end): the basis of the daily settlement report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from data.models import DirectDebit, Order, PayoutLine, Refund

# Money that reached the merchant (later refunds are reported on their own day).
PAID_STATES = ("PAID", "REFUNDING", "REFUNDED", "FULL_REFUNDED")


def paid_orders(session: Session, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(
        select(Order.currency, func.count(), func.sum(Order.amount), func.sum(Order.fee))
        .where(col(Order.paid_at) >= start, col(Order.paid_at) < end,
               col(Order.status).in_(PAID_STATES))
        .group_by(Order.currency))]


def refunds_done(session: Session, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(
        select(Refund.currency, func.count(), func.sum(Refund.amount))
        .where(Refund.status == "SUCCESS", col(Refund.completed_at) >= start,
               col(Refund.completed_at) < end)
        .group_by(Refund.currency))]


def debits_collected(session: Session, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(
        select(DirectDebit.currency, func.count(), func.sum(DirectDebit.amount))
        .where(DirectDebit.status == "SUCCESS", col(DirectDebit.completed_at) >= start,
               col(DirectDebit.completed_at) < end)
        .group_by(DirectDebit.currency))]


def payouts_paid(session: Session, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(
        select(PayoutLine.currency, func.count(), func.sum(PayoutLine.amount))
        .where(PayoutLine.status == "SUCCESS", col(PayoutLine.updated_at) >= start,
               col(PayoutLine.updated_at) < end)
        .group_by(PayoutLine.currency))]
