"""Free text typed into a filter or carried by a link: checked before it reaches a query.

A search term is a short identifier or e-mail prefix. Anything longer, or holding control
characters (NUL breaks PostgreSQL, a megabyte breaks SQLite's LIKE), is refused with a message
naming the field and the fix instead of a crash deep in the database driver.
"""

from __future__ import annotations

import unicodedata

from services.core.errors import InputError

SEARCH_MAX = 200


def search_text(value: str | None, *, field: str = "search") -> str | None:
    """The stripped search text, None when empty; InputError when it cannot be a search."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > SEARCH_MAX:
        raise InputError(
            f"the search has {len(text):,} characters; ids and e-mails are shorter than "
            f"{SEARCH_MAX}, search for the start of one", field=field)
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise InputError("the search holds control characters (e.g. a NUL); type it again "
                         "without them", field=field)
    return text


def like_pattern(text: str) -> str:
    """`%text%` for LIKE ... ESCAPE '\\': a typed % or _ matches itself, not everything."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
