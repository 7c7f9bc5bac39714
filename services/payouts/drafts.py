"""From a validated upload to stored DRAFT batches: validating against the store, fixing lines in
place, comparing totals with the wallet, and saving.

Saving is one transaction: every batch, every line and the audit entry, or nothing. A file with
errors is refused unless the preparer chose to go on with the valid lines only; the lines left
out are then recorded (with their problems) in the audit entry, where the approver sees them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from data.models import AuditEntry, PayoutBatch, PayoutLine
from services.core import audit
from services.core.access import Actor
from services.payouts.balances import FundingCheck, check_funding
from services.core.context import Services
from services.core.errors import ConflictError, InputError, NotFoundError
from services.payouts import states
from services.payouts.file_format import canonical_column
from services.files.findings import Finding
from services.payouts.planning import PlannedBatch, new_upload_ref, plan_batches
from services.payouts.terms import payout_terms
from services.files.reading import RawTable, read_payout_file
from services.payouts.report import balance_findings
from services.payouts.store_history import StoreHistory
from services.payouts.validation import (
    CurrencyTotal,
    LineEdit,
    PayoutRules,
    ValidationResult,
    validate_payout_file,
    validate_table,
)
from services.core.refusals import require

DRAFT_SAVED = "payout.draft_saved"
_LINE_CHUNK = 1000


@dataclass(frozen=True)
class ExcludedLine:
    line: int
    receiver: str
    amount: str
    currency: str
    problems: str


@dataclass(frozen=True)
class SavedDraft:
    upload_ref: str
    batches: tuple[PlannedBatch, ...]
    excluded: tuple[ExcludedLine, ...]


def _rules(services: Services) -> PayoutRules:
    return PayoutRules.from_settings(services.settings)


def validate_upload(
    services: Services, actor: Actor, data: bytes, *, file_name: str | None,
    sheet: str | None = None,
) -> ValidationResult:
    """The page's check of an uploaded file, against earlier payouts in the store. Writes nothing.

    Raises UnreadableFileError when the bytes are not a CSV or XLSX we can read.
    """
    require(services, actor, "payout.upload")
    with services.uow() as uow:
        return validate_payout_file(
            data, file_name=file_name, rules=_rules(services),
            history=StoreHistory(uow.session), now=services.now(), sheet=sheet,
        )


def _column_positions(raw: RawTable) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, text in enumerate(raw.header):
        name = canonical_column(text)
        if name is not None and name not in positions:
            positions[name] = index
    return positions


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def apply_edits(raw: RawTable, edits: Mapping[int, Mapping[str, str]]
                ) -> tuple[RawTable, tuple[LineEdit, ...]]:
    """The file's cells with some lines corrected, and each change next to the value the file
    had: `edits` maps a file line number to {canonical column: new text}. Columns the file
    lacks cannot be edited in (fix the file)."""
    positions = _column_positions(raw)
    row_of = {line: index for index, line in enumerate(raw.lines)}
    rows = [list(row) for row in raw.rows]
    edited: set[tuple[int, int]] = set()
    changed: list[LineEdit] = []
    for line, changes in sorted(edits.items()):
        if line not in row_of:
            raise InputError(f"there is no payment on line {line}", row=line)
        row = rows[row_of[line]]
        for name, value in changes.items():
            if name not in positions:
                raise InputError(f"the file has no '{name}' column to edit; add it to the file",
                                 row=line, field=name)
            index = positions[name]
            new = "" if value is None else str(value)
            uploaded = _cell(raw.rows[row_of[line]], index)
            row.extend([""] * (index + 1 - len(row)))
            row[index] = new
            edited.add((line, index))
            if new != uploaded:
                changed.append(LineEdit(line, name, uploaded, new))
    # What the reader noted about a cell (an inexact number) no longer holds once it is retyped.
    notes = tuple(n for n in raw.notes if (n.line, n.column) not in edited)
    return replace(raw, rows=rows, notes=notes), tuple(changed)


def revalidate(
    services: Services,
    actor: Actor,
    data: bytes,
    *,
    file_name: str | None,
    edits: Mapping[int, Mapping[str, str]],
    sheet: str | None = None,
) -> ValidationResult:
    """Validate the uploaded file again with the lines fixed in place; every rule runs again,
    so an edit can never smuggle a bad value past validation, and the result carries every
    changed cell so that saving records it for the approver."""
    require(services, actor, "payout.upload")
    raw, changed = apply_edits(read_payout_file(data, file_name=file_name, sheet=sheet), edits)
    with services.uow() as uow:
        result = validate_table(raw, rules=_rules(services), history=StoreHistory(uow.session),
                                now=services.now())
    return replace(result, edits=changed)


def funding_check(services: Services, totals: list[CurrencyTotal]) -> FundingCheck:
    """The file's totals (lines without errors) against the wallet, read now."""
    return check_funding(services, {t.currency: t.total for t in totals})


def funding_warnings(check: FundingCheck) -> list[Finding]:
    """The shortfall as warnings for the upload's record (the approver sees a fresh reading)."""
    if not check.readable:
        return []
    return balance_findings(
        [CurrencyTotal(r.currency, 0, r.needed) for r in check.rows],
        {r.currency: r.available for r in check.rows if r.available is not None})


def excluded_from(result: ValidationResult) -> list[ExcludedLine]:
    """The lines that "only the valid lines" leaves out, with every problem on each."""
    by_line: dict[int, list[str]] = {}
    for finding in result.errors:
        if finding.line is not None:
            by_line.setdefault(finding.line, []).append(f"{finding.code}: {finding.message}")
    table = result.table
    bad = table[table["has_error"].to_numpy(dtype=bool)]
    return [
        ExcludedLine(int(line), receiver, amount, currency, " | ".join(by_line.get(int(line), [])))
        for line, receiver, amount, currency in zip(
            bad["line"].tolist(), bad["receiver"].tolist(), bad["amount"].tolist(),
            bad["currency"].tolist(), strict=True,
        )
    ]


