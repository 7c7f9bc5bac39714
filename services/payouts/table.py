"""From the reader's text rows to named columns: which header cell is which column, and the
frame of stripped cells that the rules run on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from services.payouts.file_format import COLUMN_BY_NAME, COLUMNS, REQUIRED_COLUMNS, canonical_column
from services.payouts.findings import ERROR, Finding, FindingList
from services.payouts.reading import RawTable


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
    width = len(raw.header)
    flags = np.zeros(len(raw.rows), dtype=bool)
    lengths = np.fromiter(map(len, raw.rows), dtype=np.int64, count=len(raw.rows))
    for i in np.flatnonzero(lengths > width).tolist():
        row = raw.rows[i]
        if any(cell.strip() for cell in row[width:]):
            flags[i] = True
            findings.add(
                Finding(
                    raw.lines[i],
                    None,
                    None,
                    ERROR,
                    "line_extra_cells",
                    f"this line has {len(row)} cells but the header has {width}; remove the extra "
                    "cells or quote a value that contains the separator",
                )
            )
    return flags
