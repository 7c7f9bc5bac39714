"""XLSX bytes to text rows, refusing a spreadsheet bomb before anything expands.

A zip's size says nothing about what it unpacks to, and a sheet's size says nothing about the
grid a reader builds from it: one cell on row 1,048,576 makes a million empty rows. So before a
cell is read: every part's unpacked size is checked (from the zip header, then bounded while it is
unpacked, so a header that understates it cannot help), and the sheets' declared and real extents
(the highest row and column any cell names) against row, column and cell caps. Only then does
calamine (Rust, streaming XML) read the chosen sheet, from a copy of the workbook holding exactly
the parts that were measured.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from dataclasses import dataclass
from html import unescape
from xml.etree import ElementTree

MAX_PART_BYTES = 96 * 1024 * 1024
MAX_TOTAL_BYTES = 160 * 1024 * 1024
MAX_PARTS = 2_000
MAX_ROWS = 200_000  # payout files hold at most 100,000 lines; blank rows still count
MAX_COLUMNS = 256
MAX_CELLS = 3_000_000  # the grid calamine builds: rows x columns from A1 to the last cell
# A cell holds at most 32,767 characters; written as numeric character references (&#x10FFFF;)
# that is at most ten bytes each. A longer stretch of a part without a '<' cannot be one cell's
# text within the limit: it is refused before calamine holds it (one 90 MB shared string cost
# 840 MB of memory on its way to a "cell too long" finding).
MAX_TEXT_RUN_BYTES = 10 * 32_767 + 64

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PREFIX = re.compile(rb'xmlns:(\w+)="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
_RANGE = re.compile(r"([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?")


# Any r="B7" in the sheet, however it is spaced or quoted. It may also match inside a value, which
# can only make the extent larger than it is: a safe error for a crafted file.
# Readers also accept lower-case columns, more than three letters and rows past Excel's last.
# calamine also takes attributes without a space between them, so r is found after any
# character that cannot end an attribute name.
# The 'r' comes first and the look-behind after it (the same condition: no name character
# before the 'r'): a pattern that starts with a literal is searched for by that literal, three
# times faster over a 20 MB sheet than trying the look-behind at every byte.
_CELL_REF = re.compile(rb"""r(?<![\w:.-]r)\s*=\s*["']([A-Za-z]+)0*([0-9]+)["']""")
_ROW_REF = re.compile(rb"""r(?<![\w:.-]r)\s*=\s*["']0*([0-9]+)["']""")
_DIMENSION = re.compile(rb"""<(?:\w+:)?dimension\s[^>]*?ref\s*=\s*["']([^"']*)["']""")


@functools.cache
def _formula(prefix: bytes) -> re.Pattern[bytes]:
    """A formula cell for one namespace prefix (usually none): per the schema <f> is the cell's
    first child, right after the tag."""
    p = re.escape(prefix + b":" if prefix else b"")
    return re.compile(rb"<" + p + rb'c\s[^>]*?r="([A-Z]{1,3})([0-9]{1,7})"[^>]*>\s*<' + p
                      + rb"f\b([^>]*?)(/?)>([^<]*)")


# What may follow an element's name in its start tag.
_TAG_ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r")
# Longer element names that start like a cell's or a row's (<cols>, <col>, <rowBreaks>).
_LONGER_NAMES = {b"c": (b"ol",), b"row": (b"Breaks",)}


def _tags(xml: bytes, prefix: bytes, name: bytes) -> tuple[int, int]:
    """At least how many `name` elements there are (under any namespace prefix, since calamine
    reads them all), and at most how many carry r="…" first, as spreadsheet programs write it.
    '<' cannot occur in a value, so the second count is exact; ':c ' can, which only makes the
    first one larger. The difference bounds the elements without a reference."""
    plain = xml.count(b"<" + name + b' r="')
    prefixed = xml.count(b"<" + prefix + b":" + name + b' r="') if prefix else 0
    total = _elements(xml, b"<" + name, plain) + _elements(xml, b":" + name, prefixed)
    return total, plain + prefixed


def _elements(xml: bytes, opening: bytes, known: int) -> int:
    """How often `opening` is followed by one of _TAG_ENDS, `known` of which were counted already.

    Each count is a pass over a sheet of up to 96 MB, so one or two usually settle it: every
    such tag is an `opening` that is not a longer name, so when those are no more than `known`,
    they are exactly `known`. Otherwise every ending is counted."""
    upper = xml.count(opening)
    if upper > known:
        upper -= sum(xml.count(opening + more) for more in _LONGER_NAMES.get(opening[1:], ()))
    if upper <= known:
        return upper
    return sum(xml.count(opening + end) for end in _TAG_ENDS)


class SpreadsheetError(Exception):
    """The workbook cannot be read safely; the message says why and what to do."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    visible: bool
    part: str


@dataclass(frozen=True)
class Extent:
    rows: int  # the highest row number any cell or row names (an upper bound)
    columns: int
    declared: tuple[int, int] | None  # the <dimension>'s last row and column, when present


@dataclass(frozen=True)
class SheetCells:
    sheet: str
    sheets: tuple[SheetInfo, ...]
    rows: list[list[object]]  # calamine values, row 1 first
    formulas: dict[tuple[int, int], str]  # (row, column), both 1-based -> "=formula"
    extent: Extent
    last_cell: tuple[int, int]  # the furthest row and column holding a value (1-based)


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_name(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_workbook(data: bytes, sheet: str | None = None) -> SheetCells:
    """The chosen sheet (default: the first visible one) as calamine values, with its formulas."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = _measured_parts(archive)
    except SpreadsheetError:
        raise
    except Exception as error:  # a damaged zip fails in many ways; each one is a message
        raise SpreadsheetError(f"the file is not a readable .xlsx workbook ({_reason(error)})"
                               ) from None
    for part, xml in parts.items():
        _check_text_runs(part, xml)
    sheets = _sheets(parts)
    extents = {}
    for info in sheets:
        extent = _extent(parts[info.part])
        _check_extent(info.name, extent)
        extents[info.name] = extent
    # Any other part holding cells is measured as well, so that no way of pointing calamine at a
    # part (however its relationships are written) reaches one that was not measured.
    named = {info.part for info in sheets}
    for part, xml in parts.items():
        if part not in named and b"sheetData" in xml:
            _check_extent(part, _extent(xml))
    chosen = _choose(sheets, sheet)
    rows, last_cell = _calamine_rows(parts, chosen.name)
    return SheetCells(chosen.name, sheets, rows, _formulas(parts[chosen.part]),
                      extents[chosen.name], last_cell)


def sheet_rows(data: bytes, name: str) -> list[list[object]]:
    """Another sheet's values (a hidden one, to tell whether it holds anything)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    return _calamine_rows(_measured_parts(archive), name)[0]


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text[:200] if text else type(error).__name__


def _measured_parts(archive: zipfile.ZipFile) -> dict[str, bytes]:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise SpreadsheetError(f"the workbook holds {len(infos):,} parts; a payout workbook "
                               "holds a few dozen: save it again as a new .xlsx")
    wanted = [info for info in infos if _wanted(info.filename)]
    total = 0
    for info in wanted:
        _check_size(info.filename, info.file_size)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise SpreadsheetError(
            f"the workbook unpacks to {total / 2**20:,.0f} MB, over the limit of "
            f"{MAX_TOTAL_BYTES / 2**20:,.0f} MB; split it or save it as CSV")
    parts: dict[str, bytes] = {}
    for info in wanted:
        # zipfile stops at the size the header declares and then checks the CRC, so what is
        # read here is never more than what was just measured.
        with archive.open(info) as member:
            parts[info.filename] = member.read(info.file_size + 1)
        _check_size(info.filename, len(parts[info.filename]))
    return parts


def _wanted(name: str) -> bool:
    # Only the XML a reader needs: pictures, printer settings and macros are never unpacked.
    return name.endswith((".xml", ".rels"))


def _check_size(name: str, size: int) -> None:
    if size > MAX_PART_BYTES:
        raise SpreadsheetError(
            f"the workbook's part {name} unpacks to {size / 2**20:,.0f} MB, over the limit of "
            f"{MAX_PART_BYTES / 2**20:,.0f} MB; a payout sheet is far smaller: check the file, "
            "or split it")


def _xml(parts: dict[str, bytes], name: str) -> ElementTree.Element:
    if name not in parts:
        raise SpreadsheetError(f"the workbook has no {name}; save it again as .xlsx")
    try:
        return ElementTree.fromstring(parts[name])
    except ElementTree.ParseError as error:
        raise SpreadsheetError(f"the workbook's {name} is damaged ({error}); save it again as "
                               ".xlsx") from None


def _sheets(parts: dict[str, bytes]) -> tuple[SheetInfo, ...]:
    book = _xml(parts, "xl/workbook.xml")
    targets = {}
    if "xl/_rels/workbook.xml.rels" in parts:
        for rel in _xml(parts, "xl/_rels/workbook.xml.rels").iter(f"{{{_PKG_REL_NS}}}Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id")] = _normalise(target)
    found = []
    for node in book.iter(f"{{{_MAIN_NS}}}sheet"):
        name = node.get("name") or ""
        part = targets.get(node.get(f"{{{_REL_NS}}}id"), "")
        if part not in parts:
            raise SpreadsheetError(f"the sheet '{name}' is missing from the workbook; save it "
                                   "again as .xlsx")
        found.append(SheetInfo(name, node.get("state", "visible") == "visible", part))
    if not found:
        raise SpreadsheetError("the workbook has no sheet; save it again as .xlsx")
    return tuple(found)


def _normalise(path: str) -> str:
    out: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            if out:
                out.pop()
        elif piece not in ("", "."):
            out.append(piece)
    return "/".join(out)


def _prefix(xml: bytes) -> bytes:
    found = _PREFIX.search(xml, 0, 4096)
    return found.group(1) if found else b""


def _extent(xml: bytes) -> Extent:
    """An upper bound of the grid calamine will build (from A1 to the furthest cell). A cell
    without a reference takes the next column, and its row the row element's number (or the
    next one), so each of them may push the extent further; spreadsheet programs always write
    references, so for their files this is exact."""
    prefix = _prefix(xml)
    refs = _CELL_REF.findall(xml)
    columns = max((column_number(c.decode().upper()) for c in {c for c, _ in refs}),
                  default=0)
    rows = max((int(r) for r in {r for _, r in refs}), default=0)
    cells, referenced_cells = _tags(xml, prefix, b"c")
    unreferenced_cells = max(cells - referenced_cells, 0)
    columns += unreferenced_cells
    # Rows need a second scan only while the columns alone do not already refuse the sheet.
    if unreferenced_cells and columns <= MAX_COLUMNS:
        row_tags, referenced_rows = _tags(xml, prefix, b"row")
        row_numbers = {int(r) for r in _ROW_REF.findall(xml)}
        rows = max(rows, max(row_numbers, default=0)) + max(row_tags - referenced_rows, 0)
    declared = None
    data_starts = xml.find(b"sheetData")
    match = _DIMENSION.search(xml, 0, data_starts if data_starts >= 0 else len(xml))
    if match:
        bounds = _RANGE.fullmatch(match.group(1).decode("ascii", "replace").upper())
        if bounds:
            last_col = bounds.group(3) or bounds.group(1)
            last_row = bounds.group(4) or bounds.group(2)
            declared = (int(last_row), column_number(last_col))
    return Extent(rows, columns, declared)


def _check_text_runs(name: str, xml: bytes) -> None:
    if len(xml) <= MAX_TEXT_RUN_BYTES:
        return
    import numpy  # already loaded with pandas; only needed for workbooks

    # Where each '<' is, with the part's two ends: the longest gap is the longest run of text.
    tags = numpy.flatnonzero(numpy.frombuffer(xml, dtype=numpy.uint8) == ord("<"))
    edges = numpy.concatenate(([-1], tags, [len(xml)]))
    longest = int(numpy.diff(edges).max()) - 1
    if longest > MAX_TEXT_RUN_BYTES:
        raise SpreadsheetError(
            f"the workbook's part {name} holds a value of {longest:,} bytes, longer than any "
            "spreadsheet cell (32,767 characters); check that this is the right file")


def _check_extent(name: str, extent: Extent) -> None:
    fix = "delete the rows and columns after your data (or copy the data to a new workbook)"
    for label, (rows, columns) in (("declares cells", extent.declared or (0, 0)),
                                   ("has cells", (extent.rows, extent.columns))):
        if rows > MAX_ROWS:
            raise SpreadsheetError(f"the sheet '{name}' {label} down to row {rows:,}, beyond the "
                                   f"limit of {MAX_ROWS:,} rows; {fix}")
        if columns > MAX_COLUMNS:
            raise SpreadsheetError(
                f"the sheet '{name}' {label} up to column {column_name(columns)}, beyond the "
                f"limit of {MAX_COLUMNS} columns; {fix}")
        if rows * columns > MAX_CELLS:
            raise SpreadsheetError(
                f"the sheet '{name}' {label} over {rows:,} rows and {columns:,} columns, more "
                f"than {MAX_CELLS:,} cells; split it into several files")


def _choose(sheets: tuple[SheetInfo, ...], wanted: str | None) -> SheetInfo:
    if wanted is not None:
        for info in sheets:
            if info.name == wanted:
                return info
        names = ", ".join(f"'{s.name}'" for s in sheets)
        raise SpreadsheetError(f"the workbook has no sheet '{wanted}'; its sheets are {names}")
    for info in sheets:
        if info.visible:
            return info
    raise SpreadsheetError("every sheet of the workbook is hidden; unhide the sheet with the "
                           "payments in your spreadsheet program and upload it again")


def _calamine_rows(parts: dict[str, bytes], name: str) -> tuple[list[list[object]],
                                                                tuple[int, int]]:
    from python_calamine import CalamineError, CalamineWorkbook  # only needed for spreadsheets

    copy = io.BytesIO()
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    copy.seek(0)
    try:
        with CalamineWorkbook.from_filelike(copy) as book:
            sheet = book.get_sheet_by_name(name)
            end = sheet.end or (-1, -1)
            return sheet.to_python(skip_empty_area=False), (end[0] + 1, end[1] + 1)
    except CalamineError as error:
        raise _unreadable_sheet(name, error) from None
    except BaseException as error:
        # A panic on the Rust side arrives as pyo3's PanicException, a BaseException; it and any
        # other error on hostile bytes is a message too. Interrupts go on as they are.
        if isinstance(error, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        raise _unreadable_sheet(name, error) from None


def _unreadable_sheet(name: str, error: BaseException) -> SpreadsheetError:
    return SpreadsheetError(f"the sheet '{name}' cannot be read ({_reason(error)}); save the "
                            "workbook again as .xlsx or as CSV")


def _formulas(xml: bytes) -> dict[tuple[int, int], str]:
    found = {}
    prefix = _prefix(xml)
    if b"<" + (prefix + b":" if prefix else b"") + b"f" not in xml:
        return {}
    for letters, row, attributes, closed, text in _formula(prefix).findall(xml):
        formula = unescape(text.decode("utf-8", "replace")) if not closed else ""
        if not formula and b"shared" in attributes:
            formula = "(shared formula)"
        found[(int(row), column_number(letters.decode()))] = "=" + formula
    return found
