"""Orders: find any order, see what happened to it, export exactly what is filtered.

Filters, sort, page size, columns and the open order live in the URL, so a view can be shared or
bookmarked; the page position does not (a shared link always opens on the first page).
"""

from __future__ import annotations

import os
import tempfile
from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.badges import badge_css_by_label, badge_text
from dashboard.components.close_order import render_close_action
from dashboard.components.formatting import (
    DATE_FORMAT,
    EMPTY,
    code_label,
    money_column,
    plural,
    status_label,
)
from dashboard.components.order_detail import render_order_detail
from dashboard.components.refund_dialog import render_refund_action
from dashboard.components.saved_views import render_saved_views
from dashboard.components.tables import fitting_width, right_aligned
from dashboard.runtime import get_services
from services.core.access import Actor, can
from services.entrypoints.bootstrap import Services
from services.core.errors import InputError, NotFoundError, PermissionDeniedError
from services.orders.exports.orders import COLUMNS, export_orders, export_orders_bytes
from services.orders.book import (
    DEFAULT_SORT,
    PAGE_SIZES,
    OrderFilters,
    count_orders,
    filter_choices,
    filters_from_params,
    filters_to_params,
    get_order_detail,
    parse_amount,
    search_orders,
)

SORT_LABELS = {"newest": "Newest first", "oldest": "Oldest first",
               "amount_desc": "Largest amount", "amount_asc": "Smallest amount"}
DEFAULT_SIZE = 50
# What fits a 1400 px window without scrolling sideways (each amount carries its currency); the
# other columns are one click away in "Columns", and an export adds the currency column itself.
DEFAULT_COLUMNS = ("created_at", "merchant_order_id", "status", "amount", "refunded_amount",
                   "customer_email")
# Above this the file is built with a progress bar first; below, on the click itself.
DIRECT_EXPORT_ROWS = 50_000
URL_SEEN = "orders_url_seen"
CURSOR = "orders_cursor"
TOKENS = "orders_tokens"
OPEN_REF = "orders_open_ref"
LAST_SELECTION = "orders_last_selection"
# Streamlit forgets a widget's value when a run does not draw it (the user went to another page).
WIDGET_KEYS = ("of_status", "of_currency", "of_provider", "of_date_from", "of_time_from",
               "of_date_to", "of_time_to", "of_min", "of_max", "of_q", "of_sort", "of_size",
               "of_cols")
FILTER_KEYS = ("of_status", "of_currency", "of_provider", "of_date_from", "of_time_from",
               "of_date_to", "of_time_to", "of_min", "of_max", "of_q")

services = get_services()
actor = signed_in_actor()
zone_name = services.settings.zone.key


@st.cache_data(ttl=60, show_spinner=False)
def _choices(_services: Services, actor: Actor) -> dict[str, list[str]]:
    return filter_choices(_services, actor)


@st.cache_data(ttl=30, show_spinner=False)
def _count(_services: Services, actor: Actor, params: tuple[tuple[str, str], ...]) -> int:
    filters, _ = filters_from_params(dict(params))
    return count_orders(_services, actor, filters=filters)


def _init_widgets_from_url(url: dict[str, str]) -> None:
    """The URL changed from outside (first load, a shared link, a click on the Overview)."""
    filters, problems = filters_from_params(url)
    state = st.session_state
    state["of_status"] = list(filters.statuses)
    state["of_currency"] = list(filters.currencies)
    state["of_provider"] = list(filters.providers)
    state["of_date_from"], state["of_time_from"] = filters.date_from, filters.time_from
    state["of_date_to"], state["of_time_to"] = filters.date_to, filters.time_to
    state["of_min"] = "" if filters.amount_min is None else f"{filters.amount_min:f}"
    state["of_max"] = "" if filters.amount_max is None else f"{filters.amount_max:f}"
    state["of_q"] = filters.text or ""
    state["of_sort"] = url.get("sort") if url.get("sort") in SORT_LABELS else DEFAULT_SORT
    raw_size = url.get("size", "")
    size = int(raw_size) if raw_size.isascii() and raw_size.isdigit() and len(raw_size) < 5 \
        else DEFAULT_SIZE
    state["of_size"] = size if size in PAGE_SIZES else DEFAULT_SIZE
    columns = [c for c in url.get("cols", "").split(",") if c in COLUMNS]
    state["of_cols"] = columns or list(DEFAULT_COLUMNS)
    state[OPEN_REF] = url.get("order") or None
    state["orders_url_problems"] = problems
    state.pop(CURSOR, None)


