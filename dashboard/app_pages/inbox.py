"""Inbox: everything waiting for the signed-in person, and failures they can act on."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import format_money, plural
from dashboard.components.refund_dialog import outcome_text
from dashboard.navigation import link_target, page_for
from dashboard.runtime import get_services
from services.desk import alerts
from services.desk import inbox
from services.core.access import can
from services.core.errors import PayDeskError
from services.payouts import approval, sending
from services.refunds.commands import decide_refund

CONFIRM = "inbox_confirm"
FLASH = "inbox_flash"

services = get_services()
actor = signed_in_actor()
zone = services.settings.zone

st.title("Inbox")
st.caption(f"Everything waiting for you, oldest first. Times are in "
           f"**{services.settings.timezone}**.")
if (flash := st.session_state.pop(FLASH, None)) is not None:
    st.success(flash, icon=":material/check_circle:")

# A failure reported since the last look becomes an alert before the list is drawn.
alerts.collect(services)


@st.dialog("Confirm: money leaves the wallet")
def confirm(pending: dict[str, Any]) -> None:
    st.write(pending["question"])
    left, right = st.columns(2)
    if left.button("Yes, approve and send", type="primary", key="inbox_confirm_yes"):
        try:
            message = pending["run"]()
        except PayDeskError as error:
            st.error(str(error))
            return
        finally:
            st.session_state.pop(CONFIRM, None)
        st.session_state[FLASH] = message
        st.rerun()
    if right.button("Cancel", key="inbox_confirm_no"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()


def _approve_payout(ref: str, comment: str) -> str:
    approval.approve(services, actor, ref, comment)
    with st.spinner(f"Sending the batches of upload {ref}…"):
        outcomes = sending.send_upload(services, actor, ref)
    accepted = sum(o.after not in ("UNKNOWN", "SEND_FAILED") for o in outcomes)
    return (f"Upload {ref} approved: {accepted} of "
            f"{plural(len(outcomes), 'batch', 'batches')} accepted by the provider.")


def _approve_refund(ref: str, comment: str) -> str:
    outcome = decide_refund(services, actor, refund_request_id=ref, approve=True,
                            comment=comment)
    return f"Refund {ref} approved. {outcome_text(outcome)}."


def decision(item: inbox.InboxItem) -> None:
    """Approve or reject right here; the service checks the role and the four-eyes rule."""
    comment = st.text_input("Comment (required)", key=f"inbox_comment_{item.ref}",
                            max_chars=512)
    left, right, _ = st.columns([1, 1, 3])
    approve_it = left.button("Approve…", type="primary", key=f"inbox_approve_{item.ref}")
    reject_it = right.button("Reject", key=f"inbox_reject_{item.ref}")
    if not (approve_it or reject_it):
        return
    if not comment.strip():
        st.error("Say why: approving or rejecting needs a comment.")
        return
    payout = item.source == "payout_approval"
    if approve_it:
        total = ", ".join(format_money(a, c) for a, c in item.amounts)
        st.session_state[CONFIRM] = {
            "question": f"You approve {item.title.lower()} ({total}); it is sent at once.",
            "run": (lambda: _approve_payout(item.ref, comment)) if payout
            else (lambda: _approve_refund(item.ref, comment)),
        }
        return
    try:
        if payout:
            approval.reject(services, actor, item.ref, comment)
        else:
            decide_refund(services, actor, refund_request_id=item.ref, approve=False,
                          comment=comment)
    except PayDeskError as error:
        st.error(str(error))
        return
    st.session_state[FLASH] = f"{item.title} rejected; nothing will be sent."
    st.rerun()


def show(item: inbox.InboxItem) -> None:
    with st.container(border=True):
        head, link = st.columns([4, 1])
        head.markdown(f"**{item.title}**")
        if item.detail:
            head.write(item.detail)
        head.caption(f"Since {item.since.astimezone(zone):%Y-%m-%d %H:%M}")
        page = page_for(item.page, actor.role)
        if page is not None:
            link.page_link(link_target(page), label=f"Open {page.title}",
                           icon=":material/arrow_forward:")
        if item.source == "payout_approval" and can(actor, "payout.approve") \
                and sending.may_send(actor):
            decision(item)
        elif item.source == "refund_approval" and can(actor, "refund.approve"):
            decision(item)
        elif item.source == "alerts":
            if link.button("Mark handled", key=f"inbox_dismiss_{item.ref}"):
                try:
                    alerts.dismiss(services, actor, int(item.ref))
                except PayDeskError as error:
                    st.error(str(error))
                else:
                    st.rerun()


groups = {label: found for label, found in inbox.items(services, actor).items() if found}
if not groups:
    st.info("Nothing is waiting for you.", icon=":material/inbox:")
for label, found in groups.items():
    st.subheader(f"{label} ({len(found)})")
    for item in found:
        show(item)
if (pending := st.session_state.get(CONFIRM)) is not None:
    confirm(pending)
