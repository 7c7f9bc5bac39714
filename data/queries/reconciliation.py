"""Reads for reconciliation: ledger items, statement lines, runs and their items. Never commits.

Money comes back as int64 scaled by 10**8 straight from SQL (the SQLite column already holds that
integer; PostgreSQL multiplies its NUMERIC exactly and casts), so a million rows never pass through
a million Decimal objects and never through a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Numeric,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from data.models import (
    DirectDebit,
    Order,
    PayoutBatch,
    PayoutLine,
    ReconciliationItem,
    ReconciliationRun,
    Refund,
    Statement,
    StatementLine,
    StatementMapping,
)
from data.types import MONEY_SCALE

_FACTOR = 10**MONEY_SCALE


def scaled(session: Session, column: Any, *, negate: bool = False) -> ColumnElement[int]:
    """The money column as its scaled integer, exact on both databases."""
    if session.get_bind().dialect.name == "sqlite":
        value: ColumnElement[int] = type_coerce(column, BigInteger)
    else:
        # Multiplied as plain NUMERIC: the Money type would insist on binding a Decimal.
        value = cast(type_coerce(column, Numeric(38, MONEY_SCALE)) * literal_column(str(_FACTOR)),
                     BigInteger)
    return -value if negate else value


def _in_period(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _first_in_period(first: Any, fallback: Any, start: datetime,
                     end: datetime) -> ColumnElement[bool]:
    """coalesce(first, fallback) in [start, end), written so either column's index can serve.

    Each item is selected by the same instant it is dated with: selecting a refund by when it
    was asked for but dating it by when it completed put one that completed just after a
    period boundary into a period whose statement (built or pulled for the same period) did
    not have it, a false "missing at provider".
    """
    return or_(_in_period(first, start, end),
               and_(first.is_(None), _in_period(fallback, start, end)))


#: Ledger status of an item whose provider news disagreed with our figures (services.inbound.evidence):
#: it expects no movement, so whatever the statement says, the item is a break until reviewed.
NEEDS_REVIEW = "NEEDS_REVIEW"


def _reviewed(model: Any) -> ColumnElement[str]:
    return case((model.review_note.is_not(None), literal(NEEDS_REVIEW)), else_=model.status)


def ledger_rows(session: Session, start: datetime, end: datetime) -> list[tuple[Any, ...]]:
    """(kind, ledger_id, ledger_ref, group_ref, provider_ref, currency, amount, fee, status, at)

    Amounts are signed as the provider's statement signs them: money in +, money out -.
    """
    paid_or_created = func.coalesce(Order.paid_at, Order.created_at)
    orders = select(
        literal("payment"), Order.id, Order.merchant_order_id, Order.merchant_order_id,
        Order.provider_order_id, Order.currency, scaled(session, Order.amount),
        scaled(session, Order.fee), _reviewed(Order), paid_or_created,
    ).where(_first_in_period(Order.paid_at, Order.created_at, start, end))
    refund_at = func.coalesce(Refund.completed_at, Refund.created_at)
    refunds = select(
        literal("refund"), Refund.id, Refund.refund_request_id, Order.merchant_order_id,
        Refund.provider_refund_id, Refund.currency, scaled(session, Refund.amount, negate=True),
        literal(None), _reviewed(Refund), refund_at,
    ).join(Order, Order.id == Refund.order_id).where(
        _first_in_period(Refund.completed_at, Refund.created_at, start, end))
    sent_at = func.coalesce(PayoutBatch.sent_at, PayoutBatch.created_at)
    payouts = select(
        literal("payout"), PayoutLine.id, PayoutLine.merchant_send_id, PayoutBatch.request_id,
        PayoutLine.provider_order_id, PayoutLine.currency,
        scaled(session, PayoutLine.amount, negate=True), scaled(session, PayoutLine.fee),
        _reviewed(PayoutLine), sent_at,
    ).join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id).where(
        _first_in_period(PayoutBatch.sent_at, PayoutBatch.created_at, start, end))
    debit_at = func.coalesce(DirectDebit.completed_at, DirectDebit.created_at)
    debits = select(
        literal("debit"), DirectDebit.id, DirectDebit.merchant_request_id,
        DirectDebit.merchant_request_id,
        func.coalesce(DirectDebit.provider_order_id, DirectDebit.provider_pay_id),
        DirectDebit.currency, scaled(session, DirectDebit.amount), scaled(session, DirectDebit.fee),
        _reviewed(DirectDebit), debit_at,
    ).where(_first_in_period(DirectDebit.completed_at, DirectDebit.created_at, start, end))
    rows: list[tuple[Any, ...]] = []
    for query in (orders, refunds, payouts, debits):
        rows.extend(tuple(r) for r in session.execute(query))
    return rows


def statement_by_hash(session: Session, source: str, sha256: str) -> Statement | None:
    return session.execute(
        select(Statement).where(Statement.source == source, Statement.content_sha256 == sha256)
    ).scalar_one_or_none()


def statements(session: Session, ids: Sequence[int] | None = None,
               limit: int = 200) -> list[Statement]:
    query = select(Statement).order_by(Statement.imported_at.desc(), Statement.id.desc())  # type: ignore[attr-defined]
    if ids is not None:
        query = query.where(Statement.id.in_(list(ids)))  # type: ignore[union-attr]
    return list(session.execute(query.limit(limit)).scalars())


def statement_line_rows(session: Session, statement_ids: Sequence[int], start: datetime,
                        end: datetime) -> list[tuple[Any, ...]]:
    """(line_id, kind, provider_ref, merchant_ref, currency, amount, fee, balance, status, at)"""
    if not statement_ids:
        return []
    query = select(
        StatementLine.id, StatementLine.kind, StatementLine.provider_ref,
        StatementLine.merchant_ref, StatementLine.currency, scaled(session, StatementLine.amount),
        scaled(session, StatementLine.fee), scaled(session, StatementLine.balance),
        StatementLine.status, StatementLine.occurred_at,
    ).where(
        StatementLine.statement_id.in_(list(statement_ids)),  # type: ignore[attr-defined]
        _in_period(StatementLine.occurred_at, start, end),
    ).order_by(StatementLine.id)
    return [tuple(r) for r in session.execute(query)]


def mapping_for(session: Session, source: str) -> StatementMapping | None:
    return session.execute(
        select(StatementMapping).where(StatementMapping.source == source)
    ).scalar_one_or_none()


def runs(session: Session, limit: int = 100) -> list[ReconciliationRun]:
    query = select(ReconciliationRun).order_by(ReconciliationRun.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list(session.execute(query).scalars())


def run_items(session: Session, run_id: int, classes: Sequence[str] | None = None,
              unresolved_only: bool = False) -> list[ReconciliationItem]:
    query = select(ReconciliationItem).where(ReconciliationItem.run_id == run_id)
    if classes:
        query = query.where(ReconciliationItem.klass.in_(list(classes)))  # type: ignore[attr-defined]
    if unresolved_only:
        query = query.where(ReconciliationItem.resolved.is_(False))  # type: ignore[attr-defined]
    return list(session.execute(query.order_by(ReconciliationItem.id)).scalars())  # type: ignore[arg-type]


def unresolved_breaks(session: Session, run_id: int) -> int:
    return int(session.execute(
        select(func.count()).select_from(ReconciliationItem).where(
            ReconciliationItem.run_id == run_id, ReconciliationItem.klass != "matched",
            ReconciliationItem.resolved.is_(False))  # type: ignore[attr-defined]
    ).scalar_one())


def breaks_by_day(session: Session, run_id: int) -> list[tuple[Any, ...]]:
    """(occurred_at, klass, resolved) of every break, for charting per local day."""
    return [tuple(r) for r in session.execute(
        select(ReconciliationItem.occurred_at, ReconciliationItem.klass,
               ReconciliationItem.resolved).where(
            ReconciliationItem.run_id == run_id, ReconciliationItem.klass != "matched")
    )]


def resolved_earlier(session: Session, before_run_id: int) -> list[tuple[Any, ...]]:
    """(kind, ledger_ref, provider_ref, klass, difference, note, resolved_by, resolved_at) of
    every break resolved in an earlier run, newest first."""
    return [tuple(r) for r in session.execute(
        select(ReconciliationItem.kind, ReconciliationItem.ledger_ref,
               ReconciliationItem.provider_ref, ReconciliationItem.klass,
               scaled(session, ReconciliationItem.difference), ReconciliationItem.note,
               ReconciliationItem.resolved_by, ReconciliationItem.resolved_at).where(
            ReconciliationItem.run_id < before_run_id,
            ReconciliationItem.resolved.is_(True))  # type: ignore[attr-defined]
        .order_by(ReconciliationItem.id.desc())  # type: ignore[union-attr]
    )]


def mark_resolved(session: Session, item_id: int, note: str, by: str, at: datetime) -> int:
    """Conditional on still being open, so two approvers cannot both resolve (and overwrite)."""
    result = session.execute(
        update(ReconciliationItem)
        .where(ReconciliationItem.id == item_id, ReconciliationItem.resolved.is_(False),  # type: ignore[attr-defined]
               ReconciliationItem.klass != "matched")
        .values(resolved=True, note=note, resolved_by=by, resolved_at=at)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def set_break_count(session: Session, run_id: int) -> None:
    open_breaks = unresolved_breaks(session, run_id)
    session.execute(update(ReconciliationRun).where(ReconciliationRun.id == run_id)
                    .values(break_count=open_breaks))



def items_with_statement(session: Session, run_id: int) -> int:
    return int(session.execute(
        select(func.count()).select_from(ReconciliationItem).where(
            ReconciliationItem.run_id == run_id,
            ReconciliationItem.statement_line_id.is_not(None))  # type: ignore[union-attr]
    ).scalar_one())


def delete_run(session: Session, run_id: int) -> None:
    session.execute(delete(ReconciliationItem).where(ReconciliationItem.run_id == run_id))
    session.execute(delete(ReconciliationRun).where(ReconciliationRun.id == run_id))
