"""Status badges: one colour per kind of outcome, the same in tables and in the order detail."""

from __future__ import annotations

from dashboard.components.formatting import status_label

# (st.badge colour, marker for table cells, which cannot hold widgets)
_STYLES: dict[str, tuple[str, str]] = {
    "INITIAL": ("gray", "⚪"),
    "PENDING": ("yellow", "🟡"),
    "PAID": ("green", "🟢"),
    "CANCELED": ("gray", "⚫"),
    "EXPIRED": ("gray", "⚫"),
    "ERROR": ("red", "🔴"),
    "REFUNDING": ("orange", "🟠"),
    "REFUNDED": ("violet", "🟣"),
    "FULL_REFUNDED": ("violet", "🟣"),
}


def badge_color(status: str) -> str:
    return _STYLES.get(status, ("blue", ""))[0]


def badge_text(status: str) -> str:
    """'🟢 Paid': readable in a dataframe cell, where a real badge cannot go."""
    marker = _STYLES.get(status, ("blue", "🔵"))[1]
    return f"{marker} {status_label(status)}"
