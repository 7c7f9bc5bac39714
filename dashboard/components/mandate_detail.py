"""One mandate: its facts, the signing QR code followed until signed or expired, status sync,
debit now (confirmed in a dialog, refusals word for word), pre-debit notice, termination."""

from __future__ import annotations

from uuid import uuid4

from datetime import datetime, timedelta

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.badges import badge_color
from dashboard.components.formatting import code_label, format_cycle, format_money, format_time
from dashboard.components.qr import qr_png
from dashboard.navigation import CUSTOMERS_PAGE
from dashboard.runtime import get_services
from services.core.access import can
from services.mandates.debits import debit_now, plan_debit, send_notice
from services.core.errors import PayDeskError
from services.mandates.contracts import (
    TERMINATION_WAYS,
    ListFilter,
    list_mandates,
    signing_links,
    simulate_customer_signing,
    sync_contract,
    terminate_contract,
)

DEBIT_PENDING = "debit_pending"
TERMINATE_PENDING = "terminate_pending"
DEBIT_TOKEN = "debit_request_token"
FLASH = "mandate_flash"
FOLLOW_SECONDS = 5


def _when(value: object) -> str:
    return format_time(value) if isinstance(value, datetime) else "—"


def _status(code: object) -> str:
    return code_label(code, "mandate")


def _flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def _ask_debit(code: str) -> None:
    state = st.session_state
    state.pop(FLASH, None)
    try:
        plan = plan_debit(get_services(), signed_in_actor(), mandate_ref=code,
                          amount=state.get("dn_amount", ""),
                          product_name=state.get("dn_product", ""))
    except PayDeskError as error:
        _flash("error", f"Debit refused: {error}")
        return
    state[DEBIT_PENDING] = plan
    # Fixed when the dialog opens, so a double click on "Yes" cannot debit twice.
    state[DEBIT_TOKEN] = uuid4().hex


@st.dialog("Confirm debit")
def _confirm_debit() -> None:
    plan = st.session_state[DEBIT_PENDING]
    st.markdown(f"Debit **{format_money(plan.amount, plan.currency)}** from contract "
                f"`{plan.merchant_contract_code}` for “{plan.product_name}”.")
    st.caption(f"Single upper limit {format_money(plan.single_upper_limit, plan.currency)}"
               + (f"; uses pre-debit notice {plan.notice}" if plan.notice else "") + ".")
    yes, no = st.columns(2)
    if yes.button("Yes, debit", key="debit_yes", type="primary"):
        try:
            outcome = debit_now(get_services(), signed_in_actor(),
                                mandate_ref=plan.merchant_contract_code, amount=plan.amount,
                                product_name=plan.product_name,
                                request_token=st.session_state.get(DEBIT_TOKEN))
            kind = {"FAIL": "error", "UNKNOWN": "warning"}.get(outcome.status, "success")
            message = outcome.message[:1].upper() + outcome.message[1:]
            if outcome.status in ("PROCESSING", "SUCCESS"):
                message = (f"Debit of {format_money(plan.amount, plan.currency)} accepted by "
                           f"Binance Pay: {code_label(outcome.status, 'debit').lower()}")
            _flash(kind, f"{message} — debit {outcome.merchant_request_id}")
        except PayDeskError as error:
            _flash("error", f"Debit refused: {error}")
        st.session_state.pop(DEBIT_PENDING, None)
        st.session_state.pop(DEBIT_TOKEN, None)
        st.rerun()
    if no.button("Cancel", key="debit_cancel"):
        st.session_state.pop(DEBIT_PENDING, None)
        st.session_state.pop(DEBIT_TOKEN, None)
        st.rerun()


@st.dialog("Confirm termination")
def _confirm_terminate() -> None:
    code, notes = st.session_state[TERMINATE_PENDING]
    st.markdown(f"Terminate contract `{code}`? No further debits are possible afterwards.")
    st.caption(f"Notes: {notes}")
    yes, no = st.columns(2)
    if yes.button("Yes, terminate", key="terminate_yes", type="primary"):
        try:
            row = terminate_contract(get_services(), signed_in_actor(), code, notes)
            _flash("success", f"Contract {code} is {_status(row.status).lower()}.")
        except PayDeskError as error:
            _flash("error", str(error))
        st.session_state.pop(TERMINATE_PENDING, None)
        st.rerun()
    if no.button("Cancel", key="terminate_cancel"):
        st.session_state.pop(TERMINATE_PENDING, None)
        st.rerun()


@st.fragment(run_every=timedelta(seconds=FOLLOW_SECONDS))
def _follow_signature(code: str) -> None:
    """Asks the provider every few seconds while the customer has not signed yet."""
    try:
        row = sync_contract(get_services(), signed_in_actor(), code)
    except PayDeskError as error:
        st.caption(f"Could not check the signature: {error}")
        return
    if row.status != "INITIAL":
        st.rerun()  # the whole page: the contract moved on
    services = get_services()
    checked = services.now().astimezone(services.settings.zone)
    st.caption(f"Waiting for the customer to sign (checked {checked:%H:%M:%S} "
               f"{services.settings.timezone}).")


