"""Provider statements in: pulled through the download-report API, or uploaded as CSV/XLSX.

A statement is stored once per (source, content SHA-256): importing the same bytes again returns
the statement already there, so a file dropped twice into a run is never counted twice. Uploads
name their columns through a mapping that is remembered per source, so the next month's file
from the same bank or PSP needs no questions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import numpy as np

from data.bulk import insert_columns
from data.models import Statement, StatementLine, StatementMapping
from data.queries import reconciliation as q
from data.types import MoneyPrecisionError, to_scaled_int
from services.core import audit
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import InputError, MoneyError, ProviderCallError
from services.core.money import to_decimal
from services.files.findings import ERROR
from services.files.reading import RawTable, cell_notes, read_payout_file
from services.providers.errors import ProviderError
from services.core.refusals import require

BINANCE_SOURCE = "binance_pay"
FIELDS: tuple[str, ...] = (
    "time", "type", "currency", "amount", "provider_id", "merchant_id", "fee", "status", "balance",
)
REQUIRED: tuple[str, ...] = ("time", "type", "currency", "amount")
# The sandbox (and our reading of Binance's transaction report) headers.
BINANCE_COLUMNS: dict[str, str] = {
    "time": "time_utc", "type": "type", "currency": "currency", "amount": "amount",
    "provider_id": "reference", "merchant_id": "merchant_reference",
}
KINDS: dict[str, str] = {
    "PAYMENT": "payment", "PAY": "payment", "PAYIN": "payment", "SALE": "payment",
    "REFUND": "refund",
    "PAYOUT": "payout", "WITHDRAWAL": "payout", "TRANSFER_OUT": "payout",
    "PAYOUT_RETURN": "payout_return", "RETURN": "payout_return",
    "DIRECT_DEBIT": "debit", "DEBIT": "debit",
    "FEE": "fee", "COMMISSION": "fee",
}
_OUTGOING = frozenset({"refund", "payout", "fee"})
_TIME_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y/%m/%d %H:%M:%S")


@dataclass(frozen=True)
class ColumnMapping:
    """Field -> column header of the file. Times without an offset are read in `timezone`."""

    columns: dict[str, str]
    timezone: str = "UTC"
    # False when the file writes every amount as positive and the type says the direction.
    signed_amounts: bool = True

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ColumnMapping:
        data = json.loads(text)
        return cls(columns=dict(data["columns"]), timezone=data.get("timezone", "UTC"),
                   signed_amounts=bool(data.get("signed_amounts", True)))


BINANCE_MAPPING = ColumnMapping(columns=BINANCE_COLUMNS)


@dataclass
class ImportResult:
    statement_id: int
    source: str
    file_name: str
    line_count: int
    already_imported: bool
    period: tuple[datetime | None, datetime | None] = (None, None)
    warnings: list[str] = field(default_factory=list)


def guess_mapping(header: list[str]) -> ColumnMapping | None:
    """The built-in mapping when the file carries Binance's own headers."""
    present = {h.strip() for h in header}
    return BINANCE_MAPPING if set(BINANCE_COLUMNS.values()) <= present else None


