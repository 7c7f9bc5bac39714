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
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from services.errors import InputError

DELIMITERS = (",", ";", "\t")
_ZIP_MAGIC = b"PK\x03\x04"


class UnreadableFileError(InputError):
    """The bytes are not a CSV or XLSX file we can read at all (the CLI exits 2)."""


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


def read_payout_file(data: bytes, *, file_name: str | None = None) -> RawTable:
    """Read CSV (UTF-8 ± BOM, UTF-16, Windows-1252; , ; or tab) or XLSX bytes into text cells."""
    digest = hashlib.sha256(data).hexdigest()
    looks_like_xlsx = data.startswith(_ZIP_MAGIC) or (
        file_name is not None and file_name.lower().endswith((".xlsx", ".xlsm"))
    )
    if looks_like_xlsx:
        header_line, rows, lines = _read_xlsx(data)
        header = rows.pop(0) if rows else []
        lines = lines[1:]
        return RawTable(header, header_line, rows, lines, "xlsx", None, None, len(data), digest)
    text, encoding = decode_text(data)
    delimiter = sniff_delimiter(text)
    header_line, rows, lines = _read_csv(text, delimiter)
    header = rows.pop(0) if rows else []
    lines = lines[1:]
    return RawTable(header, header_line, rows, lines, "csv", encoding, delimiter, len(data), digest)


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
    if b"\x00" in data:
        raise UnreadableFileError(
            "the file holds binary data, not text; save it as CSV (UTF-8) or XLSX and upload again"
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
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
    for line in text.splitlines():
        if not line.strip():
            continue
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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    rows: list[list[str]] = []
    lines: list[int] = []
    last_line = 0
    try:
        with collector_paused():
            for cells in reader:
                # A quoted value may span lines: the record starts after the previous one ended.
                first_line = last_line + 1
                last_line = reader.line_num
                # Checking the first cell first keeps the common, non-blank line cheap.
                if not cells or (not cells[0].strip() and _is_blank(cells)):
                    continue
                rows.append(cells)
                lines.append(first_line)
    except csv.Error as error:
        raise UnreadableFileError(
            f"line {last_line + 1}: the file cannot be read as CSV ({error}); "
            "check for an unclosed quote"
        ) from None
    return (lines[0] if lines else None), rows, lines


def _read_xlsx(data: bytes) -> tuple[int | None, list[list[str]], list[int]]:
    import openpyxl  # heavy, and only needed for spreadsheets
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only=False: a formula arrives as its text ("=A1*2") and is reported, never paid.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFileError(
            f"the spreadsheet cannot be opened ({error}); save it again as .xlsx or as CSV"
        ) from None
    try:
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        lines: list[int] = []
        # Read-only sheets yield empty tuples for empty rows, so enumerate gives sheet row numbers.
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [cell_text(value) for value in values]
            if not cells or _is_blank(cells):
                continue
            rows.append(cells)
            lines.append(number)
    finally:
        book.close()
    return (lines[0] if lines else None), rows, lines


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
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    # A number cell: repr gives the shortest text that reads back as the same double, so 12.5
    # stays 12.5 and 1e+16 keeps its exponent (which validation then reports).
    return repr(value)
