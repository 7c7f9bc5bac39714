"""Items still in progress, checked with the provider while a page that shows them is open.

A page asks `check_open(kind)` every few seconds (and once on every full run, before it draws its
table, so a table is never older than its page): the open refunds, debits or one upload's payout
batches are asked about with their stored ids, the same calls `paydesk sync` makes, and the
answer says whether anything shown moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select

from data.models import DirectDebit, PayoutBatch, PayoutLine, Refund
from data.queries.sync_candidates import stale_open_ids
from services.mandates import events as mandate_updates
from services.mandates import sync as mandate_sync
from services.refunds import events as refund_updates
from services.refunds import sync as refund_sync
from services.core.access import Actor
from services.core.context import Services
from services.core.refusals import require
from services.payouts import following, states

KINDS = ("refunds", "debits", "payouts")
# Open rows asked about per check: a page shows what is moving now, the sync job does the rest.
LIMIT = 50
# A row the provider never answered for may be sent again by a check (same id); one younger than
# this may still be inside the call that created it, so it is left alone, as the sync job does.
# Rows the provider accepted (REFUNDING, PROCESSING) are only queried, at any age.
RESEND_MIN_AGE = timedelta(seconds=30)
_PAYOUT_OPEN = (*states.FOLLOWED, *states.IN_FLIGHT)


@dataclass(frozen=True)
class Progress:
    """What is still open of one kind, as (id, status) pairs: two equal Progress show the same."""

    items: tuple[tuple[str, str], ...]
    lines: tuple[tuple[str, int], ...] = ()

    @property
    def count(self) -> int:
        return len(self.items)


def _check_kind(kind: str, upload_ref: str | None) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if kind == "payouts" and not upload_ref:
        raise ValueError("payouts are followed per upload: give upload_ref")


def open_items(services: Services, actor: Actor, kind: str, *,
               upload_ref: str | None = None) -> Progress:
    require(services, actor, "orders.view")
    _check_kind(kind, upload_ref)
    with services.uow() as uow:
        session = uow.session
        if kind == "refunds":
            rows = session.exec(select(Refund.refund_request_id, Refund.status)
                                .where(col(Refund.status).in_(refund_updates.OPEN))
                                .order_by(col(Refund.id))).all()
            return Progress(tuple((str(a), str(b)) for a, b in rows))
        if kind == "debits":
            rows = session.exec(select(DirectDebit.merchant_request_id, DirectDebit.status)
                                .where(col(DirectDebit.status).in_(mandate_updates.DEBIT_OPEN))
                                .order_by(col(DirectDebit.id))).all()
            return Progress(tuple((str(a), str(b)) for a, b in rows))
        rows = session.exec(select(PayoutBatch.request_id, PayoutBatch.status)
                            .where(PayoutBatch.upload_ref == upload_ref,
                                   col(PayoutBatch.status).in_(_PAYOUT_OPEN))
                            .order_by(col(PayoutBatch.request_id))).all()
        if not rows:
            return Progress(())
        # Lines settle one by one inside a batch that stays "processing".
        lines = session.exec(
            select(PayoutLine.status, func.count())
            .join(PayoutBatch, col(PayoutBatch.id) == col(PayoutLine.batch_id))
            .where(PayoutBatch.upload_ref == upload_ref)
            .group_by(PayoutLine.status).order_by(PayoutLine.status)).all()
        return Progress(tuple((str(a), str(b)) for a, b in rows),
                        tuple((str(s), int(n)) for s, n in lines))


def _due(services: Services, id_column: object, status_column: object, updated_column: object,
         *, accepted: tuple[str, ...], unanswered: tuple[str, ...]) -> list[str]:
    now = services.now()
    with services.uow() as uow:
        return [
            *stale_open_ids(uow.session, id_column=id_column, status_column=status_column,
                            updated_column=updated_column, statuses=accepted, not_after=now,
                            limit=LIMIT),
            *stale_open_ids(uow.session, id_column=id_column, status_column=status_column,
                            updated_column=updated_column, statuses=unanswered,
                            not_after=now - RESEND_MIN_AGE, limit=LIMIT),
        ]


def check_open(services: Services, actor: Actor, kind: str, *,
               upload_ref: str | None = None) -> bool:
    """Ask the provider about the open items of `kind`; True when anything shown moved."""
    before = open_items(services, actor, kind, upload_ref=upload_ref)
    if not before.count:
        return False
    if kind == "refunds":
        for request_id in _due(services, Refund.refund_request_id, Refund.status,
                               Refund.updated_at, accepted=(refund_updates.REFUNDING,),
                               unanswered=(refund_updates.PENDING, refund_updates.UNKNOWN)):
            refund_sync.sync_refund(services, request_id)
    elif kind == "debits":
        for request_id in _due(services, DirectDebit.merchant_request_id, DirectDebit.status,
                               DirectDebit.updated_at, accepted=(mandate_updates.PROCESSING,),
                               unanswered=(mandate_updates.D_PENDING, mandate_updates.D_UNKNOWN)):
            mandate_sync.sync_debit(services, request_id)
    else:
        assert upload_ref is not None
        following.refresh_upload(services, actor, upload_ref)
    return open_items(services, actor, kind, upload_ref=upload_ref) != before
