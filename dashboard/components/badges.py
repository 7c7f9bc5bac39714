"""Status badges: one colour per kind of outcome, the same in tables and in the order detail."""

from __future__ import annotations

from dashboard.components.formatting import status_label

# st.badge colour and, for table cells (which cannot hold widgets), text and background colours.
_STYLES: dict[str, tuple[str, str, str]] = {
    "INITIAL": ("gray", "#31333f", "#eeeff3"),
    "PENDING": ("yellow", "#6b4e00", "#fff3c4"),
    "PAID": ("green", "#0f5323", "#d7f5dd"),
    "CANCELED": ("gray", "#31333f", "#e4e5ea"),
    "EXPIRED": ("gray", "#31333f", "#e4e5ea"),
    "ERROR": ("red", "#7d1a1a", "#ffdede"),
    "REFUNDING": ("orange", "#7a3a00", "#ffe4c7"),
    "REFUNDED": ("violet", "#4b1f7a", "#ece0ff"),
    "FULL_REFUNDED": ("violet", "#4b1f7a", "#ece0ff"),
}
_DEFAULT = ("blue", "#0b3d91", "#dde8ff")


def badge_color(status: str) -> str:
    return _STYLES.get(status, _DEFAULT)[0]


def badge_text(status: str) -> str:
    return status_label(status)


def badge_css(status: str) -> str:
    """CSS for a status cell in a styled dataframe: reads like a badge, prints in any font."""
    _, text, background = _STYLES.get(status, _DEFAULT)
    return f"color: {text}; background-color: {background}; font-weight: 600"


def badge_css_by_label(statuses: list[str]) -> dict[str, str]:
    return {badge_text(s): badge_css(s) for s in statuses}
