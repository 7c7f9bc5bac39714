"""The one rule for text cells in every file PayDesk writes: shown by a spreadsheet, never run.

Excel, LibreOffice and Google Sheets run a cell as a formula when it starts with `=`, `+`, `-` or
`@` (or their full-width forms, which some locales convert), also after leading blanks or a line
break, and treat a leading tab or carriage return as the start of a new field. Such a cell gets a
leading apostrophe, which every spreadsheet shows as text.
"""

from __future__ import annotations

import re

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
