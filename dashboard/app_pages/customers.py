"""Customers: everything one customer did with the merchant, with totals per currency.

Opened from any row that names a customer (`?email=`), or by searching here.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import (
    code_label,
    format_amount,
    format_money,
    format_time,
    or_empty,
    plural,
    status_label,
)
from dashboard.components.tables import right_aligned
from dashboard.navigation import CUSTOMERS_PAGE
from dashboard.runtime import get_services
from services.desk import customers
from services.core.errors import PayDeskError

services = get_services()
actor = signed_in_actor()
zone = services.settings.zone

st.title("Customers")


def _when(moment: object) -> str:
    return format_time(moment.astimezone(zone)) if moment is not None else or_empty(None)  # type: ignore[attr-defined]


def search_box() -> None:
    text = st.text_input("Search by e-mail (or its start, e.g. the name) or Binance payer id",
                         key="customer_search")
    if not text.strip():
        return
    try:
        found = customers.search(services, actor, text)
    except PayDeskError as error:
        st.warning(str(error))
        return
    if not found:
        st.info(f"No customer's e-mail starts with '{text.strip()}'.")
    for email in found:
        st.page_link(CUSTOMERS_PAGE, label=email, icon=":material/person:",
                     query_params={"email": email})


def table(rows: list[dict[str, object]], key: str, empty: str) -> None:
    if not rows:
        st.caption(empty)
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=key,
                 column_config=right_aligned("Amount"))


def show(email: str) -> None:
    try:
        found = customers.profile(services, actor, email)
    except PayDeskError as error:
        st.error(str(error))
        return
    st.subheader(found.email)
    ids = ", ".join(found.payer_ids) or "none yet (no paid order)"
    st.caption(f"Binance payer id: {ids} · {plural(found.order_count, 'order')} · times in "
               f"**{services.settings.timezone}**")
    if found.empty:
        st.info("PayDesk has no order, contract or payout for this e-mail.")
        return
    st.markdown("**Totals per currency**")
    totals = pd.DataFrame([{
        "Currency": t.currency, "Orders": f"{t.orders:,}", "Paid in": format_amount(t.paid_in),
        "Refunded": format_amount(t.refunded), "Collected by debit": format_amount(t.collected),
        "Paid out": format_amount(t.paid_out), "Net": format_amount(t.net)}
        for t in found.totals])
    st.dataframe(totals, hide_index=True, width="stretch", key="customer_totals",
                 column_config=right_aligned("Orders", "Paid in", "Refunded",
                                             "Collected by debit", "Paid out", "Net"))
    st.caption("Paid in counts paid orders (refunded ones too); refunds, debits and payouts "
               "count only when they succeeded. Lists below show the latest "
               f"{customers.RECENT} of each.")
    tabs = st.tabs(["Orders", "Refunds", "Contracts", "Debits", "Payouts"])
    with tabs[0]:
        table([{"Created": _when(o.created_at), "Order": o.merchant_order_id,
                "Amount": format_money(o.amount, o.currency), "Status": status_label(o.status),
                "Product": or_empty(o.product_name)} for o in found.orders],
              "customer_orders", "No orders.")
    with tabs[1]:
        table([{"Created": _when(r.created_at), "Refund": r.refund_request_id, "Order": trade,
                "Amount": format_money(r.amount, r.currency),
                "Status": code_label(r.status, "refund")} for r, trade in found.refunds],
              "customer_refunds", "No refunds.")
    with tabs[2]:
        table([{"Created": _when(m.created_at), "Contract": m.merchant_contract_code,
                "Service": m.service_name, "Status": code_label(m.status, "mandate"),
                "Amount": format_money(m.single_upper_limit, m.currency)}
               for m in found.mandates], "customer_mandates", "No contracts.")
    with tabs[3]:
        table([{"Created": _when(d.created_at), "Debit": d.merchant_request_id,
                "Contract": code, "Amount": format_money(d.amount, d.currency),
                "Status": code_label(d.status, "debit")} for d, code in found.debits],
              "customer_debits", "No debits.")
    with tabs[4]:
        table([{"Created": _when(b.created_at), "Payout line": line.merchant_send_id,
                "Batch": b.request_id, "Sent to": code_label(line.receive_type, "receive_type"),
                "Amount": format_money(line.amount, line.currency),
                "Status": code_label(line.status, "payout_line")}
               for line, b in found.payouts], "customer_payouts", "No payouts.")


chosen = st.query_params.get("email")
if chosen:
    if st.button("Search another customer", icon=":material/search:", key="customer_back"):
        st.query_params.clear()
        st.rerun()
    show(chosen)
else:
    search_box()