def _parse_time(text: str, zone: ZoneInfo, row: int) -> datetime:
    value = text.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for pattern in _TIME_FORMATS:
            try:
                parsed = datetime.strptime(value, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        raise InputError(f"'{text}' is not a date and time; write it like 2026-01-31 14:05:00",
                         field="time", row=row, value=text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _money(text: str, name: str, row: int) -> int:
    try:
        return to_scaled_int(to_decimal(text.replace(",", "") if "." in text else text,
                                        field=name))
    except (MoneyError, MoneyPrecisionError) as error:
        raise InputError(str(getattr(error, "message", error)), field=name, row=row,
                         value=text) from None


def parse_lines(table: RawTable, mapping: ColumnMapping) -> dict[str, np.ndarray]:
    """The file's rows as columns ready for the store; the first bad cell stops the import."""
    header = [h.strip() for h in table.header]
    missing = [f for f in REQUIRED if f not in mapping.columns]
    if missing:
        raise InputError(f"map a column to {', '.join(missing)}", field="mapping")
    index: dict[str, int] = {}
    for name, column in mapping.columns.items():
        if name not in FIELDS:
            raise InputError(f"unknown field '{name}'; use {', '.join(FIELDS)}", field="mapping")
        if column.strip() not in header:
            raise InputError(f"the file has no column '{column}' (it has {', '.join(header)})",
                             field=name)
        index[name] = header.index(column.strip())
    _refuse_bad_cells(table, set(index.values()))
    zone = ZoneInfo(mapping.timezone)
    out: dict[str, list[object]] = {k: [] for k in (
        "line_no", "kind", "provider_ref", "merchant_ref", "amount", "fee", "balance",
        "currency", "occurred_at", "status")}
    null = int(np.iinfo(np.int64).min)
    for cells, row in zip(table.rows, table.lines, strict=True):
        def cell(name: str, cells: list[str] = cells) -> str:
            position = index.get(name)
            return cells[position].strip() if position is not None and position < len(cells) else ""

        raw_kind = cell("type").upper().replace(" ", "_")
        kind = KINDS.get(raw_kind)
        if kind is None:
            raise InputError(f"unknown type '{cell('type')}'; known: {', '.join(sorted(KINDS))}",
                             field="type", row=row)
        amount = _money(cell("amount"), "amount", row)
        if not mapping.signed_amounts and kind in _OUTGOING:
            amount = -abs(amount)
        merchant = cell("merchant_id") or None
        if merchant and kind in ("payout", "payout_return") and "/" in merchant:
            merchant = merchant.rsplit("/", 1)[1]  # "<batch request ID>/<line ID>"
        fee, balance = cell("fee"), cell("balance")
        out["line_no"].append(row)
        out["kind"].append(kind)
        out["provider_ref"].append(cell("provider_id") or None)
        out["merchant_ref"].append(merchant)
        out["amount"].append(amount)
        out["fee"].append(abs(_money(fee, "fee", row)) if fee else null)
        out["balance"].append(_money(balance, "balance", row) if balance else null)
        out["currency"].append(cell("currency").upper())
        at = _parse_time(cell("time"), zone, row)
        out["occurred_at"].append(int(at.timestamp()) * 1_000_000 + at.microsecond)
        out["status"].append(cell("status").upper() or None)
    ints = ("line_no", "amount", "fee", "balance", "occurred_at")
    return {k: np.array(v, dtype=np.int64 if k in ints else object) for k, v in out.items()}


def _refuse_bad_cells(table: RawTable, columns: set[int]) -> None:
    """The reader's errors (hidden sheets, control characters, inexact numbers) on the mapped
    columns stop the import like any bad cell; other columns are never stored."""
    for note in (*table.notes, *cell_notes(table)):
        if note.severity == ERROR and (note.column is None or note.column in columns):
            raise InputError(note.message, row=note.line, field=table.column_label(note.column),
                             value=note.value)


def import_statement(services: Services, actor: Actor, data: bytes, *, file_name: str,
                     source: str, mapping: ColumnMapping | None = None,
                     remember_mapping: bool = True, sheet: str | None = None) -> ImportResult:
    """Store a statement file; the same bytes from the same source come back as already there."""
    require(services, actor, "reconciliation.run")
    source = source.strip() or "upload"
    sha = hashlib.sha256(data).hexdigest()
    with services.uow() as uow:
        existing = q.statement_by_hash(uow.session, source, sha)
        if existing is not None:
            return ImportResult(existing.id or 0, source, existing.file_name, existing.line_count,
                                True, (existing.period_start, existing.period_end))
        table = read_payout_file(data, file_name=file_name, sheet=sheet)
        if mapping is None:
            saved = q.mapping_for(uow.session, source)
            mapping = (ColumnMapping.from_json(saved.mapping_json) if saved
                       else guess_mapping(table.header))
        if mapping is None:
            raise InputError(f"no column mapping is saved for source '{source}': map the columns "
                             "(time, type, currency, amount, ...) first", field="mapping")
        columns = parse_lines(table, mapping)
        times = columns["occurred_at"]
        period = ((_utc(int(times.min())), _utc(int(times.max()))) if len(times) else (None, None))
        statement = Statement(source=source, file_name=file_name[:256], content_sha256=sha,
                              period_start=period[0], period_end=period[1],
                              line_count=len(times), imported_at=services.now(),
                              imported_by=actor.username)
        uow.session.add(statement)
        uow.session.flush()
        columns["statement_id"] = np.full(len(times), statement.id, dtype=np.int64)
        insert_columns(uow.session.connection(), StatementLine.__table__, columns)  # type: ignore[attr-defined]
        if remember_mapping and source != BINANCE_SOURCE:
            _save_mapping(uow.session, source, mapping, actor, services.now())
        audit.record(uow, actor=actor, action="reconciliation.statement_import",
                     target_type="statement", target_id=statement.id, at=services.now(),
                     detail={"source": source, "file": file_name, "sha256": sha,
                             "lines": len(times)})
        uow.commit()
        warnings = [n.message for n in table.notes if n.severity != ERROR]
        return ImportResult(statement.id or 0, source, file_name, len(times), False, period,
                            warnings)


def _utc(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def _save_mapping(session: object, source: str, mapping: ColumnMapping, actor: Actor,
                  now: datetime) -> None:
    row = q.mapping_for(session, source)  # type: ignore[arg-type]
    if row is None:
        row = StatementMapping(source=source, mapping_json=mapping.to_json())
    row.mapping_json = mapping.to_json()
    row.updated_at, row.updated_by = now, actor.username
    session.add(row)  # type: ignore[attr-defined]


def saved_mapping(services: Services, source: str) -> ColumnMapping | None:
    with services.uow() as uow:
        row = q.mapping_for(uow.session, source)
        return ColumnMapping.from_json(row.mapping_json) if row else None


def save_mapping(services: Services, actor: Actor, source: str, mapping: ColumnMapping) -> None:
    require(services, actor, "reconciliation.run")
    with services.uow() as uow:
        _save_mapping(uow.session, source, mapping, actor, services.now())
        uow.commit()


def preview_header(data: bytes, file_name: str, sheet: str | None = None) -> list[str]:
    """The column headers of an upload, for the mapping form."""
    return preview_upload(data, file_name, sheet)[0]


def preview_upload(data: bytes, file_name: str,
                   sheet: str | None = None) -> tuple[list[str], str | None, tuple[str, ...]]:
    """The headers of an upload, the workbook's sheet they come from and all its sheets."""
    table = read_payout_file(data, file_name=file_name, sheet=sheet)
    return [h.strip() for h in table.header], table.sheet, table.sheets


def _download(services: Services, file_name: str, url: str) -> bytes:
    sandbox = services.sandbox
    if sandbox is not None:
        content = sandbox.report_file(file_name)
        if content is None:
            raise ProviderCallError(f"the sandbox has no report {file_name}")
        return content
    try:
        response = httpx.get(url, timeout=60, follow_redirects=True)
        response.raise_for_status()
    except httpx.HTTPError as error:
        raise ProviderCallError(f"downloading {file_name} failed: {error}") from None
    return response.content


def pull_provider_statements(services: Services, actor: Actor, start: date,
                             end: date) -> list[ImportResult]:
    """Transaction reports (payments incl. fees, refunds and debits; payouts incl. returns) per
    day, one statement per file. Days are the provider's (UTC), one wider on each side so a
    local day at either end is fully covered."""
    require(services, actor, "reconciliation.run")
    if end < start:
        raise InputError("the period ends before it starts", field="to")
    # Reports come from the default provider when it publishes them (NotOfferedError in words
    # otherwise: Monetix statements are uploaded from its Dashboard).
    services.require(None, "statements")
    results = []
    for transaction_type in ("Payment", "Payout"):
        try:
            files = services.provider.get_report(
                report_type="Transaction", transaction_type=transaction_type,
                start=start - timedelta(days=1), end=end + timedelta(days=1))
        except ProviderError as error:
            raise ProviderCallError(f"the {transaction_type} report list failed: {error}",
                                    code=getattr(error, "code", None)) from None
        for report in files:
            content = _download(services, report.file_name, report.download_url)
            results.append(import_statement(
                services, actor, content, file_name=report.file_name, source=BINANCE_SOURCE,
                mapping=BINANCE_MAPPING, remember_mapping=False))
    return results


def list_statements(services: Services, actor: Actor,
                    ids: list[int] | None = None) -> list[Statement]:
    require(services, actor, "reconciliation.run")
    with services.uow() as uow:
        found = q.statements(uow.session, ids)
        for statement in found:
            uow.session.expunge(statement)
        return found
