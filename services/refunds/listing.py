"""The Refunds page's list: every refund with its order, filters, and an export that holds
every filtered row (the table may show fewer; the export never does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from data.models import Order, Refund, User
from services.core.access import Actor
from services.core.cells import rows_csv
from services.core.context import Services
from services.core.errors import InputError
from services.core.refusals import require
from services.core.search_text import search_text

STATUSES = ("NEEDS_APPROVAL", "PENDING", "UNKNOWN", "REFUNDING", "SUCCESS", "FAIL", "REJECTED")
COLUMNS = ("refund_request_id", "merchant_order_id", "amount", "currency", "status", "reason",
           "note", "requested_by", "approved_by", "remaining_attempts", "error_code",
           "error_message", "created_at", "completed_at", "provider_refund_id")

# As the Refunds page heads its table.
HEADERS = {"refund_request_id": "Refund", "merchant_order_id": "Order", "amount": "Amount",
           "currency": "Currency", "status": "Status", "reason": "Reason", "note": "Note",
           "requested_by": "Requested by", "approved_by": "Approved by",
           "remaining_attempts": "Refund attempts left", "error_code": "Error code",
           "error_message": "Error", "created_at": "Created", "completed_at": "Completed",
           "provider_refund_id": "Provider refund id"}


@dataclass(frozen=True)
class RefundFilter:
    status: tuple[str, ...] = ()
    currency: tuple[str, ...] = ()
    reason: tuple[str, ...] = ()
    text: str = ""  # refund request ID, order ID or provider order ID (prefix)
    date_from: date | None = None
    date_to: date | None = None


def _statement(services: Services, f: RefundFilter, what):  # type: ignore[no-untyped-def]
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise InputError("the start date is after the end date; swap them", field="date range")
    zone = services.settings.zone
    statement = what.join(Order, col(Order.id) == col(Refund.order_id))
    if f.status:
        statement = statement.where(col(Refund.status).in_(f.status))
    if f.currency:
        statement = statement.where(col(Refund.currency).in_(f.currency))
    if f.reason:
        statement = statement.where(col(Refund.reason).in_(f.reason))
    text = search_text(f.text)
    if text:
        # autoescape: a typed % or _ matches itself, not every refund.
        statement = statement.where(
            col(Refund.refund_request_id).startswith(text, autoescape=True)
            | col(Order.merchant_order_id).startswith(text, autoescape=True)
            | col(Order.provider_order_id).startswith(text, autoescape=True))
    if f.date_from:
        statement = statement.where(
            col(Refund.created_at) >= datetime.combine(f.date_from, time.min, zone))
    if f.date_to:
        statement = statement.where(col(Refund.created_at) < datetime.combine(
            f.date_to + timedelta(days=1), time.min, zone))
    return statement


def count_refunds(services: Services, actor: Actor, f: RefundFilter) -> int:
    require(services, actor, "orders.view")
    with services.uow() as uow:
        return int(uow.session.exec(
            _statement(services, f, select(func.count()).select_from(Refund))).one())


def list_refunds(services: Services, actor: Actor, f: RefundFilter, *,
                 limit: int | None = 1000) -> list[dict[str, object]]:
    require(services, actor, "orders.view")
    requester, approver = aliased(User), aliased(User)
    what = (select(Refund, Order.merchant_order_id, requester.username, approver.username)
            .select_from(Refund))
    statement = _statement(services, f, what)
    statement = (statement
                 .outerjoin(requester, col(requester.id) == col(Refund.requested_by_id))
                 .outerjoin(approver, col(approver.id) == col(Refund.approved_by_id))
                 .order_by(col(Refund.created_at).desc(), col(Refund.id).desc()))
    if limit is not None:
        statement = statement.limit(limit)
    zone = services.settings.zone
    rows = []
    with services.uow() as uow:
        for refund, trade_no, requested_by, approved_by in uow.session.exec(statement).all():
            row: dict[str, object] = {name: getattr(refund, name, None) for name in COLUMNS}
            row.update(merchant_order_id=trade_no, requested_by=requested_by,
                       approved_by=approved_by)
            for name in ("created_at", "completed_at"):
                value = row[name]
                row[name] = value.astimezone(zone) if isinstance(value, datetime) else value
            rows.append(row)
    return rows


def filter_choices(services: Services, actor: Actor) -> dict[str, list[str]]:
    require(services, actor, "orders.view")
    with services.uow() as uow:
        currencies = uow.session.exec(select(Refund.currency).distinct()).all()
        reasons = uow.session.exec(select(Refund.reason).distinct()).all()
    return {"status": list(STATUSES), "currency": sorted(currencies), "reason": sorted(reasons)}


def export_refunds_csv(services: Services, actor: Actor, f: RefundFilter) -> bytes:
    """Every refund the filters match, no cap."""
    require(services, actor, "orders.export")
    return rows_csv(list_refunds(services, actor, f, limit=None), COLUMNS,
                    services.settings.timezone, HEADERS)