def _amount(key: str, name: str) -> Decimal | None:
    text = st.session_state.get(key, "").strip()
    if not text:
        return None
    try:
        return parse_amount(text, name)
    except InputError as error:
        st.error(str(error))
        return None


def _go(direction: str) -> None:
    previous, following = st.session_state.get(TOKENS, (None, None))
    token = following if direction == "after" else previous
    if token:
        page_no = st.session_state.get(CURSOR, (None, None, 1))[2]
        st.session_state[CURSOR] = (direction, token,
                                    page_no + 1 if direction == "after" else max(1, page_no - 1))


def _close_detail() -> None:
    st.session_state[OPEN_REF] = None


def _filtered() -> bool:
    state = st.session_state
    return any(state.get(key) for key in FILTER_KEYS)


def _clear_filters() -> None:
    """Every filter back to empty; sort, page size, columns and the open order stay."""
    for key in FILTER_KEYS:
        st.session_state[key] = [] if key in ("of_status", "of_currency", "of_provider") else (
            "" if key in ("of_min", "of_max", "of_q") else None)
    st.session_state.pop(CURSOR, None)


url = st.query_params.to_dict()
if any(key not in st.session_state for key in WIDGET_KEYS):
    # Coming back from another page (whose link carries no view): the view the user left here,
    # which URL_SEEN still holds; a link that names a view (the Overview's) wins.
    url = url or st.session_state.get(URL_SEEN) or {}
    _init_widgets_from_url(url)
    st.session_state[URL_SEEN] = url
elif st.session_state.get(URL_SEEN) != url:
    _init_widgets_from_url(url)
    st.session_state[URL_SEEN] = url

st.title("Orders")
for problem in st.session_state.get("orders_url_problems", []):
    st.warning(f"Ignored a filter from the link: {problem}")

try:
    choices = _choices(services, actor)
except PermissionDeniedError as error:
    st.error(str(error))
    st.stop()

# On the page, not in the sidebar: under the navigation they were out of sight, and at 800 px the
# sidebar is folded away.
with st.container(border=True, key="orders_filters"):
    first = st.columns([3, 2, 2, 2, 1.4], vertical_alignment="bottom")
    first[0].text_input("Search", key="of_q",
                        placeholder="order ID, provider order ID, txn id, e-mail",
                        help="Matches the start of the id or e-mail (exact ids work too).")
    first[1].multiselect("Status", choices["status"], key="of_status", format_func=status_label,
                         placeholder="Any status")
    first[2].multiselect("Currency",
                         sorted(set(choices["currency"]) | set(st.session_state.of_currency)),
                         key="of_currency", placeholder="Any currency")
    first[3].multiselect("Provider",
                         sorted(set(choices["provider"]) | set(st.session_state.of_provider)),
                         key="of_provider", format_func=lambda code: code_label(code, "provider"),
                         placeholder="Any provider")
    first[4].button("Clear filters", key="orders_clear", on_click=_clear_filters,
                    icon=":material/filter_alt_off:", width="stretch", disabled=not _filtered())
    second = st.columns([2, 1.3, 2, 1.3, 1.5, 1.5], vertical_alignment="bottom")
    second[0].date_input(f"Created from ({zone_name})", key="of_date_from", format=DATE_FORMAT)
    second[1].time_input("at", key="of_time_from", step=900,
                         help="Leave empty to start at the beginning of the day.")
    second[2].date_input("To (included)", key="of_date_to", format=DATE_FORMAT)
    second[3].time_input("until", key="of_time_to", step=900,
                         help="Leave empty to include the whole last day.")
    second[4].text_input("Min amount", key="of_min")
    second[5].text_input("Max amount", key="of_max")

