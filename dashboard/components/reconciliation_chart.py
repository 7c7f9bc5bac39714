"""The breaks-over-time figure of a reconciliation run; tested directly (AppTest cannot look in)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go

CLASS_LABELS = {
    "matched": "Matched",
    "amount_mismatch": "Amount mismatch",
    "status_mismatch": "Status mismatch",
    "fee_difference": "Fee difference",
    "missing_at_provider": "Missing at provider",
    "missing_in_paydesk": "Missing in PayDesk",
    "duplicate": "Duplicate",
}
_COLOURS = {
    "amount_mismatch": "#d62728", "status_mismatch": "#ff7f0e", "fee_difference": "#bcbd22",
    "missing_at_provider": "#9467bd", "missing_in_paydesk": "#8c564b", "duplicate": "#17becf",
}


def breaks_figure(rows: Sequence[tuple[date, str, int]], zone: str) -> go.Figure:
    """Stacked bars: breaks per local day, one colour per class."""
    figure = go.Figure()
    for klass, colour in _COLOURS.items():
        days = [(day, n) for day, k, n in rows if k == klass]
        if not days:
            continue
        figure.add_trace(go.Bar(
            x=[d for d, _ in days], y=[n for _, n in days], name=CLASS_LABELS[klass],
            marker_color=colour,
            hovertemplate="%{x|%a %d %b %Y}<br>%{y} " + CLASS_LABELS[klass] + "<extra></extra>",
        ))
    figure.update_layout(
        barmode="stack", height=280, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title={"text": f"Breaks per day ({zone})", "font": {"size": 14}},
        legend={"orientation": "h", "y": -0.2}, yaxis={"title": None, "rangemode": "tozero"},
    )
    return figure
