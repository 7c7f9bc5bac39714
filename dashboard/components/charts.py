"""Plotly figures built from service DTOs; tested directly because AppTest cannot look inside."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dashboard.components.formatting import format_amount, status_label
from services.orders.overview import DailyVolume, HourlyVolume

_ACCENT = "#2f6fed"


def daily_volume_figure(daily: Sequence[DailyVolume], currency: str) -> go.Figure:
    rows = [d for d in daily if d.currency == currency]
    figure = go.Figure(
        go.Bar(
            x=[d.day for d in rows],
            # Plotly draws floats; the exact amount is in the hover text.
            y=[float(d.gross) for d in rows],  # float-ok: chart geometry only
            customdata=[[format_amount(d.gross), d.paid_orders] for d in rows],
            hovertemplate="%{x|%a %d %b %Y}<br>%{customdata[0]} "
            + currency
            + "<br>%{customdata[1]} paid orders<extra></extra>",
            marker_color=_ACCENT,
            name=currency,
        )
    )
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=320,
        yaxis_title=f"Paid volume ({currency})",
        xaxis_title=None,
        bargap=0.15,
        showlegend=False,
    )
    return figure


def hourly_volume_figure(hourly: Sequence[HourlyVolume], currency: str) -> go.Figure:
    """One day hour by hour: the axis reads 09:00, 10:00 (a one-day daily chart read
    '23:59:59.9996' around its single bar)."""
    rows = [h for h in hourly if h.currency == currency]
    figure = go.Figure(
        go.Bar(
            x=[h.hour for h in rows],
            y=[float(h.gross) for h in rows],  # float-ok: chart geometry only
            customdata=[[format_amount(h.gross), h.paid_orders] for h in rows],
            hovertemplate="%{x|%H:%M}<br>%{customdata[0]} " + currency
            + "<br>%{customdata[1]} paid orders<extra></extra>",
            marker_color=_ACCENT,
            name=currency,
        )
    )
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=320,
        yaxis_title=f"Paid volume ({currency})",
        xaxis={"tickformat": "%H:%M", "dtick": 3 * 3600 * 1000, "title": None},
        bargap=0.15,
        showlegend=False,
    )
    return figure


def status_breakdown_figure(statuses: dict[str, int]) -> go.Figure:
    labels = [status_label(s) for s in statuses]
    counts = list(statuses.values())
    figure = go.Figure(
        go.Bar(
            x=counts,
            y=labels,
            orientation="h",
            marker_color=_ACCENT,
            text=[f"{c:,}" for c in counts],
            textposition="auto",
            hovertemplate="%{y}: %{x:,} orders<extra></extra>",
        )
    )
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=max(180, 38 * len(labels)),
        yaxis={"autorange": "reversed"},
        xaxis_title="Orders",
    )
    return figure