state = st.session_state
time_from: time | None = state.of_time_from if state.of_date_from else None
time_to: time | None = state.of_time_to if state.of_date_to else None
filters = OrderFilters(
    statuses=tuple(state.of_status), currencies=tuple(state.of_currency),
    providers=tuple(state.of_provider), date_from=state.of_date_from, date_to=state.of_date_to,
    time_from=time_from, time_to=time_to, amount_min=_amount("of_min", "min amount"),
    amount_max=_amount("of_max", "max amount"), text=state.of_q.strip() or None,
)

controls = st.columns([2, 1, 4])
controls[0].selectbox("Sort", list(SORT_LABELS), key="of_sort", format_func=SORT_LABELS.get)
controls[1].selectbox("Rows per page", PAGE_SIZES, key="of_size")
controls[2].multiselect("Columns", list(COLUMNS), key="of_cols",
                        format_func=lambda c: COLUMNS[c][0])
columns = [c for c in state.of_cols if c in COLUMNS] or list(DEFAULT_COLUMNS)

filter_params = filters_to_params(filters)
view = (tuple(sorted(filter_params.items())), state.of_sort, state.of_size)
if state.get("orders_view") != view:
    state["orders_view"] = view
    state.pop(CURSOR, None)
direction, token, page_no = state.get(CURSOR, (None, None, 1))

try:
    page = search_orders(
        services, actor, filters=filters, sort=state.of_sort, page_size=state.of_size,
        page_after=token if direction == "after" else None,
        page_before=token if direction == "before" else None,
    )
except InputError as error:
    st.error(str(error))
    st.stop()
state[TOKENS] = (page.previous_token, page.next_token)

# The count is filled in after the table: the first page never waits for it.
summary = st.empty()
summary.caption(f"Counting… · page {page_no} · times in **{zone_name}** · "
                "select a row to see the order")


def _cell(row: Any, column: str) -> Any:
    value = getattr(row, column)
    if value is None:
        return EMPTY
    if column == "status":
        return badge_text(value)
    if column == "provider":
        return code_label(value, "provider")
    if COLUMNS[column][1] == "time":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def _column(column: str) -> list[Any]:
    if COLUMNS[column][1] == "money":
        return money_column((getattr(r, column), r.currency) for r in page.rows)
    return [_cell(r, column) for r in page.rows]


if flagged := [r.merchant_order_id for r in page.rows if r.review_note]:
    st.warning("Needs review (the provider reported other figures than ours; nothing was "
               f"changed): {', '.join(flagged)}. Open the order to see both.",
               icon=":material/report:")
table = pd.DataFrame({COLUMNS[c][0]: _column(c) for c in columns},
                     columns=[COLUMNS[c][0] for c in columns])
if len(table):
    shown: Any = table
    if "status" in columns:
        css = badge_css_by_label(choices["status"] + [r.status for r in page.rows])
        shown = table.style.map(lambda label: css.get(label, ""), subset=[COLUMNS["status"][0]])
    event = st.dataframe(shown, hide_index=True, width="stretch", key="orders_table",
                         on_select="rerun", selection_mode="single-row",
                         # Wide enough for the longest label ("Refund in progress"), no wider.
                         column_config={COLUMNS["status"][0]: st.column_config.TextColumn(
                             width=fitting_width(table[COLUMNS["status"][0]])
                             if "status" in columns else None),
                             **right_aligned(*(COLUMNS[c][0] for c in columns
                                               if COLUMNS[c][1] == "money"), data=table)})
    selected = list(event.selection.rows) if event is not None else []
    # Only a new click opens an order: a leftover selection must not reopen a closed detail.
    if selected != state.get(LAST_SELECTION):
        state[LAST_SELECTION] = selected
        if selected and selected[0] < len(page.rows):
            state[OPEN_REF] = str(page.rows[selected[0]].id)
else:
    st.info("No orders match these filters. Widen the dates or clear a filter.")

# The count is cached for a few seconds, the rows are not: when an order has just changed (a
# refund moved it out of the filter) the rows win, so the page never says '1 orders match'
# above 'No orders match these filters'.
single_page = not page.previous_token and not page.next_token
total = len(page.rows) if single_page else _count(services, actor, view[0])
summary.caption(f"**{total:,}** {'order matches' if total == 1 else 'orders match'} · "
                f"page {page_no} · times in **{zone_name}** · select a row to see the order")

