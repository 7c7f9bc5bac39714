"""Alerts when a payout, refund or debit fails, for the people who can act on it.

`collect` turns failures into alert rows (one per item, so running it from several workers or
pages at once raises nothing twice); the page and the inbox show the open ones to the roles
allowed the alert's `audience` action; `deliver` sends each alert once by e-mail and/or a chat
webhook, only when those are configured. Failures older than the first collection are history,
not news: the first run records its time and only later failures alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from data.models import Alert, AppMeta, DirectDebit, Mandate, Order, PayoutBatch, PayoutLine, Refund
from services.core import audit
from services.core.access import Actor, can
from services.core.context import Services
from services.core.errors import ConflictError, NotFoundError
from services.desk.inbox import InboxItem, inbox_source
from services.core.money import plain_amount
from services.core.refusals import require, require_any

SINCE_KEY = "alerts.since"
# kind -> the action whose holders can do something about the failure
AUDIENCE = {"payout": "payout.upload", "refund": "refund.request", "debit": "debit.request"}
PAGE = {"payout": "payouts", "refund": "refunds", "debit": "mandates"}


@dataclass(frozen=True)
class AlertView:
    id: int
    kind: str
    item_ref: str
    message: str
    amount: Decimal | None
    currency: str | None
    created_at: datetime
    delivered_at: datetime | None
    delivery_note: str | None


def _view(row: Alert) -> AlertView:
    return AlertView(row.id or 0, row.kind, row.item_ref, row.message, row.amount, row.currency,
                     row.created_at, row.delivered_at, row.delivery_note)


def _since(services: Services) -> datetime:
    with services.uow() as uow:
        meta = uow.session.exec(select(AppMeta).where(AppMeta.key == SINCE_KEY)).first()
        if meta is not None:
            return datetime.fromisoformat(meta.value)
        now = services.now()
        uow.session.add(AppMeta(key=SINCE_KEY, value=now.isoformat(), updated_at=now))
        try:
            uow.commit()
        except IntegrityError:
            uow.rollback()
            meta = uow.session.exec(select(AppMeta).where(AppMeta.key == SINCE_KEY)).one()
            return datetime.fromisoformat(meta.value)
        return now


def _not_alerted(kind: str, ref_column):  # type: ignore[no-untyped-def]
    return ~exists().where(col(Alert.kind) == kind, col(Alert.item_ref) == ref_column)


def _failures(services: Services, since: datetime) -> list[Alert]:
    found: list[Alert] = []
    now = services.now()
    with services.uow() as uow:
        s = uow.session
        for refund, trade_no in s.exec(
            select(Refund, Order.merchant_order_id).join(Order, col(Order.id) == Refund.order_id)
            .where(Refund.status == "FAIL", col(Refund.updated_at) >= since,
                   _not_alerted("refund", Refund.refund_request_id))
        ).all():
            found.append(Alert(
                kind="refund", item_ref=refund.refund_request_id, amount=refund.amount,
                currency=refund.currency, audience=AUDIENCE["refund"], created_at=now,
                message=f"Refund {refund.refund_request_id} of order {trade_no} failed: "
                        f"{plain_amount(refund.amount)} {refund.currency} did not go back. "
                        f"{refund.error_message or ''}".strip()))
        for debit, contract in s.exec(
            select(DirectDebit, Mandate.merchant_contract_code)
            .join(Mandate, col(Mandate.id) == DirectDebit.mandate_id)
            .where(DirectDebit.status == "FAIL", col(DirectDebit.updated_at) >= since,
                   _not_alerted("debit", DirectDebit.merchant_request_id))
        ).all():
            found.append(Alert(
                kind="debit", item_ref=debit.merchant_request_id, amount=debit.amount,
                currency=debit.currency, audience=AUDIENCE["debit"], created_at=now,
                message=f"Debit {debit.merchant_request_id} on contract {contract} failed: "
                        f"{plain_amount(debit.amount)} {debit.currency} was not collected. "
                        f"{debit.error_message or ''}".strip()))
        failed_lines = (
            select(PayoutLine.batch_id).where(PayoutLine.status == "FAIL",
                                              col(PayoutLine.updated_at) >= since)
        )
        for batch in s.exec(
            select(PayoutBatch).where(
                (col(PayoutBatch.status).in_(("FAILED", "CANCELED"))
                 & (col(PayoutBatch.updated_at) >= since))
                | col(PayoutBatch.id).in_(failed_lines),
                _not_alerted("payout", PayoutBatch.request_id))
        ).all():
            lines = s.exec(select(PayoutLine.amount).where(
                PayoutLine.batch_id == batch.id, PayoutLine.status == "FAIL")).all()
            failed = sum(lines, Decimal(0))
            what = (f"all of payout batch {batch.request_id} failed"
                    if batch.status in ("FAILED", "CANCELED") or len(lines) == batch.line_count
                    else f"{len(lines)} of {batch.line_count} lines of payout batch "
                         f"{batch.request_id} failed")
            amount = failed if lines else batch.total_amount
            found.append(Alert(
                kind="payout", item_ref=batch.request_id, amount=amount, currency=batch.currency,
                audience=AUDIENCE["payout"], created_at=now,
                message=f"{what[0].upper()}{what[1:]} (upload {batch.upload_ref}): "
                        f"{plain_amount(amount)} {batch.currency} was not paid out."))
    return found


def collect(services: Services) -> int:
    """Record an alert for every failure since alerts began; returns how many are new."""
    since = _since(services)
    new = 0
    for alert in _failures(services, since):
        with services.uow() as uow:
            uow.session.add(alert)
            try:
                uow.commit()
            except IntegrityError:
                continue  # another worker recorded it a moment ago
            new += 1
    return new


def open_alerts(services: Services, actor: Actor) -> list[AlertView]:
    """Open alerts the actor can act on, newest first."""
    audiences = [a for a in set(AUDIENCE.values()) if can(actor, a)]
    if not audiences:
        return []
    with services.uow() as uow:
        rows = uow.session.exec(
            select(Alert).where(col(Alert.dismissed_at).is_(None),
                                col(Alert.audience).in_(audiences))
            .order_by(col(Alert.created_at).desc(), col(Alert.id).desc())
        ).all()
        return [_view(r) for r in rows]


def dismiss(services: Services, actor: Actor, alert_id: int) -> None:
    """Mark an alert handled; audited with who did it."""
    # The role first: someone no alert is meant for learns nothing, not even whether it exists.
    require_any(services, actor, sorted(set(AUDIENCE.values())), what="alert.dismiss")
    now = services.now()
    with services.uow() as uow:
        row = uow.session.get(Alert, alert_id)
        if row is None:
            raise NotFoundError(f"there is no alert {alert_id}")
        require(services, actor, row.audience)
        moved = uow.session.exec(
            update(Alert).where(col(Alert.id) == alert_id, col(Alert.dismissed_at).is_(None))
            .values(dismissed_at=now, dismissed_by=actor.username))
        if moved.rowcount != 1:
            raise ConflictError("this alert was already marked handled")
        audit.record(uow, actor=actor, action="alert.dismissed", target_type=row.kind,
                     target_id=row.item_ref, amount=row.amount, currency=row.currency, at=now,
                     detail={"message": row.message})
        uow.commit()


@inbox_source("alerts", label="Failed payouts, refunds and debits", action="orders.view")
def alerts_in_inbox(services: Services, actor: Actor) -> list[InboxItem]:
    return [InboxItem("alerts", a.message, "", str(a.id), a.created_at, PAGE[a.kind],
                      ((a.amount, a.currency),) if a.amount is not None and a.currency else ())
            for a in open_alerts(services, actor)]
