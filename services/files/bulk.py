"""What bulk refund and bulk debit files share: the payout reader (encodings, separators, XLSX,
physical line numbers), header aliases, findings by line and column, and the preview shape."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from services.core.errors import MoneyError
from services.core.money import parse_amount as parse_amount_strictly
from services.files.reading import normalise_header
from services.files.findings import ERROR, WARNING, Finding, FindingList
from services.files.reading import FileNote, RawTable, cell_notes, read_payout_file

MAX_LINES = 500


@dataclass(frozen=True)
class BulkLine:
    line: int
    values: dict[str, str]  # canonical column -> cell text as typed
    planned: dict[str, object] = field(default_factory=dict)  # what will be sent, for preview


@dataclass(frozen=True)
class BulkPreview:
    lines: tuple[BulkLine, ...]  # lines without errors, in file order
    findings: tuple[Finding, ...]
    total_lines: int
    sheet: str | None = None  # the workbook's sheet that was read
    sheets: tuple[str, ...] = ()  # all its sheets, for choosing another

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)

    @property
    def ok(self) -> bool:
        return self.total_lines > 0 and self.errors == 0


@dataclass(frozen=True)
class BulkResult:
    line: int
    reference: str  # order or contract
    status: str
    message: str


class Collector:
    """Findings with the column's position in the file, so they sort left to right."""

    def __init__(self, headers: Mapping[str, tuple[int, str]]) -> None:
        self.headers = headers  # canonical -> (position, header as written)
        self.items = FindingList()
        self.bad_lines: set[int] = set()
        self.file_error = False  # a whole-file error (a hidden sheet): no line may go
        self.sheet: str | None = None
        self.sheets: tuple[str, ...] = ()

    def error(self, line: int | None, column: str | None, value: str | None, code: str,
              message: str) -> None:
        self._add(line, column, value, ERROR, code, message)
        if line is not None:
            self.bad_lines.add(line)

    def warning(self, line: int | None, column: str | None, value: str | None, code: str,
                message: str) -> None:
        self._add(line, column, value, WARNING, code, message)

    def note(self, table: RawTable, note: FileNote) -> None:
        """A finding from the reader, named by the header written above the cell."""
        label = table.column_label(note.column)
        self.items.add(Finding(note.line, label, note.value, note.severity, note.code,
                               note.message), -1 if note.column is None else note.column)
        if note.severity == ERROR and note.line is not None:
            self.bad_lines.add(note.line)
        elif note.severity == ERROR:
            self.file_error = True

    def _add(self, line, column, value, severity, code, message) -> None:  # type: ignore[no-untyped-def]
        position, written = self.headers.get(column or "", (-1, column))
        self.items.add(Finding(line, written, value, severity, code, message), position)


def read_table(data: bytes, file_name: str | None, aliases: Mapping[str, str],
               required: tuple[tuple[str, ...], ...], *, sheet: str | None = None,
               ) -> tuple[RawTable, Collector, list[tuple[int, dict[str, str]]]]:
    """Read the file and map its headers; `required` lists groups of which one must exist.
    `sheet` picks a workbook's sheet (by default the first visible one)."""
    table = read_payout_file(data, file_name=file_name, sheet=sheet)
    headers: dict[str, tuple[int, str]] = {}
    for position, header in enumerate(table.header):
        name = aliases.get(normalise_header(header))
        if name and name not in headers:
            headers[name] = (position, header)
    out = Collector(headers)
    out.sheet, out.sheets = table.sheet, table.sheets
    for group in required:
        if not any(name in headers for name in group):
            out.error(None, group[0], None, "missing_column",
                      f"add a column named {' or '.join(group)} (header line "
                      f"{table.header_line or 1})")
    if len(table.rows) > MAX_LINES:
        out.error(None, None, None, "too_many_lines",
                  f"the file has {len(table.rows)} lines; split it into files of at most "
                  f"{MAX_LINES}")
    for note in (*table.notes, *cell_notes(table)):
        out.note(table, note)
    width = len(table.header)
    rows = []
    for cells, line in zip(table.rows, table.lines, strict=True):
        extra = [index for index in range(width, len(cells)) if cells[index].strip()]
        if extra:
            out.error(line, f"column {extra[0] + 1}", cells[extra[0]], "extra_cells",
                      f"this line has {len(cells)} cells but the header has {width}, so the "
                      "values may have shifted: put a value that holds the separator in quotes, "
                      "or remove the extra cells")
        values = {name: (cells[pos].strip() if pos < len(cells) else "")
                  for name, (pos, _) in headers.items()}
        rows.append((line, values))
    return table, out, rows


def parse_amount(text: str, currency: str | None) -> tuple[Decimal | None, str, str]:
    """The amount of a line by the one amount parser: (value, "", "") or (None, code, message)."""
    try:
        return parse_amount_strictly(text, currency), "", ""
    except MoneyError as error:
        return None, error.code, error.message


def finish(out: Collector, rows: list[tuple[int, dict[str, str]]],
           planned: dict[int, dict[str, object]]) -> BulkPreview:
    good = tuple(BulkLine(line, values, planned.get(line, {}))
                 for line, values in rows
                 if line not in out.bad_lines and line in planned and not out.file_error)
    if not rows:
        out.error(None, None, None, "empty_file", "the file has a header but no lines")
    return BulkPreview(good, out.items.sorted(), len(rows), out.sheet, out.sheets)
