"""One order in full: status, money, every field, links, refunds and the timeline."""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard.components.badges import badge_color, styled_status
from dashboard.components.formatting import (
    audit_action_label,
    audit_detail_text,
    code_label,
    format_money,
    provider_code_text,
    status_label,
)
from dashboard.components.tables import right_aligned
from dashboard.navigation import CUSTOMERS_PAGE
from services.orders.book import OrderDetail, TimelineEvent

# Material icons: emoji depend on the viewer's fonts and show as empty boxes on some desktops.
_OUTCOME_ICONS = {"ok": ":green[:material/check_circle:]", "failed": ":red[:material/cancel:]",
                  "pending": ":orange[:material/schedule:]", "info": ":gray[:material/receipt:]"}
_REFUND_ENDINGS = {"SUCCESS": "Refund succeeded", "FAIL": "Refund failed",
                   "REJECTED": "Refund rejected"}
_KIND_LABELS = {"order": "Order", "refund": "Refund", "webhook": "Webhook", "audit": "Staff"}


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def _event_title(event: TimelineEvent) -> str:
    if event.kind == "audit" and event.code:
        return audit_action_label(event.code)
    if event.kind == "refund" and event.code:
        return _REFUND_ENDINGS.get(event.code, event.title)
    return event.title


def _part_words(part: str) -> str:
    """The service names the provider's answer code ('provider code 000000'): in words here."""
    if part.startswith(_PROVIDER_CODE):
        answer = provider_code_text(part[len(_PROVIDER_CODE):].strip())
        return "" if answer == "Accepted" else f"provider: {answer.lower()}"
    return part if not _RAW.match(part) else code_label(part, "refund")


_PROVIDER_CODE = "provider code "
_RAW = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")


def _event_detail(event: TimelineEvent) -> str:
    """The event's facts with money formatted and codes as words; plain text when it has none."""
    if event.amount is None and not (event.parts or event.data or event.reason):
        return event.detail
    pieces = [format_money(event.amount, event.currency) if event.amount is not None else "",
              code_label(event.reason, "reason") if event.reason else "",
              *(_part_words(part) for part in event.parts), audit_detail_text(event.data or None)]
    return " · ".join(p for p in pieces if p)


def render_order_detail(detail: OrderDetail) -> None:
    order = detail.order
    head = st.columns([3, 1])
    head[0].subheader(f"Order {order.merchant_order_id}")
    with head[1]:
        st.badge(status_label(order.status), color=badge_color(order.status))  # type: ignore[arg-type]
    st.caption(f"Times in **{detail.timezone}** · internal id {order.id}")
    for note in [order.review_note, *(r.review_note for r in detail.refunds)]:
        if note:
            st.warning(f"Needs review: {note}.", icon=":material/report:")

    tiles = st.columns(3)
    tiles[0].metric("Amount", format_money(order.amount, order.currency), border=True)
    tiles[1].metric("Refunded", format_money(order.refunded_amount, order.currency), border=True)
    tiles[2].metric("Fee", format_money(order.fee, order.currency) if order.fee is not None
                    else "—", border=True)

    fields, timeline = st.columns([2, 3])
    with fields:
        st.markdown("**Order**")
        rows = [
            ("Order ID", order.merchant_order_id),
            ("Provider order ID", order.provider_order_id or "—"),
            ("Transaction id", order.transaction_id or "—"),
            ("Provider", code_label(order.provider, "provider")),
            ("Status", status_label(order.status)),
            # The provider's own word (as last applied), in words like every other code here.
            ("Provider status", code_label(order.provider_status, "provider_status")),
            ("Product", order.product_name or "—"),
            ("Product type", code_label(order.product_type, "product_type")),
            ("Created", _when(order.created_at)),
            ("Expires", _when(order.expires_at)),
            ("Paid", _when(order.paid_at)),
            ("Closed", _when(order.closed_at)),
            ("Last update", _when(order.updated_at)),
        ]
        st.dataframe([{"Field": k, "Value": v} for k, v in rows], hide_index=True,
                     width="stretch", key="order_detail_fields")
        st.markdown("**Payer**")
        st.dataframe(
            [{"Field": "Customer e-mail", "Value": order.customer_email or "—"},
             *({"Field": k, "Value": v} for k, v in detail.payer.items()),
             {"Field": "Payer id", "Value": order.payer_id or "—"}],
            hide_index=True, width="stretch", key="order_detail_payer",
        )
        if order.customer_email:
            st.page_link(CUSTOMERS_PAGE, label="Everything from this customer",
                         icon=":material/person:", query_params={"email": order.customer_email})
        links = {k: v for k, v in detail.links.items() if v}
        if links:
            st.markdown("**Links**")
            for label, value in links.items():
                st.text_input(label, value=value, disabled=True, key=f"order_link_{label}")
    with timeline:
        st.markdown("**Timeline**")
        for event in detail.timeline:
            icon = _OUTCOME_ICONS.get(event.outcome, "•")
            # A webhook's title already says where it came from ("... (webhook)").
            kind = "" if event.kind == "webhook" else f" · {_KIND_LABELS[event.kind]}"
            line = f"{icon} `{_when(event.at)}` **{_event_title(event)}**{kind}"
            st.markdown(line)
            if text := _event_detail(event):
                st.caption(text)
        if detail.refunds:
            st.markdown("**Refunds**")
            refunds = pd.DataFrame(
                [{"Refund id": r.refund_request_id,
                  "Amount": format_money(r.amount, r.currency),
                  "Status": code_label(r.status, "refund"),
                  "Reason": code_label(r.reason, "reason"),
                  "Requested": _when(r.created_at), "Completed": _when(r.completed_at)}
                 for r in detail.refunds])
            st.dataframe(styled_status(refunds, "Status", "refund"), hide_index=True,
                         width="stretch", key="order_detail_refunds",
                         column_config=right_aligned("Amount", data=refunds))
