"""Settings: the few that may change while running (audited), and the rest with their source."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import format_amount
from dashboard.components.runtime_settings_form import render_runtime_settings
from dashboard.runtime import get_services
from services.runtime_settings import source_of
from services.system import describe_configuration

services = get_services()
st.title("Settings")
if (flash := st.session_state.pop("settings_flash", None)) is not None:
    st.success(flash, icon=":material/check_circle:")
render_runtime_settings()
st.subheader("Configuration")
st.caption(
    "PayDesk reads the rest of its configuration from the environment and `.env` at start-up. "
    "Change a value there and restart; `.env.example` documents every setting."
)
description = describe_configuration(services, signed_in_actor())
# Amounts with thousands separators; every other value is shown as the service words it.
amounts = {
    # A bare number compared with each order's own amount, in its own currency (no conversion).
    "PAYDESK_REFUND_APPROVAL_THRESHOLD":
        f"{format_amount(services.settings.refund_approval_threshold)} in the order's currency",
    "PAYDESK_PAYOUT_LINE_CAP_USD": format_amount(services.settings.payout_line_cap_usd,
                                                 min_places=0),
}
st.dataframe(
    [{"Setting": row.label, "Value": amounts.get(row.variable, row.value),
      "Variable": row.variable, "Comes from": source_of(services, row.variable)}
     for row in description],
    hide_index=True,
    width="stretch",
    column_config={"Value": st.column_config.TextColumn(width="large")},
)
st.caption(f"Refunds above {format_amount(services.settings.refund_approval_threshold)} "
           "in the order's currency (e.g. USDT or BTC; no conversion) need a second person's "
           "approval.")