def render_mandate(code: str) -> None:
    services, actor = get_services(), signed_in_actor()
    flash = st.session_state.pop(FLASH, None)
    if flash:
        getattr(st, flash[0])(flash[1])
    zone = services.settings.timezone
    rows = list_mandates(services, actor, ListFilter(text=code), limit=5)
    row = next((r for r in rows if r["merchant_contract_code"] == code), None)
    if row is None:
        st.warning(f"No mandate {code}.")
        return
    st.subheader(f"Contract {code}")
    st.badge(_status(row["status"]), color=badge_color(str(row["status"]), "mandate"))  # type: ignore[arg-type]
    facts = {
        "Status": _status(row["status"]),
        "Customer": row["customer_email"] or "—", "Service": row["service_name"] or "—",
        "Single upper limit": format_money(row["single_upper_limit"], str(row["currency"])),  # type: ignore[arg-type]
        "Periodic": (format_cycle(row["cycle_value"], row["cycle_type"])
                     if row["periodic"] else "no (one-off)"),
        f"Next debit ({zone})": _when(row["next_debit_at"]),
        "Contract id": row["contract_id"] or "—",
        f"Signed ({zone})": _when(row["signed_at"]),
    }
    if row["status"] in ("TERMINATED", "EXPIRED"):
        way = str(row["termination_way"] or "")
        facts[f"Ended ({zone})"] = (f"{_when(row['terminated_at'])} "
                          f"({TERMINATION_WAYS.get(way, way or 'unknown way')})")
        facts["Notes"] = row["termination_notes"] or "—"
    st.table({"Field": list(facts), "Value": [str(v) for v in facts.values()]})
    if row["customer_email"]:
        st.page_link(CUSTOMERS_PAGE, label="Everything from this customer",
                     icon=":material/person:", query_params={"email": row["customer_email"]})
    if st.button("Sync status from the provider", key="md_sync"):
        try:
            synced = sync_contract(services, actor, code)
            _flash("info", f"Contract {code}: {_status(synced.status).lower()}.")
        except PayDeskError as error:
            _flash("error", str(error))
        st.rerun()
    if row["status"] == "INITIAL":
        _signing(code)
    if row["status"] != "SIGNED" or not can(actor, "debit.request"):
        return
    _debit_form(code, row)
    if can(actor, "mandate.terminate"):
        with st.expander("Terminate this contract"):
            notes = st.text_input("Why (kept with the contract and sent to Binance)",
                                  key="term_notes", max_chars=256)
            if st.button("Terminate…", key="term_open"):
                if not notes.strip():
                    st.error("Say why the contract ends.")
                else:
                    st.session_state[TERMINATE_PENDING] = (code, notes.strip())
    if st.session_state.get(DEBIT_PENDING):
        _confirm_debit()
    elif st.session_state.get(TERMINATE_PENDING):
        _confirm_terminate()


def _signing(code: str) -> None:
    deeplink, qr = signing_links(get_services(), signed_in_actor(), code)
    left, right = st.columns([1, 2])
    if qr or deeplink:
        left.image(qr_png(qr or deeplink or ""), caption="Scan with the Binance app to sign")
    if deeplink:
        right.markdown(f"Deeplink: `{deeplink}`")
    if get_services().sandbox is not None and can(signed_in_actor(), "mandate.create"):
        _sandbox_signing(code)
    _follow_signature(code)


def _sandbox_signing(code: str) -> None:
    with st.container(border=True):
        st.markdown("**Sandbox only — simulate the customer signing.** No real customer: the "
                    "in-process Binance Pay sandbox signs this contract as the customer would "
                    "in the Binance app.")
        if st.button("Simulate the customer signing", key="md_simulate_sign",
                     icon=":material/science:"):
            try:
                row = simulate_customer_signing(get_services(), signed_in_actor(), code)
                _flash("success", f"The sandbox customer signed contract {code}: "
                                  f"{_status(row.status).lower()}.")
            except PayDeskError as error:
                _flash("error", str(error))
            st.rerun()


def _debit_form(code: str, row: dict[str, object]) -> None:
    with st.container(border=True):
        st.markdown("**Debit now**")
        st.text_input(f"Amount ({row['currency']}, at most "
                      f"{format_money(row['single_upper_limit'], str(row['currency']))})",  # type: ignore[arg-type]
                      key="dn_amount")
        st.text_input("What for (shown to the customer)", key="dn_product", max_chars=256)
        st.button("Debit now…", key="dn_open", type="primary", on_click=_ask_debit, args=(code,))
        if row["periodic"]:
            st.caption("Periodic contract: a pre-debit notice must go out 2 to 5 days before; "
                       "the 24 hours after it are frozen.")
            amount = st.text_input("Announced amount", key="notice_amount")
            if st.button("Send pre-debit notice", key="notice_send"):
                try:
                    notice = send_notice(get_services(), signed_in_actor(), mandate_ref=code,
                                         estimated_amount=amount)
                    _flash("success" if notice.status == "SENT" else "warning",
                           f"Pre-debit notice {notice.merchant_request_id}: "
                           f"{code_label(notice.status, 'notice').lower()}")
                except PayDeskError as error:
                    _flash("error", str(error))
                st.rerun()
