"""Mandates & debits: every contract and every direct debit with filters and export, one contract
in detail (QR to sign, sync, debit now, terminate), new contracts and bulk debits."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.badges import styled_status
from dashboard.components.bulk_upload import render_bulk_upload
from dashboard.components.follow import follow_in_progress
from dashboard.components.formatting import (
    DATE_FORMAT,
    code_label,
    format_cycle,
    format_time,
    money_column,
    or_empty,
    plural,
)
from dashboard.components.mandate_detail import render_mandate
from dashboard.components.tables import right_aligned
from dashboard.runtime import get_services
from services.mandates import bulk as bulk_debits
from services.mandates import contracts as mandates
from services.core.access import can
from services.core.errors import InputError, PayDeskError

services = get_services()
actor = signed_in_actor()
state = st.session_state
zone = services.settings.timezone
OPEN = "md_open"
DEBIT_STATUSES = ("PENDING", "UNKNOWN", "PROCESSING", "SUCCESS", "FAIL")

st.title("Mandates & debits")

names = ["Mandates", "Direct debits"]
if can(actor, "mandate.create"):
    names.append("New contract")
if can(actor, "debit.request"):
    names.append("Bulk debits")
tabs = dict(zip(names, st.tabs(names), strict=True))


def _currencies() -> tuple[str, ...]:
    """The default provider's contract currencies (its capabilities); none when it has no
    recurring payments."""
    try:
        return mandates.contract_currencies(services)
    except PayDeskError:
        return ()


def _filters(prefix: str, statuses: tuple[str, ...], kind: str) -> mandates.ListFilter:
    left, middle, right = st.columns(3)
    chosen = left.multiselect("Status", statuses, key=f"{prefix}_status",
                              format_func=lambda code: code_label(code, kind))
    currencies = middle.multiselect("Currency", _currencies(), key=f"{prefix}_currency")
    text = right.text_input("Search (code, contract id, email, request id)", key=f"{prefix}_text")
    return mandates.ListFilter(tuple(chosen), tuple(currencies), text)


def _listed(lister, filters: mandates.ListFilter) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """The rows, or none and the reason when a filter value cannot be searched for."""
    try:
        return lister(services, actor, filters, limit=None)
    except InputError as error:
        st.error(str(error))
        return []


with tabs["Mandates"]:
    filters = _filters("md", mandates.STATUSES, "mandate")
    rows = _listed(mandates.list_mandates, filters)
    st.caption(f"{plural(len(rows), 'contract')} match; times in {zone}.")
    limits = money_column((r["single_upper_limit"], str(r["currency"]))  # type: ignore[misc]
                          for r in rows)
    table = pd.DataFrame([{
        "Contract": r["merchant_contract_code"], "Status": code_label(r["status"], "mandate"),
        "Customer": or_empty(r["customer_email"]), "Service": or_empty(r["service_name"]),
        "Single upper limit": limit,
        "Currency": r["currency"],
        "Cycle": format_cycle(r["cycle_value"], r["cycle_type"]) if r["periodic"] else "one-off",
        f"Next debit ({zone})": format_time(r["next_debit_at"]),
        "Terminated": mandates.TERMINATION_WAYS.get(str(r["termination_way"]), "—")
        if r["termination_way"] is not None else "—",
        f"Terminated at ({zone})": format_time(r["terminated_at"]),
    } for r, limit in zip(rows, limits, strict=True)])
    picked = st.dataframe(styled_status(table, "Status", "mandate"), hide_index=True,
                          key="md_table", on_select="rerun",
                          selection_mode="single-row",
                          column_config=right_aligned("Single upper limit", data=table))
    if picked and picked.selection.rows:
        state[OPEN] = rows[picked.selection.rows[0]]["merchant_contract_code"]
    if can(actor, "orders.export"):
        st.download_button(
            f"Export {plural(len(rows), 'contract')} as CSV",
            data=lambda: mandates.rows_csv(rows, mandates.MANDATE_COLUMNS, zone),
            file_name="mandates.csv", mime="text/csv", key="md_export", on_click="ignore",
            icon=":material/download:")
    typed = st.text_input("Open a contract by merchantContractCode or contractId", key="md_ref")
    if typed.strip():
        state[OPEN] = typed.strip()
    if state.get(OPEN):
        st.divider()
        render_mandate(str(state[OPEN]))

with tabs["Direct debits"]:
    follow_in_progress("debits", key="dd_follow", noun="debit")
    debit_filters = _filters("dd", DEBIT_STATUSES, "debit")
    debits_rows = _listed(mandates.list_debits, debit_filters)
    st.caption(f"{plural(len(debits_rows), 'debit')} match; times in {zone}.")
    # One number of decimals per currency down the column.
    debit_amounts = money_column((d["amount"], str(d["currency"]))  # type: ignore[misc]
                                 for d in debits_rows)
    debits_table = pd.DataFrame([{
        "Debit": d["merchant_request_id"], "Contract": d["merchant_contract_code"],
        "Amount": amount,
        "Status": code_label(d["status"], "debit"), "For": or_empty(d["product_name"]),
        f"Created ({zone})": format_time(d["created_at"]),
        f"Completed ({zone})": format_time(d["completed_at"]),
        "Error": or_empty(d["error_message"]),
        "Needs review": or_empty(d["review_note"]),
    } for d, amount in zip(debits_rows, debit_amounts, strict=True)])
    st.dataframe(styled_status(debits_table, "Status", "debit"), hide_index=True,
                 key="dd_table", column_config=right_aligned("Amount", data=debits_table))
    if can(actor, "orders.export"):
        st.download_button(
            f"Export {plural(len(debits_rows), 'debit')} as CSV",
            data=lambda: mandates.rows_csv(debits_rows, mandates.DEBIT_COLUMNS, zone),
            file_name="direct_debits.csv", mime="text/csv", key="dd_export", on_click="ignore",
            icon=":material/download:")

CREATED = "nc_created"
CYCLE_UNITS = {"MONTH": "Months", "DAY": "Days"}


def _create_contract() -> None:
    """Runs before the page is drawn again, so the new contract is in the list and open at once."""
    first_day = state.get("nc_first")
    periodic = bool(state.get("nc_periodic"))
    request = mandates.ContractRequest(
        customer_email=state.get("nc_email", ""), service_name=state.get("nc_service", ""),
        single_upper_limit=state.get("nc_limit", ""), currency=state.get("nc_currency", ""),
        scenario_code=state.get("nc_scenario", mandates.SCENARIOS[0]), periodic=periodic,
        cycle_type=state.get("nc_cycle_type") if periodic else None,
        cycle_value=int(state.get("nc_cycle_value", 1)) if periodic else None,
        # The first debit is at 09:00 on the chosen day in the zone every time is shown in.
        first_deduct_at=datetime.combine(first_day, time(9), services.settings.zone)
        if periodic and first_day else None)
    try:
        created = mandates.create_contract(services, actor, request)
    except PayDeskError as error:
        state[CREATED] = ("error", str(error))
        return
    state[OPEN] = created.merchant_contract_code
    state[CREATED] = ("success", f"Contract {created.merchant_contract_code} created "
                                 f"({code_label(created.status, 'mandate').lower()}): it is open "
                                 "on the Mandates tab, where the customer's QR code is.")


if "New contract" in tabs:
    with tabs["New contract"]:
        if (created_note := state.pop(CREATED, None)) is not None:
            getattr(st, created_note[0])(created_note[1])
        local_today = services.now().astimezone(services.settings.zone).date()
        try:
            contract_currencies = mandates.contract_currencies(services)
        except PayDeskError as error:  # the default provider offers no recurring payments
            contract_currencies = ()
            st.info(f"New contracts are not possible here: {error}")
        with st.form("new_contract"):
            st.text_input("Customer email", key="nc_email")
            st.text_input("Service name (shown in the Binance app)", max_chars=32,
                          key="nc_service")
            st.text_input("Single upper limit", key="nc_limit")
            st.selectbox("Currency", contract_currencies, key="nc_currency")
            st.selectbox("Scenario", mandates.SCENARIOS, key="nc_scenario")
            st.checkbox("Periodic (debits on a cycle, with pre-debit notices)",
                        key="nc_periodic")
            st.selectbox("Cycle", list(CYCLE_UNITS), key="nc_cycle_type",
                         format_func=CYCLE_UNITS.__getitem__)
            st.number_input("Every", min_value=1, max_value=365, value=1, step=1,
                            key="nc_cycle_value")
            st.date_input(f"First debit (day in {zone}, at 09:00)",
                          value=local_today + timedelta(days=3), key="nc_first",
                          format=DATE_FORMAT)
            st.form_submit_button("Create contract", type="primary", on_click=_create_contract,
                                  disabled=not contract_currencies)

if "Bulk debits" in tabs:
    with tabs["Bulk debits"]:
        render_bulk_upload(
            prefix="bulk_debit", noun="debit", template=bulk_debits.TEMPLATE,
            preview=lambda data, name, sheet: bulk_debits.preview(services, actor, data, name,
                                              sheet=sheet),
            apply=lambda checked, token: bulk_debits.apply(services, actor, checked,
                                                           request_token=token),
            columns={"contract": "Contract", "amount": "Amount", "product": "For",
                     "limit": "Single upper limit"})
