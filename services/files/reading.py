"""Turn an uploaded payout file into text cells with the line numbers the user sees.

Everything is read as text and never coerced: a receiver id such as 012345 or an amount such as
1.10 must reach validation exactly as typed. Physical line numbers are kept (the header is line 1
when the file starts with it) and blank lines are skipped but still counted, so that a finding for
"line 7" is line 7 in the user's editor or spreadsheet.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import io
import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from services.core.errors import InputError
from services.files.findings import ERROR, WARNING, Severity
from services.files.spreadsheet import (
    MAX_COLUMNS,
    SheetCells,
    SpreadsheetError,
    column_name,
    read_workbook,
    sheet_rows,
)

# Spaces, underscores, dashes and dots never tell two headers apart.
IGNORED_IN_HEADERS = re.compile(r"[\s_\-.]+")


def normalise_header(text: str) -> str:
    """'Receive Type', 'receive_type' and 'RECEIVETYPE' all become 'receivetype'."""
    return IGNORED_IN_HEADERS.sub("", text.strip().lstrip("\ufeff").lower())

DELIMITERS = (",", ";", "\t")
# The largest upload read at all (payouts, bulk refunds and debits, statements); larger files are
# refused by their size alone. Here, beside the reader, so a caller can check it without loading
# validation (pandas) first.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
# Excel's own limit for one cell; anything longer was not typed into a payout file.
MAX_CELL_CHARS = 32_767
# The csv module refuses a field over 128 KB with an error that names no cell; the reader lets it
# through and says which cell is too long instead (the limit is process-wide, hence set once).
csv.field_size_limit(2**31 - 1)
# C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional overrides that
# make a value display differently from what it is. NUL also breaks saving on PostgreSQL.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# A CSV with more lines than this (blank ones included) is not a payout file or a statement, and
# reading it would take longer than refusing it.
MAX_PHYSICAL_LINES = 1_000_000
# Column names are short; a longer first line is not a header (often: no header, or one value).
MAX_HEADER_CHARS = 1_000
# Excel keeps 15 significant digits: a number cell with more was computed, not typed.
_TYPED_DIGITS = 15


class UnreadableFileError(InputError):
    """The bytes are not a CSV or XLSX file we can read at all (the CLI exits 2)."""


@dataclass(frozen=True, slots=True)
class FileNote:
    """A problem the reader saw: `column` is the cell's index in its row (None: the whole line or
    file); every entry point turns notes into its own findings."""

    line: int | None
    column: int | None
    value: str | None
    severity: Severity
    code: str
    message: str


@dataclass(frozen=True)
class RawTable:
    """The file as text: a header row and data rows, each with its physical line number."""

    header: list[str]
    header_line: int | None  # None when the file holds no non-blank line at all
    rows: list[list[str]]
    lines: list[int]
    kind: str  # "csv" | "xlsx"
    encoding: str | None
    delimiter: str | None
    size_bytes: int
    file_sha256: str
    sheet: str | None = None  # the sheet read, for a workbook
    sheets: tuple[str, ...] = ()  # every sheet of the workbook, in order
    notes: tuple[FileNote, ...] = ()  # what the reader saw in the file itself (sheets, numbers)

    def column_label(self, index: int | None) -> str | None:
        """The header as written above a cell, or 'column N' where the header has none."""
        if index is None:
            return None
        label = self.header[index].strip() if index < len(self.header) else ""
        return label or f"column {index + 1}"


def read_payout_file(data: bytes, *, file_name: str | None = None,
                     sheet: str | None = None) -> RawTable:
    """Read CSV (UTF-8 ± BOM, UTF-16, Windows-1252; , ; or tab) or XLSX bytes into text cells.

    `sheet` names the workbook's sheet to read; by default the first visible one."""
    digest = hashlib.sha256(data).hexdigest()
    looks_like_xlsx = data.startswith(_ZIP_MAGIC) or (
        file_name is not None and file_name.lower().endswith((".xlsx", ".xlsm"))
    )
    if looks_like_xlsx:
        table = _read_xlsx(data, digest, sheet)
    else:
        text, encoding = decode_text(data)
        physical = max(text.count("\n"), text.count("\r"))
        if physical > MAX_PHYSICAL_LINES:
            raise UnreadableFileError(
                f"the file has {physical:,} lines, over the {MAX_PHYSICAL_LINES:,} PayDesk reads "
                "(blank ones included); remove the empty lines or split the file")
        delimiter = sniff_delimiter(text)
        header_line, rows, lines = _read_csv(text, delimiter)
        header = rows.pop(0) if rows else []
        lines = lines[1:]
        table = RawTable(header, header_line, rows, lines, "csv", encoding, delimiter, len(data),
                         digest)
    for index, name in enumerate(table.header):
        if len(name) > MAX_HEADER_CHARS:
            raise UnreadableFileError(
                f"line {table.header_line}: column {index + 1} of the first line holds "
                f"{len(name):,} characters, so it is not a header; the first non-blank line must "
                "name the columns (see the template)")
    return table


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode by BOM first, then UTF-16 without BOM, UTF-8, and Windows-1252 as the last resort."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _decode(data, encoding), encoding
    bom_less_utf16 = _bom_less_utf16(data)
    if bom_less_utf16:
        return _decode(data, bom_less_utf16), bom_less_utf16
    binary = "the file holds binary data, not text; save it as CSV (UTF-8) or XLSX and upload again"
    # A stray NUL in a text file is reported on its line and column; many are a binary file.
    if data.count(b"\x00") * 100 > len(data):
        raise UnreadableFileError(binary)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise UnreadableFileError(binary)
    return _decode(data, "cp1252"), "cp1252"


