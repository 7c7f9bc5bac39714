"""The one rule for text cells in every file PayDesk writes: shown by a spreadsheet, never run.

Excel, LibreOffice and Google Sheets run a cell as a formula when it starts with `=`, `+`, `-` or
`@` (or their full-width forms, which some locales convert), also after leading blanks or a line
break, and treat a leading tab or carriage return as the start of a new field. Such a cell gets a
leading apostrophe, which every spreadsheet shows as text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

_BLANKS = " \t\r\n\f\v\u00a0\u3000"
_TRIGGERS = "=+\\-@\uff1d\uff0b\uff0d\uff20"
# RE2-compatible too (pyarrow's match_substring_regex), so whole columns use the same rule.
FORMULA_PATTERN = f"^([{_BLANKS}]*[{_TRIGGERS}]|[\t\r\n])"
_FORMULA = re.compile(FORMULA_PATTERN)


def is_formula_like(text: str) -> bool:
    return _FORMULA.match(text) is not None


def neutralise(text: str) -> str:
    """A cell a spreadsheet will show, never evaluate."""
    return "'" + text if is_formula_like(text) else text


def rows_csv(rows: list[dict[str, object]], columns: tuple[str, ...], zone_name: str,
             headers: Mapping[str, str] | None = None) -> bytes:
    """Every row given, formula-like cells neutralised, each column headed by its word in
    `headers` (the page's, issue 16: no snake_case in a file people open) with the time zone
    named on the times; amounts exact, at the scale the store keeps for their currency."""
    names = headers or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"{names.get(c, c)} ({zone_name})" if c.endswith("_at") else names.get(c, c)
                     for c in columns])
    for row in rows:
        writer.writerow([safe_csv_cell(row.get(c)) for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def safe_csv_cell(value: object) -> str:
    """Text a spreadsheet will show, never run: formula-like cells get a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return neutralise(str(value))
