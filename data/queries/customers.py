"""Reads about one customer across orders, refunds, mandates, debits and payouts. Never commit.

A customer is known by e-mail (orders and contracts carry it; an e-mail payout is sent to it)
and by Binance payer id (on paid orders; a Binance-id payout is sent to it).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from data.models import DirectDebit, Mandate, Order, PayoutBatch, PayoutLine, Refund
from data.queries.order_search import _prefix


def matching_emails(session: Session, text: str, limit: int) -> list[str]:
    """E-mails starting with `text` (lowercase), from orders, contracts and e-mail payouts."""
    dialect = session.get_bind().dialect.name
    # Three index range scans, each limited; SQLite cannot put LIMIT inside a UNION.
    found: set[str] = set()
    for column, extra in ((Order.customer_email, None), (Mandate.customer_email, None),
                          (PayoutLine.receiver, PayoutLine.receive_type == "EMAIL")):
        query = select(column).where(_prefix(column, text, dialect)).distinct().limit(limit)
        if extra is not None:
            query = query.where(extra)
        found.update(e for e in session.execute(query).scalars() if e)
    return sorted(found)[:limit]


def emails_of_payer(session: Session, payer_id: str, limit: int) -> list[str]:
    return [e for e in session.execute(
        select(Order.customer_email).where(Order.payer_id == payer_id).distinct().limit(limit)
    ).scalars() if e]


def payer_ids(session: Session, email: str) -> list[str]:
    return [p for p in session.execute(
        select(Order.payer_id).where(Order.customer_email == email,
                                     col(Order.payer_id).is_not(None)).distinct().limit(20)
    ).scalars() if p]


def order_totals(session: Session, email: str) -> list[tuple[str, str, int, Any]]:
    """(currency, status, count, amount) of the customer's orders."""
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(Order.currency, Order.status, func.count(), func.sum(Order.amount))
        .where(Order.customer_email == email).group_by(Order.currency, Order.status))]


def recent_orders(session: Session, email: str, limit: int) -> list[Order]:
    return list(session.scalars(
        select(Order).where(Order.customer_email == email)
        .order_by(col(Order.created_at).desc(), col(Order.id).desc()).limit(limit)))


def refunds(session: Session, email: str, limit: int) -> list[tuple[Refund, str]]:
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(Refund, Order.merchant_order_id).join(Order, col(Order.id) == Refund.order_id)
        .where(Order.customer_email == email)
        .order_by(col(Refund.created_at).desc()).limit(limit))]


def refund_totals(session: Session, email: str) -> list[tuple[str, str, int, Any]]:
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(Refund.currency, Refund.status, func.count(), func.sum(Refund.amount))
        .join(Order, col(Order.id) == Refund.order_id)
        .where(Order.customer_email == email).group_by(Refund.currency, Refund.status))]


def mandates(session: Session, email: str) -> list[Mandate]:
    return list(session.scalars(
        select(Mandate).where(Mandate.customer_email == email)
        .order_by(col(Mandate.created_at).desc())))


def debits(session: Session, email: str, limit: int) -> list[tuple[DirectDebit, str]]:
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(DirectDebit, Mandate.merchant_contract_code)
        .join(Mandate, col(Mandate.id) == DirectDebit.mandate_id)
        .where(Mandate.customer_email == email)
        .order_by(col(DirectDebit.created_at).desc()).limit(limit))]


def debit_totals(session: Session, email: str) -> list[tuple[str, str, int, Any]]:
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(DirectDebit.currency, DirectDebit.status, func.count(),
               func.sum(DirectDebit.amount))
        .join(Mandate, col(Mandate.id) == DirectDebit.mandate_id)
        .where(Mandate.customer_email == email)
        .group_by(DirectDebit.currency, DirectDebit.status))]


def _payout_receiver(email: str, payers: list[str]) -> Any:
    by_email = (PayoutLine.receive_type == "EMAIL") & (PayoutLine.receiver == email)
    if not payers:
        return by_email
    return or_(by_email, (PayoutLine.receive_type == "BINANCE_ID")
               & col(PayoutLine.receiver).in_(payers))


def payout_lines(session: Session, email: str, payers: list[str],
                 limit: int) -> list[tuple[PayoutLine, PayoutBatch]]:
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(PayoutLine, PayoutBatch)
        .join(PayoutBatch, col(PayoutBatch.id) == PayoutLine.batch_id)
        .where(_payout_receiver(email, payers))
        .order_by(col(PayoutBatch.created_at).desc(), col(PayoutLine.id).desc()).limit(limit))]


def payout_totals(session: Session, email: str,
                  payers: list[str]) -> list[tuple[str, str, int, Any]]:
    return [tuple(r) for r in session.execute(  # type: ignore[misc]
        select(PayoutLine.currency, PayoutLine.status, func.count(), func.sum(PayoutLine.amount))
        .where(_payout_receiver(email, payers))
        .group_by(PayoutLine.currency, PayoutLine.status))]