def _bom_less_utf16(data: bytes) -> str | None:
    # Text in UTF-16 has a zero byte in every other position for ASCII characters.
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_zeros > half * 0.6 and even_zeros < half * 0.1:
        return "utf-16-le"
    if even_zeros > half * 0.6 and odd_zeros < half * 0.1:
        return "utf-16-be"
    return None


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            f"the file is not valid {encoding} text (byte {error.start}); "
            "save it again as CSV UTF-8 and upload it"
        ) from None


def sniff_delimiter(text: str) -> str:
    """The separator used in the header line: the most frequent of , ; and tab outside quotes."""
    first = re.search(r"\S", text)
    if first is None:
        return ","
    start = text.rfind("\n", 0, first.start()) + 1
    # The header line, and no more of it than a header could hold.
    for line in text[start:start + 65_536].splitlines()[:1]:
        counts = dict.fromkeys(DELIMITERS, 0)
        quoted = False
        for char in line:
            if char == '"':
                quoted = not quoted
            elif not quoted and char in counts:
                counts[char] += 1
        # Ties go to tab, then semicolon: a comma is the likeliest to appear inside a value.
        best = max(DELIMITERS, key=lambda d: (counts[d], DELIMITERS.index(d)))
        return best if counts[best] else ","
    return ","


def _is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector for one read or validation (nests; only the outermost resumes).

    100k rows are ~700k new lists and strings, none in a reference cycle; the collector would
    rescan them, and every Finding made while they are alive, over and over: it doubled reading
    and cost validation ~40% of its time. Garbage cycles made meanwhile are collected later."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_csv(text: str, delimiter: str) -> tuple[int | None, list[list[str]], list[int]]:
    try:
        return _csv_records(text, delimiter)
    except csv.Error as error:
        if "unexpected end of data" not in str(error):
            raise UnreadableFileError(
                f"the file cannot be read as CSV ({error}); save it again as CSV UTF-8"
            ) from None
    # A quote left open runs to the end of the file: closing it there keeps every line, and the
    # value that swallowed the lines after it is then reported on the line where it starts.
    return _csv_records(text + '"', delimiter)


