"""What the Payouts page shows of stored uploads and batches, and the results CSV.

Payouts are part of the books, so everyone who may read the books (orders.view) may see them;
what they may do with them is checked by drafts, approval and sending.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources

from sqlalchemy import func
from sqlmodel import col, select

from data.models import PayoutBatch, PayoutLine, User
from services.core.access import Actor
from services.core.cells import safe_csv_cell
from services.core.context import Services
from services.core.errors import NotFoundError
from services.payouts import states
from services.core.refusals import require


@dataclass(frozen=True)
class BatchView:
    request_id: str
    upload_ref: str
    file_name: str | None
    currency: str
    line_count: int
    total: Decimal
    status: str
    fee: Decimal | None
    paid: Decimal
    prepared_by: str | None
    approved_by: str | None
    approval_comment: str | None
    error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class LineView:
    request_id: str
    file_line: int
    merchant_send_id: str
    receive_type: str
    receiver: str
    amount: Decimal
    currency: str
    remark: str | None
    status: str
    fee: Decimal | None
    provider_order_id: str | None
    claim_deadline: datetime | None
    review_note: str | None = None  # provider news disagreed with our figures (services.inbound.evidence)
    batch_status: str = ""

    @property
    def not_sent(self) -> bool:
        """Still waiting in a batch the provider refused: nothing was paid on this line."""
        return self.status == states.LINE_PENDING and self.batch_status == states.SEND_FAILED


@dataclass(frozen=True)
class UploadView:
    upload_ref: str
    file_name: str | None
    created_at: datetime
    prepared_by: str | None
    batches: tuple[BatchView, ...]

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.status for b in self.batches))

    def totals(self) -> dict[str, tuple[int, Decimal]]:
        sums: dict[str, tuple[int, Decimal]] = {}
        for batch in self.batches:
            count, total = sums.get(batch.currency, (0, Decimal(0)))
            sums[batch.currency] = (count + batch.line_count, total + batch.total)
        return dict(sorted(sums.items()))


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands timestamps back naive; the store writes them in UTC.
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def format_help() -> str:
    """FORMAT.md: the file format for people, shown on the page."""
    return resources.files(__package__).joinpath("FORMAT.md").read_text(encoding="utf-8")


def _names(services: Services, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    with services.uow() as uow:
        rows = uow.session.exec(
            select(User.id, User.username).where(col(User.id).in_(wanted))).all()
    return {int(i): name for i, name in rows}


def _batch_views(services: Services, batches: list[PayoutBatch]) -> list[BatchView]:
    names = _names(services, {b.prepared_by_id for b in batches}
                   | {b.approved_by_id for b in batches})
    paid = _paid(services, [b.id for b in batches if b.id is not None])
    return [
        BatchView(
            request_id=b.request_id, upload_ref=b.upload_ref or "", file_name=b.file_name,
            currency=b.currency, line_count=b.line_count, total=b.total_amount,
            status=b.status, fee=b.total_fee, paid=paid.get(b.id or 0, Decimal(0)),
            prepared_by=names.get(b.prepared_by_id or 0),
            approved_by=names.get(b.approved_by_id or 0),
            approval_comment=b.approval_comment,
            # The reason in words; the provider's code stays in the audit log for support.
            error=(b.error_message or b.error_code) if b.error_code else None,
            created_at=_aware(b.created_at) or b.created_at, sent_at=_aware(b.sent_at),
        )
        for b in batches
    ]


def _paid(services: Services, batch_ids: list[int]) -> dict[int, Decimal]:
    if not batch_ids:
        return {}
    with services.uow() as uow:
        rows = uow.session.exec(
            select(PayoutLine.batch_id, PayoutLine.amount)
            .where(col(PayoutLine.batch_id).in_(batch_ids),
                   PayoutLine.status == states.LINE_SUCCESS)).all()
    paid: dict[int, Decimal] = {}
    for batch_id, amount in rows:
        paid[batch_id] = paid.get(batch_id, Decimal(0)) + amount
    return paid


def list_uploads(services: Services, actor: Actor, *, limit: int = 200) -> list[UploadView]:
    """The most recent uploads, newest first, each with its batches."""
    require(services, actor, "orders.view")
    with services.uow() as uow:
        refs = list(uow.session.exec(
            select(PayoutBatch.upload_ref).where(col(PayoutBatch.upload_ref).is_not(None))
            .group_by(PayoutBatch.upload_ref)
            .order_by(func.max(PayoutBatch.created_at).desc()).limit(limit)
        ).all())
    return _uploads(services, [r for r in refs if r])


def upload(services: Services, actor: Actor, upload_ref: str) -> UploadView:
    require(services, actor, "orders.view")
    found = _uploads(services, [upload_ref])
    if not found:
        raise NotFoundError(f"there is no payout upload {upload_ref}")
    return found[0]


def _uploads(services: Services, refs: list[str]) -> list[UploadView]:
    if not refs:
        return []
    with services.uow() as uow:
        batches = list(uow.session.exec(
            select(PayoutBatch).where(col(PayoutBatch.upload_ref).in_(refs))
            .order_by(col(PayoutBatch.request_id))
        ).all())
        uow.session.expunge_all()
    grouped: dict[str, list[BatchView]] = {}
    for view in _batch_views(services, batches):
        grouped.setdefault(view.upload_ref, []).append(view)
    uploads = [
        UploadView(ref, items[0].file_name, min(i.created_at for i in items),
                   items[0].prepared_by, tuple(items))
        for ref, items in grouped.items()
    ]
    uploads.sort(key=lambda u: u.created_at, reverse=True)
    return uploads


def lines(services: Services, actor: Actor, *, upload_ref: str | None = None,
          request_id: str | None = None) -> list[LineView]:
    """Every line of an upload or of one batch, in file order."""
    require(services, actor, "orders.view")
    statement = select(PayoutLine, PayoutBatch.request_id, PayoutBatch.status).join(
        PayoutBatch, col(PayoutBatch.id) == col(PayoutLine.batch_id))
    if upload_ref is not None:
        statement = statement.where(PayoutBatch.upload_ref == upload_ref)
    if request_id is not None:
        statement = statement.where(PayoutBatch.request_id == request_id)
    with services.uow() as uow:
        rows = uow.session.exec(statement.order_by(col(PayoutLine.file_line))).all()
        return [
            LineView(rid, ln.file_line, ln.merchant_send_id, ln.receive_type, ln.receiver,
                     ln.amount, ln.currency, ln.remark, ln.status, ln.fee,
                     ln.provider_order_id, _aware(ln.claim_deadline), ln.review_note,
                     batch_status)
            for ln, rid, batch_status in rows
        ]


# The words of the Payouts page's lines table (issue 16: no snake_case in a file people open).
RESULT_COLUMNS = ("Batch", "Line", "Merchant send id", "Receive type", "Receiver", "Amount",
                  "Currency", "Remark", "Status", "Fee", "Provider order id",
                  "Claim deadline")  # the times carry their UTC offset


def results_csv(items: list[LineView]) -> bytes:
    """The lines with their outcome, UTF-8 with BOM for Excel; formula-like cells made text."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for ln in items:
        writer.writerow([safe_csv_cell(value) for value in (
            ln.request_id, ln.file_line, ln.merchant_send_id, ln.receive_type, ln.receiver,
            ln.amount, ln.currency, ln.remark, ln.status, ln.fee, ln.provider_order_id,
            ln.claim_deadline)])
    return buffer.getvalue().encode("utf-8-sig")
