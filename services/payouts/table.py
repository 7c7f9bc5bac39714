"""From the reader's text rows to named columns: which header cell is which column, and the
frame of stripped cells that the rules run on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from services.payouts.file_format import COLUMN_BY_NAME, COLUMNS, REQUIRED_COLUMNS, canonical_column
from services.files.findings import ERROR, Finding, FindingList
from services.files.reading import RawTable, cell_notes


def map_header(raw: RawTable, findings: FindingList) -> tuple[dict[str, int], bool]:
    """Canonical column -> index in the file; reports unknown, repeated and missing columns."""
    line = raw.header_line
    positions: dict[str, int] = {}
    ok = True
    known = ", ".join(c.name for c in COLUMNS)
    for index, text in enumerate(raw.header):
        label = text.strip()
        if not label:
            if any(index < len(row) and row[index].strip() for row in raw.rows):
                ok = False
                findings.add(
                    Finding(
                        line,
                        f"column {index + 1}",
                        "",
                        ERROR,
                        "column_unknown",
                        f"column {index + 1} has values but no name; name it one of: {known}",
                    ),
                    index,
                )
            continue
        name = canonical_column(label)
        if name is None:
            ok = False
            findings.add(
                Finding(
                    line,
                    label,
                    label,
                    ERROR,
                    "column_unknown",
                    f"unknown column '{label}'; rename it to one of: {known}, or remove it",
                ),
                index,
            )
        elif name in positions:
            ok = False
            first = raw.header[positions[name]].strip()
            findings.add(
                Finding(
                    line,
                    label,
                    label,
                    ERROR,
                    "column_duplicate",
                    f"'{label}' and '{first}' both mean {COLUMN_BY_NAME[name].label}; keep one",
                ),
                index,
            )
        else:
            positions[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            ok = False
            findings.add(
                Finding(
                    line,
                    name,
                    None,
                    ERROR,
                    "column_missing",
                    f"the column '{name}' is missing; add it to the header (see the template)",
                ),
                len(raw.header),
            )
    return positions, ok


def build_frame(
    raw: RawTable, positions: dict[str, int]
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Stripped text per canonical column (absent optional columns are empty), and the raw cells."""
    count = len(raw.rows)
    width = len(raw.header)
    lengths = np.fromiter(map(len, raw.rows), dtype=np.int64, count=count)
    rows = raw.rows
    if (lengths != width).any():
        rows = [row if len(row) == width else (row + [""] * width)[:width] for row in rows]
    # Arrow converts the rows in one pass in C, three times faster than DataFrame(rows); the
    # flat cells are then picked column by column without going back to Python strings.
    flat = pa.array(rows, type=pa.list_(pa.large_string(), width)).flatten()
    frame = pd.DataFrame({"line": np.asarray(raw.lines, dtype=np.int64)})
    raw_cells: dict[str, pd.Series] = {}
    for column in COLUMNS:
        index = positions.get(column.name)
        if index is None:
            cells = pd.Series([""] * count, dtype="str")
        else:
            picked = flat.take(np.arange(index, count * width, width, dtype=np.int64))
            cells = pd.Series(pd.array(picked, dtype="str"))
            raw_cells[column.name] = cells
        frame[column.name] = cells.str.strip()
    frame["currency"] = frame["currency"].str.upper()
    return frame, raw_cells


def extra_cell_findings(raw: RawTable, findings: FindingList) -> np.ndarray:
    """Lines with more cells than the header. Trailing empty cells are only forgiven when every
    line has the same number of them (a program's habit); otherwise an unquoted separator in a
    value has shifted the cells after it into the wrong columns."""
    width = len(raw.header)
    flags = np.zeros(len(raw.rows), dtype=bool)
    lengths = np.fromiter(map(len, raw.rows), dtype=np.int64, count=len(raw.rows))
    uniform = bool(len(lengths)) and bool((lengths == lengths[0]).all())
    for i in np.flatnonzero(lengths > width).tolist():
        row = raw.rows[i]
        filled = [index for index in range(width, len(row)) if row[index].strip()]
        if not filled and uniform:
            continue
        index = filled[0] if filled else width
        flags[i] = True
        findings.add(
            Finding(
                raw.lines[i],
                f"column {index + 1}",
                row[index],
                ERROR,
                "line_extra_cells",
                f"this line has {len(row)} cells but the header has {width}, so column "
                f"{index + 1} has no name and the values before it may have shifted: a value "
                "probably holds an unquoted separator; put that value in quotes "
                '(like "thanks, paid") or remove the extra cells',
            ),
            index,
        )
    return flags


def file_note_findings(raw: RawTable, findings: FindingList) -> bool:
    """The reader's notes about the whole file (which sheet, hidden sheets); True on an error."""
    file_error = False
    for note in raw.notes:
        if note.line is None:
            findings.add(Finding(None, None, None, note.severity, note.code, note.message))
            file_error = file_error or note.severity == ERROR
    return file_error


def note_findings(raw: RawTable, findings: FindingList) -> np.ndarray:
    """The reader's notes on cells and the cell checks as findings; returns the lines with an
    error."""
    flags = np.zeros(len(raw.rows), dtype=bool)
    row_of = {line: index for index, line in enumerate(raw.lines)}
    for note in (*raw.notes, *cell_notes(raw)):
        if note.line is None:
            continue
        findings.add(
            Finding(note.line, raw.column_label(note.column), note.value, note.severity,
                    note.code, note.message),
            -1 if note.column is None else note.column,
        )
        if note.severity == ERROR and note.line in row_of:
            flags[row_of[note.line]] = True
    return flags
