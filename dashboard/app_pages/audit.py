"""Audit: the append-only log of sign-ins, user changes, approvals and money actions."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import (
    DATE_FORMAT,
    EMPTY,
    audit_action_label,
    audit_detail_text,
    audit_target_text,
    format_money,
    humanize_code,
    plural,
    provider_code_text,
    user_names_from_entries,
)
from dashboard.components.tables import right_aligned
from dashboard.runtime import get_services
from services.core import audit
from services.core.access import can
from services.core.errors import PayDeskError

ANY = "(any)"
PAGE_SIZE = 50

services = get_services()
actor = signed_in_actor()
zone_name = services.settings.timezone

st.title("Audit log")
if not can(actor, "audit.view"):
    # Navigation hides this page from other roles; this covers a stale link or session.
    st.error("Your role cannot see the audit log.", icon=":material/block:")
    st.stop()

st.caption(f"Every sign-in, user change, approval and money action, newest first. "
           f"Entries cannot be changed or deleted. Times are in **{zone_name}**.")

user_options, action_options = audit.filter_options(services, actor)


def _usernames() -> dict[str, str]:
    """user id -> username, read from the log's own "User added" entries (any date)."""
    added = audit.search(services, actor, audit.AuditFilter(action="users.add"), page_size=500)
    return user_names_from_entries((r.target_id, r.detail) for r in added.rows)


today = services.now().astimezone(services.settings.zone).date()
columns = st.columns([2, 2, 3])
user = columns[0].selectbox("User", [ANY, *user_options], key="audit_user")
action = columns[1].selectbox(
    "Action", [ANY, *action_options], key="audit_action",
    format_func=lambda code: code if code == ANY else audit_action_label(code))
picked = columns[2].date_input(
    f"Dates ({zone_name})",
    value=(today - timedelta(days=29), today),
    max_value=today,
    key="audit_dates",
    format=DATE_FORMAT,
)
if not isinstance(picked, tuple) or len(picked) != 2:
    st.info("Pick the last day of the range to see its entries.")
    st.stop()

filters = audit.AuditFilter(
    user=None if user == ANY else user,
    action=None if action == ANY else action,
    date_from=picked[0],
    date_to=picked[1],
)
page_number = int(st.session_state.get("audit_page", 1))
try:
    result = audit.search(services, actor, filters, page=page_number, page_size=PAGE_SIZE)
except PayDeskError as error:
    st.error(str(error))
    st.stop()

usernames = _usernames() if any(r.target_type == "user" for r in result.rows) else {}
if result.total == 0:
    st.info("No entries match these filters.")
else:
    entries = [
        {
            f"Time ({zone_name})": row.at.strftime("%Y-%m-%d %H:%M:%S"),
            "User": row.user,
            "Action": audit_action_label(row.action),
            "Target": audit_target_text(row.target_type, row.target_id, usernames),
            "Amount": format_money(row.amount, row.currency or "")
            if row.amount is not None else EMPTY,
            # Outcomes and provider codes are stored as codes (REFUND_SUCCESS); shown as words.
            "Outcome": humanize_code(row.outcome) if row.outcome else EMPTY,
            "Detail": audit_detail_text(row.detail) or EMPTY,
            "Idempotency key": row.idempotency_key or EMPTY,
            "Provider answer": provider_code_text(row.provider_code),
        }
        for row in result.rows
    ]
    st.dataframe(
        entries,
        hide_index=True,
        width="stretch",
        column_config=right_aligned("Amount", data=entries),
    )

footer = st.columns([2, 2, 3])
# The search clamps the page when the filters shrink the result; the widget follows it.
st.session_state["audit_page"] = result.page
footer[0].number_input(
    f"Page (of {result.page_count})", min_value=1, max_value=result.page_count, step=1,
    key="audit_page",
)
footer[1].caption(f"{plural(result.total, 'entry', 'entries')} "
                  f"{'matches' if result.total == 1 else 'match'}")
footer[2].download_button(
    "Export CSV (all matching entries)",
    # Built only when clicked; the export honours the filters and is never cut short.
    data=lambda: audit.export_csv_bytes(services, actor, filters),
    file_name=f"paydesk-audit-{picked[0]:%Y%m%d}-{picked[1]:%Y%m%d}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="audit_export",
)