nav = st.columns([1, 1, 6])
nav[0].button("← Previous", on_click=_go, args=("before",), disabled=not page.previous_token,
              key="orders_prev", width="stretch")
nav[1].button("Next →", on_click=_go, args=("after",), disabled=not page.next_token,
              key="orders_next", width="stretch")

# Nothing to export is not offered ('Export these 0 orders').
if total:
    with st.expander(f"Export {'this order' if total == 1 else f'these {total:,} orders'}",
                     icon=":material/download:"):
        st.caption(f"Exactly the filtered orders with the chosen columns, times in {zone_name}, "
                   "amounts as exact decimals with their currency. No row limit.")
        if not can(actor, "orders.export"):
            st.info("Your role may not export orders.")
        elif total <= DIRECT_EXPORT_ROWS:
            buttons = st.columns(2)
            for col, fmt, mime in ((buttons[0], "csv", "text/csv"), (buttons[1], "xlsx",
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
                col.download_button(
                    f"Download {fmt.upper()} ({plural(total, 'row')})",
                    data=lambda fmt=fmt: export_orders_bytes(services, actor, filters=filters,
                                                             columns=columns, fmt=fmt),
                    file_name=f"orders.{fmt}", mime=mime, on_click="ignore", key=f"orders_dl_{fmt}",
                    icon=":material/download:",
                )
        else:
            fmt = st.radio("Format", ["csv", "xlsx"], horizontal=True, key="orders_export_fmt",
                           format_func=str.upper)
            if st.button(f"Prepare {fmt.upper()} of {total:,} rows", key="orders_prepare"):
                bar = st.progress(0.0, text="Starting…")
                earlier = state.pop("orders_prepared", None)
                if earlier:
                    Path(earlier[0]).unlink(missing_ok=True)
                handle, name = tempfile.mkstemp(prefix="paydesk-orders-", suffix=f".{fmt}")
                os.close(handle)
                path = Path(name)
                with path.open("wb") as out:
                    result = export_orders(
                        services, actor, filters=filters, columns=columns, fmt=fmt, out=out,
                        progress=lambda done, all_: bar.progress(
                            min(1.0, done / max(all_, 1)), text=f"{done:,} of {all_:,} rows"),
                    )
                state["orders_prepared"] = (str(path), fmt, result.rows)
            prepared = state.get("orders_prepared")
            if prepared and Path(prepared[0]).exists():
                st.download_button(
                    f"Download {prepared[1].upper()} ({prepared[2]:,} rows)",
                    data=lambda: Path(prepared[0]).read_bytes(), file_name=f"orders.{prepared[1]}",
                    on_click="ignore", key="orders_dl_prepared", icon=":material/download:",
                )

st.text_input("Open an order by number, order ID or provider order ID", key="orders_open_input",
              on_change=lambda: state.__setitem__(OPEN_REF,
                                                  state.orders_open_input.strip() or None))
if state.get(OPEN_REF):
    st.divider()
    try:
        render_order_detail(get_order_detail(services, actor, state[OPEN_REF]))
        render_refund_action(str(state[OPEN_REF]))  # refunds engineer: self-contained component
        render_close_action(str(state[OPEN_REF]))
    except NotFoundError as error:
        st.warning(str(error))
    # Not "Close order": closing an order is what the provider does to an unpaid one (above).
    st.button("Hide these details", on_click=_close_detail, key="orders_close_detail",
              icon=":material/visibility_off:")

params = dict(filter_params)
if state.of_sort != DEFAULT_SORT:
    params["sort"] = state.of_sort
if state.of_size != DEFAULT_SIZE:
    params["size"] = str(state.of_size)
if columns != list(DEFAULT_COLUMNS):
    params["cols"] = ",".join(columns)
if state.get(OPEN_REF):
    params["order"] = str(state[OPEN_REF])
if params != st.query_params.to_dict():
    st.query_params.from_dict(params)
    state[URL_SEEN] = params
# A saved view is these same parameters (without the open order), per user, as a link.
render_saved_views("orders", "app_pages/orders.py",
                   {k: v for k, v in params.items() if k != "order"})
