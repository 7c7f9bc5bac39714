"""Settings: the few that may change while running (audited), and the rest with their source."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import format_amount, format_money
from dashboard.components.runtime_settings_form import render_runtime_settings
from dashboard.runtime import get_services
from services.core.runtime_settings import source_of
from services.core.system import describe_configuration

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
own_thresholds = services.settings.refund_approval_thresholds
per_currency = " · ".join(format_money(amount, currency)
                          for currency, amount in own_thresholds.items()) or "none"
default_threshold = format_amount(services.settings.refund_approval_threshold)
amounts = {
    # Compared with each order's own amount, in its own currency (no conversion).
    "PAYDESK_REFUND_APPROVAL_THRESHOLD":
        f"{default_threshold} in the order's currency"
        + (" (currencies without their own)" if own_thresholds else ""),
    "PAYDESK_REFUND_APPROVAL_THRESHOLDS": per_currency,
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
st.caption(
    "A refund needs a second person's approval when, with the order's earlier refunds, it is "
    f"above {per_currency.replace(' · ', ', ')} in those currencies, or above "
    f"{default_threshold} in the order's currency for any other (no conversion)."
    if own_thresholds else
    f"Refunds above {default_threshold} in the order's currency (no conversion) need a second "
    "person's approval."
)