def _csv_records(text: str, delimiter: str) -> tuple[int | None, list[list[str]], list[int]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[list[str]] = []
    lines: list[int] = []
    last_line = 0
    with collector_paused():
        for cells in reader:
            # A quoted value may span lines: the record starts after the previous one ended.
            first_line = last_line + 1
            last_line = reader.line_num
            if len(cells) > MAX_COLUMNS:
                raise UnreadableFileError(
                    f"line {first_line} has {len(cells):,} cells; PayDesk reads at most "
                    f"{MAX_COLUMNS} columns: check that the file is separated by commas, "
                    "semicolons or tabs")
            # Checking the first cell first keeps the common, non-blank line cheap.
            if not cells or (not cells[0].strip() and _is_blank(cells)):
                continue
            rows.append(cells)
            lines.append(first_line)
    return (lines[0] if lines else None), rows, lines


def _read_xlsx(data: bytes, digest: str, sheet: str | None) -> RawTable:
    try:
        book = read_workbook(data, sheet)
        notes = _sheet_notes(data, book)
    except SpreadsheetError as error:
        raise UnreadableFileError(str(error)) from None
    rows: list[list[str]] = []
    lines: list[int] = []
    formulas = book.formulas
    for number, values in enumerate(book.rows, start=1):
        cells = _row_text(values, number, notes)
        if formulas:
            for column in range(len(cells)):
                # The cached result of a formula is never what is paid: the formula is reported.
                formula = formulas.get((number, column + 1))
                if formula is not None:
                    cells[column] = formula
        # Checking the first cell first keeps the common, non-blank line cheap.
        if not cells or (not cells[0].strip() and _is_blank(cells)):
            continue
        rows.append(cells)
        lines.append(number)
    header = rows.pop(0) if rows else []
    header_line = lines.pop(0) if lines else None
    return RawTable(header, header_line, rows, lines, "xlsx", None, None, len(data), digest,
                    book.sheet, tuple(s.name for s in book.sheets), tuple(notes))


def _sheet_notes(data: bytes, book: SheetCells) -> list[FileNote]:
    notes: list[FileNote] = []
    declared, (last_row, last_column) = book.extent.declared, book.last_cell
    if declared and (last_row > declared[0] or last_column > declared[1]):
        notes.append(FileNote(
            None, None, None, ERROR, "sheet_dimension_stale",
            f"the sheet '{book.sheet}' says its cells end at {column_name(declared[1])}"
            f"{declared[0]}, but it holds cells up to {column_name(last_column)}"
            f"{last_row}; some programs would read fewer lines than PayDesk: open the "
            "file in your spreadsheet program, save it again, and upload that"))
    for info in book.sheets:
        if info.visible or info.name == book.sheet:
            continue
        if any(not _is_blank([cell_text(v) for v in row]) for row in sheet_rows(data, info.name)):
            notes.append(FileNote(
                None, None, None, ERROR, "sheet_hidden",
                f"the workbook has a hidden sheet '{info.name}' with data, which PayDesk does not "
                "read; unhide it to see what it holds, then delete it (or move the payments to "
                "one visible sheet) and upload again"))
    if len(book.sheets) > 1:
        others = ", ".join(f"'{s.name}'" for s in book.sheets if s.name != book.sheet)
        notes.append(FileNote(
            None, None, None, WARNING, "sheet_chosen",
            f"the workbook has {len(book.sheets)} sheets: PayDesk read '{book.sheet}'; if the "
            f"payments are on another sheet ({others}), choose it (the Sheet box on the page, "
            "--sheet on the command line)"))
    return notes


def _row_text(values: list[object], number: int, notes: list[FileNote]) -> list[str]:
    """One row of calamine values as text, in place (the row is calamine's fresh list, read
    once); 100,000 rows pass here, so text cells cost one test and whole numbers are next."""
    for column, value in enumerate(values):
        kind = value.__class__
        if kind is str:
            continue
        if kind is float:
            if value.is_integer() and -1e15 < value < 1e15:  # type: ignore[attr-defined,operator]
                values[column] = str(int(value))  # type: ignore[call-overload]
                continue
            text = repr(value)
            # '0.' and 15 digits fit in 17 characters; only longer numbers can be inexact.
            if len(text) > _TYPED_DIGITS + 1 and _inexact(text):
                notes.append(_inexact_note(number, column, text))
            values[column] = text
        else:
            values[column] = cell_text(value)
    return values  # type: ignore[return-value]


def _inexact(text: str) -> bool:
    digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(digits) > _TYPED_DIGITS


def _inexact_note(line: int, column: int, text: str) -> FileNote:
    return FileNote(
        line, column, text, ERROR, "number_inexact",
        f"the cell holds the number {text}, the result of spreadsheet arithmetic rather than a "
        "typed value (the spreadsheet may show it rounded); type the value itself, or format the "
        "column as text and type it again")


def cell_notes(table: RawTable) -> list[FileNote]:
    """Cells no payment field may hold: control characters (line breaks included) and values
    longer than a spreadsheet cell. Checked on the rows as they are now, so an edit in place is
    checked again."""
    # One pass over every cell at once settles the usual file, which has none of them.
    every_cell = list(itertools.chain.from_iterable(table.rows))
    if (max(map(len, every_cell), default=0) <= MAX_CELL_CHARS
            and not _CONTROL.search("".join(every_cell))):
        return []
    notes: list[FileNote] = []
    for cells, line in zip(table.rows, table.lines, strict=True):
        joined = "".join(cells)
        if len(joined) <= MAX_CELL_CHARS and not _CONTROL.search(joined):
            continue
        for column, cell in enumerate(cells):
            note = _cell_note(table, line, column, cell)
            if note is not None:
                notes.append(note)
    return notes


def _cell_note(table: RawTable, line: int, column: int, cell: str) -> FileNote | None:
    if len(cell) > MAX_CELL_CHARS:
        return FileNote(line, column, cell[:40] + "…", ERROR, "cell_too_long",
                        f"the cell holds {len(cell):,} characters; a cell holds at most "
                        f"{MAX_CELL_CHARS:,}: check that this is the right file and value")
    found = _CONTROL.search(cell)
    if found is None:
        return None
    shown = cell if len(cell) <= 60 else cell[:60] + "…"
    if found.group() in "\r\n" and table.kind == "csv" and cell.strip("\r\n"):
        return FileNote(line, column, shown, ERROR, "cell_line_break",
                        "this value runs over several lines: a quote opened here is probably "
                        "never closed, so the lines after it became part of this value; close "
                        "the quote (or remove the line break)")
    return FileNote(line, column, shown, ERROR, "cell_control_character",
                    f"the value holds an invisible control character ({_describe(found.group())}"
                    f", position {found.start() + 1}); retype the value without it")


def _describe(char: str) -> str:
    names = {"\x00": "NUL", "\t": "tab", "\n": "line break", "\r": "carriage return"}
    return names.get(char, f"U+{ord(char):04X}")


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would have typed, without rounding it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        # Spreadsheets store every number as a double: 354678912 arrives as 354678912.0.
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    # A number cell: repr gives the shortest text that reads back as the same double, so 12.5
    # stays 12.5 and 1e+16 keeps its exponent (which validation then reports).
    return repr(value)