def save_draft(
    services: Services,
    actor: Actor,
    result: ValidationResult,
    *,
    file_name: str | None,
    only_valid: bool = False,
    upload_ref: str | None = None,
    extra_warnings: tuple[Finding, ...] = (),
) -> SavedDraft:
    """Store the upload's lines as DRAFT batches in one transaction; returns what was saved."""
    require(services, actor, "payout.upload")
    errors = result.errors
    if errors and not only_valid:
        raise InputError(
            f"the file has {len(errors)} error(s); fix them, or go on with the valid lines only"
        )
    if any(f.line is None for f in errors):
        raise InputError("the file as a whole has errors (columns, size); fix the file first")
    instructions = result.instructions()
    if not instructions:
        raise InputError("no line is free of errors: there is nothing to pay")
    upload_ref = upload_ref or new_upload_ref()
    terms = payout_terms(services)  # new uploads go to the default provider
    batches = plan_batches(instructions, upload_ref=upload_ref, max_lines=terms.max_lines)
    excluded = excluded_from(result) if errors else []
    now = services.now()
    content_hash = result.content_sha256 or result.file_sha256
    with services.uow() as uow:
        try:
            for planned in batches:
                batch = PayoutBatch(
                    request_id=planned.request_id, upload_ref=upload_ref,
                    file_name=(file_name or "")[:256] or None, file_sha256=content_hash,
                    batch_name=f"PayDesk {upload_ref}"[:32], currency=planned.currency,
                    total_amount=planned.total, line_count=planned.line_count,
                    status=states.DRAFT, prepared_by_id=actor.user_id,
                    provider=terms.provider,
                    created_at=now, updated_at=now,
                )
                uow.session.add(batch)
                uow.session.flush()
                rows = [
                    {
                        "batch_id": batch.id, "file_line": line.file_line,
                        "merchant_send_id": line.merchant_send_id,
                        "receive_type": line.receive_type, "receiver": line.receiver,
                        "amount": line.amount, "currency": line.currency,
                        "remark": line.remark or None, "status": states.LINE_PENDING,
                        "updated_at": now,
                    }
                    for line in planned.lines
                ]
                for start in range(0, len(rows), _LINE_CHUNK):
                    uow.session.execute(insert(PayoutLine), rows[start:start + _LINE_CHUNK])
        except IntegrityError:
            # Another upload took one of these merchant send ids (or this reference) meanwhile.
            raise ConflictError(
                "a merchant send id in this file was used by another payout saved just now; "
                "upload the file again to see which"
            ) from None
        warnings = [f.as_dict() for f in (*result.warnings, *extra_warnings)]
        audit.record(
            uow, actor=actor, action=DRAFT_SAVED, target_type="payout_upload",
            target_id=upload_ref, idempotency_key=upload_ref, at=now,
            detail={
                "file_name": file_name, "file_sha256": result.file_sha256,
                "content_sha256": result.content_sha256,
                "batches": [
                    {"request_id": b.request_id, "currency": b.currency,
                     "lines": b.line_count, "total": f"{b.total:f}"} for b in batches
                ],
                "excluded": [vars(e) for e in excluded],
                "warnings": warnings,
                "edits": [{**asdict(e), "by": actor.username} for e in result.edits],
            },
        )
        uow.commit()
    return SavedDraft(upload_ref, tuple(batches), tuple(excluded))


def draft_record(services: Services, actor: Actor, upload_ref: str) -> dict[str, Any]:
    """What was recorded when the upload was saved: excluded lines and warnings."""
    require(services, actor, "orders.view")
    with services.uow() as uow:
        detail = uow.session.exec(
            select(AuditEntry.detail).where(
                AuditEntry.action == DRAFT_SAVED, AuditEntry.target_id == upload_ref
            )
        ).first()
    data = json.loads(detail) if detail else {}
    data.setdefault("excluded", [])
    data.setdefault("warnings", [])
    data.setdefault("edits", [])
    return data


def excluded_lines(services: Services, actor: Actor, upload_ref: str) -> list[ExcludedLine]:
    return [ExcludedLine(**item)
            for item in draft_record(services, actor, upload_ref)["excluded"]]


def recorded_edits(services: Services, actor: Actor, upload_ref: str) -> list[dict[str, Any]]:
    """Cells the preparer changed after upload: line, field, uploaded, new, by."""
    return list(draft_record(services, actor, upload_ref)["edits"])


def recorded_warnings(services: Services, actor: Actor, upload_ref: str) -> list[Finding]:
    return [Finding(**item) for item in draft_record(services, actor, upload_ref)["warnings"]]


def discard_draft(services: Services, actor: Actor, upload_ref: str) -> int:
    """Drop a draft nobody submitted; its lines stay (their send ids are never reused)."""
    require(services, actor, "payout.upload")
    now = services.now()
    with services.uow() as uow:
        result = uow.session.exec(
            update(PayoutBatch)
            .where(col(PayoutBatch.upload_ref) == upload_ref,
                   col(PayoutBatch.status) == states.DRAFT)
            .values(status=states.DISCARDED, updated_at=now)
        )
        if not result.rowcount:
            raise NotFoundError(f"upload {upload_ref} has no draft to discard")
        audit.record(uow, actor=actor, action="payout.draft_discarded",
                     target_type="payout_upload", target_id=upload_ref, at=now)
        uow.commit()
        return int(result.rowcount)
