"""Overview: what came in for a chosen period, against the period before."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.balances import balances_panel
from dashboard.components.charts import (
    daily_volume_figure,
    hourly_volume_figure,
    status_breakdown_figure,
)
from dashboard.components.formatting import (
    DATE_FORMAT,
    format_change,
    format_money,
    format_percent,
    format_tile_amount,
    plural,
    status_label,
)
from dashboard.components.tables import right_aligned
from dashboard.runtime import get_services
from services.core.errors import InputError
from services.orders.overview import get_overview

ORDERS_PAGE = "app_pages/orders.py"
PRESETS: dict[str, int | None] = {
    "Today": 1,
    "Last 7 days": 7,
    "Last 30 days": 30,
    "Last 90 days": 90,
    "Custom": None,
}

services = get_services()
zone = services.settings.zone
today = services.now().astimezone(zone).date()

st.title("Overview")

# The whole width: in a column the five choices overflowed at 800 px ('oday' for 'Today').
preset = st.segmented_control(
    "Period", list(PRESETS), default="Last 30 days", key="overview_preset"
) or "Last 30 days"
days = PRESETS[preset]
if days is None:
    picked = st.columns([2, 3])[0].date_input(
        "From – to",
        value=(today - timedelta(days=29), today),
        max_value=today,
        key="overview_range",
        format=DATE_FORMAT,
    )
    if not isinstance(picked, tuple) or len(picked) != 2:
        st.info("Pick the last day of the period to see its figures.")
        st.stop()
    start, end = picked
else:
    start, end = today - timedelta(days=days - 1), today


def _label(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"


try:
    overview = get_overview(services, signed_in_actor(), start=start, end=end)
except InputError as error:
    st.error(str(error))
    st.stop()

st.caption(
    f"{_label(overview.start, overview.end)}, compared with "
    f"{_label(overview.previous_start, overview.previous_end)}. "
    f"Days and times in **{overview.timezone}**; orders counted on the day they were created."
)

if overview.current.orders == 0 and overview.previous.orders == 0:
    st.info("No orders in this period or the one before. Pick a longer period.")
    balances_panel(signed_in_actor(), key="overview_balances")
    st.stop()

tiles = st.columns(4)
tiles[0].metric(
    "Paid orders",
    f"{overview.current.paid_orders:,}",
    delta=format_change(overview.paid_orders_change),
    border=True,
)
conversion_change = overview.conversion_change_points
tiles[1].metric(
    "Conversion",
    format_percent(overview.current.conversion),
    delta=None if conversion_change is None else f"{conversion_change:+.1f} pts",
    help="Paid orders ÷ orders that are no longer open (paid, expired, closed or failed).",
    border=True,
)
refund_count = sum(c.refund_count for c in overview.currencies)
tiles[2].metric("Refunds", f"{refund_count:,}", help="Successful refunds made in the period.",
                border=True)
tiles[3].metric("Orders created", f"{overview.current.orders:,}", border=True)

st.subheader("Volume per currency")
currency_tiles = st.columns(min(4, max(1, len(overview.currencies))))
for index, kpis in enumerate(overview.currencies[:4]):
    currency_tiles[index].metric(
        f"Gross {kpis.currency}",
        format_tile_amount(kpis.gross, kpis.currency),
        delta=format_change(kpis.gross_change),
        help=f"Exactly {format_money(kpis.gross, kpis.currency)} from {kpis.paid_orders:,} paid "
        f"orders; refunds {format_money(kpis.refunds, kpis.currency)}, "
        f"net {format_money(kpis.net, kpis.currency)}",
        border=True,
    )
per_currency = [
    {
        "Currency": k.currency,
        "Gross": format_money(k.gross, k.currency),
        "Refunds": format_money(k.refunds, k.currency),
        "Net": format_money(k.net, k.currency),
        "Paid orders": k.paid_orders,
        # A short header: 'Gross vs previous' pushed the table past 800 px and cut '+9.9%'.
        "vs previous": format_change(k.gross_change) or "new",
    }
    for k in overview.currencies
]
st.dataframe(
    per_currency,
    hide_index=True,
    width="stretch",
    column_config={"Paid orders": st.column_config.NumberColumn(format="localized"),
                   **right_aligned("Gross", "Refunds", "Net", "vs previous",
                                   data=per_currency)},
)

# After the period's figures, not above them: the tiles are what the page is opened for, and the
# balance table pushed them below the fold.
balances_panel(signed_in_actor(), key="overview_balances")

chart_column, status_column = st.columns([3, 2])
with chart_column:
    st.subheader("Paid volume by hour" if overview.start == overview.end
                 else "Daily paid volume")
    codes = [k.currency for k in overview.currencies]
    if codes:
        chosen = st.selectbox("Currency", codes, key="overview_chart_currency")
        if overview.start == overview.end:
            st.plotly_chart(hourly_volume_figure(overview.hourly, chosen), width="stretch")
        else:
            st.plotly_chart(daily_volume_figure(overview.daily, chosen), width="stretch")
        day = st.date_input("Open the orders of one day", value=overview.end,
                            min_value=overview.start, max_value=overview.end,
                            key="overview_orders_day", format=DATE_FORMAT)
        st.page_link(ORDERS_PAGE, label=f"{chosen} orders of {day.isoformat()} →",
                     icon=":material/receipt_long:",
                     query_params={"from": day.isoformat(), "to": day.isoformat(),
                                   "currency": chosen})
    else:
        st.info("No paid orders in this period.")
with status_column:
    st.subheader("Orders by status")
    st.plotly_chart(status_breakdown_figure(overview.statuses), width="stretch")
    # Each status opens the order list filtered to it for the same period.
    period = {"from": overview.start.isoformat(), "to": overview.end.isoformat()}
    for status, count in overview.statuses.items():
        st.page_link(ORDERS_PAGE, label=f"{status_label(status)} · {plural(count, 'order')}",
                     query_params={**period, "status": status})
