"""Refunds: every refund with filters and export, refund an order, approvals, bulk refunds."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.badges import styled_status
from dashboard.components.bulk_upload import render_bulk_upload
from dashboard.components.follow import follow_in_progress
from dashboard.components.formatting import (
    DATE_FORMAT,
    code_label,
    format_money,
    format_time,
    money_column,
    or_empty,
    plural,
)
from dashboard.components.refund_dialog import render_refund_action
from dashboard.components.tables import right_aligned
from dashboard.runtime import get_services
from services.refunds import bulk as bulk_refunds
from services.refunds import listing as refund_list
from services.core.access import can
from services.core.errors import PayDeskError
from services.refunds.sync import sync_open_refunds
from services.refunds.commands import REASONS, decide_refund

services = get_services()
actor = signed_in_actor()
state = st.session_state
zone = services.settings.timezone
APPROVE = "refund_approve_pending"


def _reason(code: object) -> str:
    return REASONS.get(str(code)) or code_label(code, "reason")

st.title("Refunds")

tabs = ["All refunds", "Refund an order"]
if can(actor, "refund.approve"):
    tabs.append("Awaiting approval")
if can(actor, "refund.request"):
    tabs.append("Bulk refunds")
sections = dict(zip(tabs, st.tabs(tabs), strict=True))

def _check_open_refunds() -> None:
    checked = sync_open_refunds(services, older_than_seconds=0)
    state["rf_checked"] = f"{plural(checked['checked'], 'open refund')} checked with the provider."


with sections["All refunds"]:
    if (checked_note := state.pop("rf_checked", None)) is not None:
        st.info(checked_note, icon=":material/sync:")
    follow_in_progress("refunds", key="rf_follow", noun="refund")
    choices = refund_list.filter_choices(services, actor)
    left, middle, right = st.columns(3)
    statuses = left.multiselect("Status", choices["status"], key="rf_status",
                                format_func=lambda s: code_label(s, "refund"))
    currencies = middle.multiselect("Currency", choices["currency"], key="rf_currency")
    reasons = right.multiselect("Reason", choices["reason"], key="rf_reason",
                                format_func=_reason)
    text_col, from_col, to_col = st.columns([2, 1, 1])
    text = text_col.text_input("Refund ID, order ID or provider order ID starts with",
                               key="rf_text")
    date_from: date | None = from_col.date_input("Created from", value=None, key="rf_from",
                                                        format=DATE_FORMAT)
    date_to: date | None = to_col.date_input("Created to", value=None, key="rf_to",
                                                      format=DATE_FORMAT)
    filters = refund_list.RefundFilter(tuple(statuses), tuple(currencies), tuple(reasons), text,
                                       date_from, date_to)
    try:
        total = refund_list.count_refunds(services, actor, filters)
        rows = refund_list.list_refunds(services, actor, filters, limit=1000)
    except PayDeskError as error:
        st.error(str(error))
        total, rows = 0, []
    # One number of decimals per currency down the column.
    amounts = money_column((r["amount"], str(r["currency"])) for r in rows)  # type: ignore[misc]
    shown = pd.DataFrame([{
        "Refund": r["refund_request_id"], "Order": r["merchant_order_id"],
        "Amount": amount,
        "Status": code_label(r["status"], "refund"), "Reason": _reason(r["reason"]),
        "Note": or_empty(r["note"]), "Requested by": or_empty(r["requested_by"]),
        "Approved by": or_empty(r["approved_by"]),
        f"Created ({zone})": format_time(r["created_at"]),
        f"Completed ({zone})": format_time(r["completed_at"]),
        "Error": or_empty(r["error_message"]),
    } for r, amount in zip(rows, amounts, strict=True)])
    st.caption(f"{plural(total, 'refund')} match" + (f"; the newest {len(rows):,} are shown, the "
                                                "export holds all of them" if total > len(rows)
                                                else "."))
    st.dataframe(styled_status(shown, "Status", "refund"), hide_index=True, key="rf_table",
                 column_config=right_aligned("Amount", data=shown))
    if can(actor, "orders.export"):
        st.download_button(
            f"Export {plural(total, 'refund')} as CSV",
            data=lambda: refund_list.export_refunds_csv(services, actor, filters),
            file_name="refunds.csv", mime="text/csv", key="rf_export", on_click="ignore",
            icon=":material/download:")
    if can(actor, "refund.request") or can(actor, "refund.approve"):
        # A callback runs before the page is drawn again: the table above shows the answers
        # in the same run as the click.
        st.button("Check open refunds with the provider now", key="rf_sync",
                  on_click=_check_open_refunds)

with sections["Refund an order"]:
    ref = st.text_input("Order: number, order ID or provider order ID", key="rf_order").strip()
    if ref:
        render_refund_action(ref)
    elif not can(actor, "refund.request"):
        st.info("Refunds are requested by operators.")


@st.dialog("Confirm approval")
def _confirm_approval(request_id: str, comment: str) -> None:
    st.markdown(f"Approve refund `{request_id}`? It is sent to the provider at once.")
    yes, no = st.columns(2)
    if yes.button("Yes, approve and send", key="rf_approve_yes", type="primary"):
        try:
            outcome = decide_refund(services, actor, refund_request_id=request_id, approve=True,
                                    comment=comment)
            state["rf_flash"] = ("success", outcome.message)
        except PayDeskError as error:
            state["rf_flash"] = ("error", str(error))
        state.pop(APPROVE, None)
        st.rerun()
    if no.button("Cancel", key="rf_approve_cancel"):
        state.pop(APPROVE, None)
        st.rerun()


if "Awaiting approval" in sections:
    with sections["Awaiting approval"]:
        flash = state.pop("rf_flash", None)
        if flash:
            getattr(st, flash[0])(flash[1])
        waiting = refund_list.list_refunds(
            services, actor, refund_list.RefundFilter(status=("NEEDS_APPROVAL",)), limit=None)
        if not waiting:
            st.info("No refund waits for approval.")
        else:
            waiting_table = pd.DataFrame([{
                "Refund": r["refund_request_id"], "Order": r["merchant_order_id"],
                "Amount": format_money(r["amount"], str(r["currency"])),  # type: ignore[arg-type]
                "Reason": _reason(r["reason"]), "Note": or_empty(r["note"]),
                "Requested by": or_empty(r["requested_by"]),
                f"Requested ({zone})": format_time(r["created_at"])} for r in waiting])
            st.dataframe(waiting_table, hide_index=True, key="rf_waiting",
                         column_config=right_aligned("Amount", data=waiting_table))
            chosen = st.selectbox("Refund", [r["refund_request_id"] for r in waiting],
                                  key="rf_decide_id")
            comment = st.text_input("Comment (required)", key="rf_decide_comment")
            approve_col, reject_col = st.columns(2)
            if approve_col.button("Approve…", key="rf_approve_open", type="primary"):
                if not comment.strip():
                    st.error("Say why: approving needs a comment.")
                else:
                    state[APPROVE] = (chosen, comment)
            if reject_col.button("Reject", key="rf_reject"):
                try:
                    outcome = decide_refund(services, actor, refund_request_id=str(chosen),
                                            approve=False, comment=comment)
                    state["rf_flash"] = ("info", outcome.message)
                except PayDeskError as error:
                    state["rf_flash"] = ("error", str(error))
                st.rerun()
            if state.get(APPROVE):
                _confirm_approval(*state[APPROVE])

if "Bulk refunds" in sections:
    with sections["Bulk refunds"]:
        render_bulk_upload(
            prefix="bulk_refund", noun="refund", template=bulk_refunds.TEMPLATE,
            preview=lambda data, name, sheet: bulk_refunds.preview(services, actor, data, name,
                                              sheet=sheet),
            apply=lambda checked, token: bulk_refunds.apply(services, actor, checked,
                                                            request_token=token),
            columns={"order": "Order", "amount": "Amount", "reason": "Reason", "note": "Note",
                     "refundable_before": "Refundable before"})
