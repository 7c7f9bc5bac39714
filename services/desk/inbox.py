"""Everything waiting for one person: the approvals inbox and its count in the navigation.

Each source is one function registered with `@inbox_source(key, action=...)`: it runs only for
roles allowed `action`, and returns the items that person can act on (never their own uploads or
refunds, which another person must decide). Adding a source is one decorated function here or in
any module listed in SOURCE_MODULES.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import col, select

from data.models import (
    Approval,
    DirectDebit,
    Mandate,
    Order,
    PayoutBatch,
    PayoutLine,
    ReconciliationRun,
    Refund,
)
from services.core.access import Actor, can
from services.core.context import Services
from services.core.money import plain_amount
from services.refunds.commands import REASONS
from services.core.refusals import require

# Modules whose import registers further sources (e.g. alerts); one line per module.
SOURCE_MODULES: tuple[str, ...] = ("services.desk.alerts",)
#: A contract still unsigned after this long is chased from the inbox.
SIGNATURE_WAIT = timedelta(days=2)


@dataclass(frozen=True)
class InboxItem:
    source: str
    title: str
    detail: str
    ref: str
    since: datetime
    page: str  # url path of the page where the item is handled
    amounts: tuple[tuple[Decimal, str], ...] = ()


Source = Callable[[Services, Actor], list[InboxItem]]


@dataclass(frozen=True)
class _Registered:
    key: str
    label: str
    action: str
    fn: Source


_SOURCES: dict[str, _Registered] = {}
_loaded = False


def inbox_source(key: str, *, label: str, action: str) -> Callable[[Source], Source]:
    def register(fn: Source) -> Source:
        # `items` asks `can` first and skips what a role may not act on; a source called on its
        # own refuses like any other service, on the record.
        @functools.wraps(fn)
        def checked(services: Services, actor: Actor) -> list[InboxItem]:
            require(services, actor, action)
            return fn(services, actor)

        _SOURCES[key] = _Registered(key, label, action, checked)
        return checked

    return register


def sources() -> list[_Registered]:
    global _loaded
    if not _loaded:
        for name in SOURCE_MODULES:
            importlib.import_module(name)
        _loaded = True
    return list(_SOURCES.values())


def items(services: Services, actor: Actor) -> dict[str, list[InboxItem]]:
    """Per source label, what waits for `actor`; sources the role may not act on are skipped."""
    found: dict[str, list[InboxItem]] = {}
    for source in sources():
        if can(actor, source.action):
            found[source.label] = source.fn(services, actor)
    return found


def count(services: Services, actor: Actor) -> int:
    return sum(len(group) for group in items(services, actor).values())


def _totals(pairs: dict[str, Decimal]) -> str:
    return ", ".join(f"{plain_amount(amount)} {currency}" for currency, amount in pairs.items())


# --- the sources ---------------------------------------------------------------------------------


@inbox_source("payout_approval", label="Payout uploads to approve", action="payout.approve")
def payout_uploads_to_approve(services: Services, actor: Actor) -> list[InboxItem]:
    with services.uow() as uow:
        rows = uow.session.exec(
            select(PayoutBatch).where(PayoutBatch.status == "PENDING_APPROVAL")
            .order_by(col(PayoutBatch.created_at), col(PayoutBatch.id))
        ).all()
        uow.session.expunge_all()  # plain values after the session closes
    uploads: dict[str, list[PayoutBatch]] = {}
    for batch in rows:
        uploads.setdefault(batch.upload_ref or batch.request_id, []).append(batch)
    found = []
    for ref, batches in uploads.items():
        if any(b.prepared_by_id == actor.user_id for b in batches):
            continue  # their own upload: another approver decides
        totals: dict[str, Decimal] = {}
        for b in batches:
            totals[b.currency] = totals.get(b.currency, Decimal(0)) + b.total_amount
        lines = sum(b.line_count for b in batches)
        found.append(InboxItem(
            "payout_approval", f"Payout upload {ref}",
            f"{lines} lines in {len(batches)} batch{'es' if len(batches) != 1 else ''}: "
            f"{_totals(totals)} · file {batches[0].file_name or 'without a name'}",
            ref, batches[0].created_at, "payouts",
            tuple((amount, currency) for currency, amount in totals.items())))
    return found


@inbox_source("refund_approval", label="Refunds above the threshold", action="refund.approve")
def refunds_to_approve(services: Services, actor: Actor) -> list[InboxItem]:
    # Through the approvals' (status, requested_at) index: every page counts this on each click,
    # and the refunds table itself has no index on status.
    with services.uow() as uow:
        rows = uow.session.exec(
            select(Refund).join(Approval, col(Approval.item_id) == Refund.refund_request_id)
            .where(Approval.status == "PENDING", Approval.kind == "refund",
                   Refund.status == "NEEDS_APPROVAL")
            .order_by(col(Approval.requested_at))
        ).all()
        uow.session.expunge_all()
    return [InboxItem("refund_approval", f"Refund {r.refund_request_id}",
                      f"{plain_amount(r.amount)} {r.currency} · "
                      f"{REASONS.get(r.reason, r.reason.replace('_', ' ').capitalize())}",
                      r.refund_request_id, r.created_at, "refunds", ((r.amount, r.currency),))
            for r in rows if r.requested_by_id != actor.user_id]


@inbox_source("payout_unsent", label="Payout batches not sent", action="payout.submit")
def payout_batches_not_sent(services: Services, actor: Actor) -> list[InboxItem]:
    labels = {"DRAFT": "saved as a draft, not submitted", "APPROVED": "approved, not sent",
              "SEND_FAILED": "refused by the provider; send again"}
    with services.uow() as uow:
        rows = uow.session.exec(
            select(PayoutBatch).where(col(PayoutBatch.status).in_(tuple(labels)))
            .order_by(col(PayoutBatch.created_at))
        ).all()
        uow.session.expunge_all()
    return [InboxItem("payout_unsent", f"Payout batch {b.request_id}",
                      f"{labels[b.status]} · {b.line_count} lines, "
                      f"{plain_amount(b.total_amount)} {b.currency} · upload {b.upload_ref}",
                      b.request_id, b.updated_at, "payouts", ((b.total_amount, b.currency),))
            for b in rows]


# kind -> (model, its reference column, its words, the page that shows it)
_REVIEWED = {
    "order": (Order, "merchant_order_id", "Order", "orders"),
    "refund": (Refund, "refund_request_id", "Refund", "refunds"),
    "payout_line": (PayoutLine, "merchant_send_id", "Payout line", "payouts"),
    "debit": (DirectDebit, "merchant_request_id", "Debit", "mandates"),
}


@inbox_source("needs_review", label="Needs review: the provider disagrees with our figures",
              action="reconciliation.resolve")
def needs_review(services: Services, actor: Actor) -> list[InboxItem]:
    found = []
    with services.uow() as uow:
        for model, ref, words, page in _REVIEWED.values():
            rows = uow.session.exec(
                select(getattr(model, ref), model.review_note, model.updated_at)
                .where(col(model.review_note).is_not(None))).all()
            found += [InboxItem("needs_review", f"{words} {item}", note or "", str(item), at,
                                page) for item, note, at in rows]
    return sorted(found, key=lambda i: i.since)


@inbox_source("breaks", label="Reconciliation breaks to resolve",
              action="reconciliation.resolve")
def breaks_to_resolve(services: Services, actor: Actor) -> list[InboxItem]:
    # Only the newest run counts: an older run's breaks were carried into it.
    with services.uow() as uow:
        run = uow.session.exec(
            select(ReconciliationRun).order_by(col(ReconciliationRun.created_at).desc(),
                                               col(ReconciliationRun.id).desc())
        ).first()
        uow.session.expunge_all()
    if run is None or run.break_count == 0:
        return []
    return [InboxItem("breaks", f"Reconciliation run {run.id}",
                      f"{run.break_count} open break{'s' if run.break_count != 1 else ''} "
                      f"(run by {run.created_by})", str(run.id), run.created_at,
                      "reconciliation")]


@inbox_source("unsigned_contracts", label="Contracts awaiting signature too long",
              action="mandate.create")
def contracts_awaiting_signature(services: Services, actor: Actor) -> list[InboxItem]:
    cutoff = services.now() - SIGNATURE_WAIT
    with services.uow() as uow:
        rows = uow.session.exec(
            select(Mandate).where(Mandate.status == "INITIAL", col(Mandate.created_at) < cutoff)
            .order_by(col(Mandate.created_at))
        ).all()
        uow.session.expunge_all()
    return [InboxItem("unsigned_contracts", f"Contract {m.merchant_contract_code}",
                      f"{m.customer_email or 'customer without an e-mail'} · {m.service_name} · "
                      f"unsigned for {(services.now() - m.created_at).days} days",
                      m.merchant_contract_code, m.created_at, "mandates")
            for m in rows]

