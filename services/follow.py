"""Items still in progress, checked with the provider while a page that shows them is open.

A page asks `check_open(kind)` every few seconds (and once on every full run, before it draws its
table, so a table is never older than its page): the open refunds, debits or one upload's payout
batches are asked about with their stored ids, the same calls `paydesk sync` makes, and the
answer says whether anything shown moved.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

from data.models import DirectDebit, PayoutBatch, PayoutLine, Refund
from services import mandate_updates, refund_updates
from services.access import Actor, require
from services.bootstrap import Services
from services.payouts import following, states

KINDS = ("refunds", "debits", "payouts")
# Open rows asked about per check: a page shows what is moving now, the sync job does the rest.
LIMIT = 50
# A row younger than this may still be inside the call that created it.
MIN_AGE_SECONDS = 5
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
    require(actor, "orders.view")
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


def check_open(services: Services, actor: Actor, kind: str, *,
               upload_ref: str | None = None) -> bool:
    """Ask the provider about the open items of `kind`; True when anything shown moved."""
    before = open_items(services, actor, kind, upload_ref=upload_ref)
    if not before.count:
        return False
    if kind == "refunds":
        refund_updates.sync_open_refunds(services, older_than_seconds=MIN_AGE_SECONDS,
                                         limit=LIMIT)
    elif kind == "debits":
        mandate_updates.sync_open_debits(services, older_than_seconds=MIN_AGE_SECONDS,
                                         limit=LIMIT)
    else:
        assert upload_ref is not None
        following.refresh_upload(services, actor, upload_ref)
    return open_items(services, actor, kind, upload_ref=upload_ref) != before
