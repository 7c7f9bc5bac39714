"""Validate a payout file: every problem found at once, as Findings naming line, column and fix.

Checks run on whole columns (pandas string columns, regexes, `duplicated`, `isin`); Python-level
work happens only for the cells that fail and for the exact Decimal values of good amounts.
Nothing here writes anywhere: earlier payouts come in through an injected PayoutHistory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

from services.core.config import Settings
from services.core.money import currency_decimals
from services.files.findings import ERROR, WARNING, Finding, FindingList
from services.files.reading import (
    MAX_UPLOAD_BYTES,
    RawTable,
    collector_paused,
    read_payout_file,
)
from services.payouts.amounts import OK, AmountCheck, amount_message, classify_amounts
from services.payouts.file_format import COLUMN_BY_NAME, COLUMNS, PAYOUT_CURRENCIES, USD_PEGGED
from services.payouts.history import NO_HISTORY, PayoutHistory
from services.payouts.line_rules import check_lines
from services.payouts.planning import PayoutInstruction
from services.payouts.table import (
    build_frame,
    extra_cell_findings,
    file_note_findings,
    map_header,
    note_findings,
)

DEFAULT_LINE_CAP_USD = Decimal("80000")
# Whatever the coin, no single line pays more: a typo of a few extra digits must never pass
# just because no price-based cap is configured for that coin.
ABSOLUTE_LINE_CAP = Decimal("1000000000")


def default_line_caps(usd_cap: Decimal = DEFAULT_LINE_CAP_USD) -> dict[str, Decimal]:
    """The provider's 80K USD per line, for the coins pegged to the dollar; other coins have no
    default cap because their dollar value moves (set one per currency in the rules)."""
    return dict.fromkeys(sorted(USD_PEGGED), usd_cap)


def size_text(size: int) -> str:
    """'20 MB', '23.4 MB', '101 bytes': a file size as people read it."""
    if size < 2**20:
        return f"{size:,} bytes"
    megabytes = size / 2**20
    return f"{megabytes:,.0f} MB" if megabytes == int(megabytes) else f"{megabytes:,.1f} MB"


@dataclass(frozen=True)
class PayoutRules:
    max_bytes: int = MAX_UPLOAD_BYTES
    max_lines: int = 100_000
    line_caps: Mapping[str, Decimal] = field(default_factory=default_line_caps)
    duplicate_window_days: int = 30
    currencies: frozenset[str] = PAYOUT_CURRENCIES

    @property
    def max_mb(self) -> int:
        """The size limit for the upload box, which counts in whole MB."""
        return max(1, self.max_bytes // 2**20)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> PayoutRules:
        return cls(line_caps=default_line_caps(settings.payout_line_cap_usd), **overrides)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    currency: str
    line_count: int
    total: Decimal


@dataclass(frozen=True, slots=True)
class LineEdit:
    """One cell changed in the page after upload ("fix the lines here"): the approver and the
    audit log see it next to the value the file had."""

    line: int
    field: str
    uploaded: str
    new: str


@dataclass(frozen=True)
class ValidationResult:
    """`table` has one row per data line: `line`, the canonical columns as stripped text, and
    `has_error`; `amounts` holds the exact Decimal of each line whose amount is good (else None)."""

    findings: tuple[Finding, ...]
    table: pd.DataFrame
    amounts: np.ndarray
    file_sha256: str
    content_sha256: str | None
    sheet: str | None = None  # the workbook's sheet that was read
    sheets: tuple[str, ...] = ()  # all of the workbook's sheets, for choosing another
    # Cells changed after upload; a result carries them so that saving cannot leave them out.
    edits: tuple[LineEdit, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARNING)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    def instructions(self) -> list[PayoutInstruction]:
        """The lines without any error, ready for planning (file order)."""
        if self.table.empty:
            return []
        good = ~self.table["has_error"].to_numpy(dtype=bool)
        rows = self.table[good]
        return [
            PayoutInstruction(
                file_line=int(line),
                receive_type=receive_type,
                receiver=receiver,
                amount=amount,
                currency=currency,
                remark=remark,
                merchant_send_id=send_id or None,
            )
            for line, receive_type, receiver, currency, remark, send_id, amount in zip(
                rows["line"].tolist(),
                rows["receive_type"].tolist(),
                rows["receiver"].tolist(),
                rows["currency"].tolist(),
                rows["remark"].tolist(),
                rows["merchant_send_id"].tolist(),
                self.amounts[good].tolist(),
                strict=True,
            )
        ]

    def totals(self) -> list[CurrencyTotal]:
        """Line count and exact total per currency over the lines without errors."""
        if self.table.empty:
            return []
        good = ~self.table["has_error"].to_numpy(dtype=bool)
        sums: dict[str, list[Decimal]] = {}
        for currency, amount in zip(
            self.table["currency"].to_numpy(dtype=object)[good], self.amounts[good], strict=True
        ):
            sums.setdefault(currency, []).append(amount)
        return [
            CurrencyTotal(currency, len(sums[currency]), sum(sums[currency], Decimal(0)))
            for currency in sorted(sums)
        ]


def validate_payout_file(
    data: bytes,
    *,
    file_name: str | None = None,
    rules: PayoutRules | None = None,
    history: PayoutHistory = NO_HISTORY,
    now: datetime | None = None,
    sheet: str | None = None,
) -> ValidationResult:
    """Read and validate uploaded bytes (`sheet`: the workbook's sheet to read, by default the
    first visible one). Raises UnreadableFileError when they cannot be read."""
    rules = rules or PayoutRules()
    if len(data) > rules.max_bytes:
        findings = FindingList()
        findings.add(
            _file_finding(
                "file_too_large",
                # In MB, as the upload box and the format help state the limit.
                f"the file is {size_text(len(data))}, over the limit of "
                f"{size_text(rules.max_bytes)}; split it into several files",
            )
        )
        return _empty_result(findings, hashlib.sha256(data).hexdigest())
    # One pause over both, and the rows are dropped inside it: freed by reference counting,
    # they are never scanned by the collector at all.
    with collector_paused():
        table = read_payout_file(data, file_name=file_name, sheet=sheet)
        result = validate_table(table, rules=rules, history=history, now=now)
        del table
    return result


def validate_table(
    raw: RawTable,
    *,
    rules: PayoutRules | None = None,
    history: PayoutHistory = NO_HISTORY,
    now: datetime | None = None,
) -> ValidationResult:
    with collector_paused():
        result = _validate_table(raw, rules=rules or PayoutRules(), history=history, now=now)
    return replace(result, sheet=raw.sheet, sheets=raw.sheets)


def _validate_table(
    raw: RawTable, *, rules: PayoutRules, history: PayoutHistory, now: datetime | None
) -> ValidationResult:
    now = now or datetime.now(UTC)
    findings = FindingList()
    file_error = file_note_findings(raw, findings)
    if raw.header_line is None:
        findings.add(
            _file_finding(
                "file_empty",
                "the file is empty; fill in the template: a header line, then one line per payment",
            )
        )
        return _empty_result(findings, raw.file_sha256)

    positions, header_ok = map_header(raw, findings)
    if not raw.rows:
        findings.add(
            _file_finding(
                "no_lines",
                "the file has a header but no payment lines; add one line per payment "
                "under the header",
            )
        )
        return _empty_result(findings, raw.file_sha256)
    if len(raw.rows) > rules.max_lines:
        findings.add(
            _file_finding(
                "too_many_lines",
                f"the file has {len(raw.rows):,} payment lines, over the limit of "
                f"{rules.max_lines:,}; split it into several files",
            )
        )
        return _empty_result(findings, raw.file_sha256)

    frame, raw_cells = build_frame(raw, positions)
    headers = {name: raw.header[index].strip() for name, index in positions.items()}
    has_error = extra_cell_findings(raw, findings)
    has_error |= note_findings(raw, findings)
    decimals = {cur: currency_decimals(cur) for cur in rules.currencies}
    caps = {cur: rules.line_caps.get(cur, ABSOLUTE_LINE_CAP) for cur in rules.currencies}
    amounts: AmountCheck = classify_amounts(
        frame["amount"], frame["currency"], decimals=decimals, caps=caps
    )
    has_error |= check_lines(
        frame,
        raw_cells,
        amounts,
        findings,
        headers=headers,
        positions=positions,
        rules=rules,
        history=history,
        since=now - timedelta(days=rules.duplicate_window_days),
    )
    reported = amounts.code != OK if "amount" in positions else np.zeros(len(frame), dtype=bool)
    for code in np.unique(amounts.code[reported]):
        rows = amounts.code == code
        has_error |= rows
        column = headers.get("amount", COLUMN_BY_NAME["amount"].label)
        picked = np.flatnonzero(rows)
        for line, value, currency in zip(
            frame["line"].to_numpy()[picked].tolist(),
            frame["amount"].take(picked).tolist(),
            frame["currency"].take(picked).tolist(),
            strict=True,
        ):
            findings.add(
                Finding(
                    int(line),
                    column,
                    value,
                    ERROR,
                    str(code),
                    amount_message(str(code), value, currency, caps),
                ),
                positions.get("amount", -1),
            )
    if not header_ok or file_error:
        has_error[:] = True

    content_sha256 = _content_sha256(frame)
    for upload in sorted(
        history.uploads_with_hash({raw.file_sha256, content_sha256}), key=lambda u: u.at
    ):
        name = f" ({upload.file_name})" if upload.file_name else ""
        findings.add(
            _file_finding(
                "file_uploaded_before",
                f"the same content was uploaded on {upload.at:%Y-%m-%d %H:%M} UTC as upload "
                f"{upload.upload_ref or '?'}{name}; check that nobody is being paid twice",
                severity=WARNING,
            )
        )
        break
    frame["has_error"] = has_error
    return ValidationResult(
        findings.sorted(), frame, amounts.value, raw.file_sha256, content_sha256
    )


def _file_finding(code: str, message: str, *, severity: str = ERROR) -> Finding:
    return Finding(None, None, None, severity, code, message)  # type: ignore[arg-type]


def _empty_result(findings: FindingList, file_sha256: str) -> ValidationResult:
    columns = ["line", *(c.name for c in COLUMNS), "has_error"]
    frame = pd.DataFrame({name: pd.Series([], dtype="str") for name in columns})
    frame["line"] = frame["line"].astype("int64")
    frame["has_error"] = frame["has_error"].astype(bool)
    return ValidationResult(findings.sorted(), frame, np.array([], dtype=object), file_sha256, None)


def _content_sha256(frame: pd.DataFrame) -> str:
    """A hash of the lines' meaning, so that the same payments re-saved as XLSX, or with other
    separators or encoding, are still recognised as uploaded before."""
    digest = hashlib.sha256()
    # Column by column: the same lines in the same order give the same hash, at a fraction of
    # the cost of joining every line first.
    for column in COLUMNS:
        digest.update(column.name.encode() + b"\x1e")
        digest.update("\x1f".join(frame[column.name].tolist()).encode())
    return digest.hexdigest()
