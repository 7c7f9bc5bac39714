"""The refund action on an order: what is still refundable, the form, and a confirmation dialog.

The dialog is state-driven (the pending request lives in session state and the dialog is drawn
while it is set), so it survives reruns and the "Yes" click is the only thing that moves money.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import code_label, format_money
from dashboard.runtime import get_services
from services.core.access import can
from services.core.errors import PayDeskError
from services.refunds.commands import (
    REASONS,
    RefundOutcome,
    RefundPosition,
    plan_refund,
    refund_position,
    request_refund,
)

PENDING = "refund_pending"
RESULT = "refund_result"
# Set when a refund went through: the next draw starts from an empty form (no old amount, note or
# reason) so the next refund is never the last one's by accident.
CLEAR_FORM = "refund_clear_form"
FORM_KEYS = ("refund_full", "refund_amount", "refund_reason", "refund_note")


def _ask(order_ref: str, whole: bool) -> None:
    """Button callback: runs before the page draws, so a refusal shows on this very click."""
    state = st.session_state
    full = bool(whole or state.get("refund_full"))
    amount = None if full else state.get("refund_amount", "")
    reason, note = state.get("refund_reason") or "", state.get("refund_note", "")
    services, actor = get_services(), signed_in_actor()
    st.session_state.pop(RESULT, None)
    if not reason:
        st.session_state[RESULT] = (order_ref, "error", "Choose a reason for the refund first.")
        return
    try:
        plan = plan_refund(services, actor, order_ref=order_ref, amount=amount, reason=reason,
                           note=note, full=full)
    except PayDeskError as error:
        st.session_state[RESULT] = (order_ref, "error", str(error))
        return
    # The token is fixed when the dialog opens: a double click on "Yes" sends it twice, and the
    # service answers the second with the refund the first one created.
    st.session_state[PENDING] = {"order_ref": order_ref, "plan": plan, "token": uuid4().hex}


def outcome_text(outcome: RefundOutcome, provider_title: str = "") -> str:
    """What became of a refund, in words: the service's message carries its status codes
    ('accepted (REFUNDING)', 'the refund is UNKNOWN') and exact amounts ('12.5000').
    The provider is the one that owns the order, as the outcome or the plan names it."""
    provider_title = outcome.provider_title or provider_title or "the provider"
    amount = format_money(outcome.amount, outcome.currency)
    status = code_label(outcome.status, "refund").lower()
    if outcome.status in ("REFUNDING", "SUCCESS"):
        return f"Refund of {amount} accepted by {provider_title}: {status}"
    if outcome.status == "UNKNOWN":
        return (f"No answer from {provider_title} about the refund of {amount}: PayDesk asks again "
                "with the same refund id, so it is never paid twice")
    if outcome.status == "FAIL":
        return outcome.message[:1].upper() + outcome.message[1:]
    return f"Refund of {amount} is {status}; nothing was sent"


@st.dialog("Confirm refund")
def _confirm(pending: dict[str, Any]) -> None:
    plan = pending["plan"]
    st.markdown(f"Refund **{format_money(plan.amount, plan.currency)}** of order "
                f"`{plan.merchant_order_id}` to the customer.")
    st.markdown(f"Reason: **{REASONS[plan.reason]}**" + (f" — {plan.note}" if plan.note else ""))
    if plan.whole_remainder:
        st.warning(f"This is the last refund {plan.provider_title} allows on this order: it "
                   "refunds the whole remaining amount shown above.", icon=":material/warning:")
    if plan.needs_approval:
        st.info("Above the approval threshold: an approver must release it before it is sent.")
    st.caption("Money leaves the merchant wallet; a refund cannot be undone.")
    yes, no = st.columns(2)
    if yes.button("Yes, refund", key="refund_yes", type="primary"):
        services, actor = get_services(), signed_in_actor()
        try:
            outcome = request_refund(
                services, actor, order_ref=pending["order_ref"], amount=plan.amount,
                reason=plan.reason, note=plan.note, accept_whole_remainder=plan.whole_remainder,
                request_token=pending["token"])
            kind = {"FAIL": "error", "UNKNOWN": "warning"}.get(outcome.status, "success")
            st.session_state[RESULT] = (pending["order_ref"], kind,
                                        f"{outcome_text(outcome, plan.provider_title)} — refund "
                                        f"{outcome.refund_request_id}")
            st.session_state[CLEAR_FORM] = True
        except PayDeskError as error:
            st.session_state[RESULT] = (pending["order_ref"], "error", str(error))
        st.session_state.pop(PENDING, None)
        st.rerun()
    if no.button("Cancel", key="refund_cancel"):
        st.session_state.pop(PENDING, None)
        st.rerun()


def _figures(position: RefundPosition) -> None:
    cells = st.columns(5)
    cells[0].metric("Paid", format_money(position.amount, position.currency))
    cells[1].metric("Refunded", format_money(position.refunded, position.currency))
    cells[2].metric("In progress", format_money(position.in_progress, position.currency))
    cells[3].metric("Still refundable", format_money(position.refundable, position.currency))
    cells[4].metric("Refund attempts left",
                    "no limit" if position.attempts_left is None else str(position.attempts_left))


def render_refund_action(order_ref: str) -> None:
    """Everything about refunding one order; draws nothing for roles that cannot refund."""
    services, actor = get_services(), signed_in_actor()
    if not can(actor, "refund.request"):
        return
    if st.session_state.pop(CLEAR_FORM, False):
        for key in FORM_KEYS:
            st.session_state.pop(key, None)
    result = st.session_state.get(RESULT)
    if result and result[0] == order_ref:
        getattr(st, result[1])(result[2])
    try:
        position = refund_position(services, actor, order_ref)
    except PayDeskError as error:
        st.warning(str(error))
        return
    with st.container(border=True):
        st.subheader("Refund")
        _figures(position)
        if position.refusal:
            st.info(f"No refund possible: {position.refusal.rstrip('.')}.")
            return
        if position.last_attempt:
            st.warning(
                f"Next refund is the last one {position.provider_title} allows on this order: it "
                "refunds the "
                f"whole remaining {format_money(position.refundable, position.currency)}, "
                "whatever amount is entered.", icon=":material/warning:")
        elif position.attempts_left == 2:
            st.caption("After the next refund only one attempt is left, and that one refunds "
                       "the whole remainder.")
        full = st.checkbox("Full refund (everything still refundable)", key="refund_full",
                           value=position.last_attempt, disabled=position.last_attempt)
        st.text_input(f"Amount ({position.currency})", key="refund_amount",
                               disabled=full or position.last_attempt,
                               placeholder=f"at most {position.refundable.normalize():f}")
        # Nothing preselected, also after a refund went through: the reason is the user's.
        st.selectbox("Reason", list(REASONS), format_func=REASONS.__getitem__,
                     key="refund_reason", index=None, placeholder="Choose a reason")
        st.text_input("Note", key="refund_note",
                             help="Required when the reason is Other; kept in the audit log.")
        st.button("Refund…", key="refund_open", icon=":material/undo:", on_click=_ask,
                  args=(order_ref, position.last_attempt))
    pending = st.session_state.get(PENDING)
    if pending and pending["order_ref"] == order_ref:
        _confirm(pending)
