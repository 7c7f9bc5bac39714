"""Closing an unpaid order: a button, then a confirmation dialog that does the close.

Used by the order detail and by the Payment requests page. The pending close lives in session
state and the dialog is drawn while it is set, so it survives reruns and only "Yes" acts.
"""

from __future__ import annotations

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import format_money
from dashboard.runtime import get_services
from services.core.access import can
from services.core.errors import PayDeskError
from services.orders.payment_requests import (
    PaymentRequest,
    close_refusal,
    close_request,
    get_request,
)

PENDING = "close_order_pending"
RESULT = "close_order_result"


@st.dialog("Close this order?")
def _confirm(request: PaymentRequest) -> None:
    st.markdown(f"Close order `{request.merchant_order_id}` for "
                f"**{format_money(request.amount, request.currency)}** ({request.product_name}).")
    st.caption("The customer can no longer pay it: the checkout link, deeplink and QR code stop "
               "working. A paid order cannot be closed; refund it instead.")
    yes, no = st.columns(2)
    if yes.button("Yes, close it", key="close_order_yes", type="primary"):
        try:
            outcome = close_request(get_services(), signed_in_actor(), request.id)
            st.session_state[RESULT] = (request.id, outcome.kind, outcome.message)
        except PayDeskError as error:
            st.session_state[RESULT] = (request.id, "error", str(error))
        st.session_state.pop(PENDING, None)
        st.rerun()
    if no.button("Keep it open", key="close_order_no"):
        st.session_state.pop(PENDING, None)
        st.rerun()


def render_close_action(order_ref: str | int) -> None:
    """The close button for an open order; draws nothing for other orders or roles."""
    services, actor = get_services(), signed_in_actor()
    if not can(actor, "payment_request.close"):
        return
    try:
        request = get_request(services, actor, order_ref)
    except PayDeskError:
        return  # the caller already says the order is missing
    result = st.session_state.get(RESULT)
    if result and result[0] == request.id:
        getattr(st, result[1])(result[2])
    if not request.is_open:
        return
    refusal = close_refusal(services, request)
    if refusal is not None:
        st.button("Close this unpaid order…", key=f"close_order_open_{request.id}",
                  icon=":material/block:", disabled=True, help=refusal)
        st.caption(f"Cannot be closed here: {refusal}")
        return
    if st.button("Close this unpaid order…", key=f"close_order_open_{request.id}",
                 icon=":material/block:"):
        st.session_state[PENDING] = request.id
    if st.session_state.get(PENDING) == request.id:
        _confirm(request)
