"""Status badges: one colour per kind of outcome, the same in tables and in the detail views,
for orders, refunds, mandates, debits and payouts alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard.components.formatting import code_label, status_label

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

# st.badge colour and, for table cells (which cannot hold widgets), text and background colours.
_TONES: dict[str, tuple[str, str, str]] = {
    "new": ("gray", "#31333f", "#eeeff3"),
    "waiting": ("yellow", "#6b4e00", "#fff3c4"),
    "good": ("green", "#0f5323", "#d7f5dd"),
    "closed": ("gray", "#31333f", "#e4e5ea"),
    "bad": ("red", "#7d1a1a", "#ffdede"),
    "moving": ("orange", "#7a3a00", "#ffe4c7"),
    "refunded": ("violet", "#4b1f7a", "#ece0ff"),
}
_DEFAULT = ("blue", "#0b3d91", "#dde8ff")

# kind -> status code -> tone; a code missing here is shown in the default blue.
_KIND_TONES: dict[str, dict[str, str]] = {
    "order": {
        "INITIAL": "new", "PENDING": "waiting", "PAID": "good", "CANCELED": "closed",
        "EXPIRED": "closed", "ERROR": "bad", "REFUNDING": "moving", "REFUNDED": "refunded",
        "FULL_REFUNDED": "refunded",
    },
    "refund": {
        "NEEDS_APPROVAL": "waiting", "PENDING": "moving", "UNKNOWN": "moving",
        "REFUNDING": "moving", "SUCCESS": "good", "FAIL": "bad", "REJECTED": "closed",
    },
    "mandate": {
        "CREATING": "new", "UNKNOWN": "moving", "REFUSED": "bad", "INITIAL": "waiting",
        "SIGNED": "good", "TERMINATED": "closed", "EXPIRED": "closed",
    },
    "debit": {
        "PENDING": "moving", "UNKNOWN": "moving", "PROCESSING": "moving", "SUCCESS": "good",
        "FAIL": "bad",
    },
    "payout_batch": {
        "DRAFT": "new", "PENDING_APPROVAL": "waiting", "APPROVED": "moving",
        "REJECTED": "closed", "DISCARDED": "closed", "SENDING": "moving", "UNKNOWN": "moving",
        "SEND_FAILED": "bad", "ACCEPTED": "moving", "PROCESSING": "moving", "SUCCESS": "good",
        "PART_SUCCESS": "waiting", "FAILED": "bad", "CANCELED": "closed",
    },
    "payout_line": {
        "PENDING": "new", "PROCESSING": "moving", "SUCCESS": "good", "FAIL": "bad",
        "AWAITING_RECEIPT": "waiting", "REFUNDED": "closed",
    },
}


def _style(status: str, kind: str) -> tuple[str, str, str]:
    tone = _KIND_TONES.get(kind, {}).get(status)
    return _TONES[tone] if tone else _DEFAULT


def badge_color(status: str, kind: str = "order") -> str:
    return _style(status, kind)[0]


def badge_text(status: str, kind: str = "order") -> str:
    return status_label(status) if kind == "order" else code_label(status, kind)


def badge_css(status: str, kind: str = "order") -> str:
    """CSS for a status cell in a styled dataframe: reads like a badge, prints in any font."""
    _, text, background = _style(status, kind)
    return f"color: {text}; background-color: {background}; font-weight: 600"


def badge_css_by_label(statuses: list[str], kind: str = "order") -> dict[str, str]:
    return {badge_text(s, kind): badge_css(s, kind) for s in statuses}


def styled_status(frame: pd.DataFrame, column: str, kind: str,
                  codes: list[str] | None = None) -> pd.DataFrame | Styler:
    """The frame with its status column (already holding labels) coloured like badges."""
    if frame.empty or column not in frame.columns:
        return frame
    css = badge_css_by_label(list(codes or _KIND_TONES.get(kind, {})), kind)
    return frame.style.map(lambda label: css.get(label, ""), subset=[column])
