"""Wallet balances as the provider last reported them, with the moment of the reading, and a
payout's needs set against them (the same figures at upload, approval and send)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.components.formatting import EMPTY, format_money
from dashboard.components.tables import right_aligned
from dashboard.runtime import get_services
from services.core.access import Actor
from services.payouts.balances import (
    BalanceReading,
    FundingCheck,
    provider_label,
    read_balances,
    wallet_label,
)

# One reading per browser session, shared by the pages that show it; "Refresh" reads again.
READING = "wallet_balance_reading"


def when(reading: BalanceReading) -> str:
    settings = get_services().settings
    return f"{reading.read_at.astimezone(settings.zone):%Y-%m-%d %H:%M:%S} {settings.timezone}"


def current_reading(actor: Actor, *, refresh: bool = False) -> BalanceReading:
    reading = st.session_state.get(READING)
    if refresh or not isinstance(reading, BalanceReading):
        reading = read_balances(get_services(), actor)
        st.session_state[READING] = reading
    return reading


def balances_panel(actor: Actor, *, key: str) -> BalanceReading:
    """Balances per provider, wallet and asset, the time of the reading and a refresh button."""
    with st.container(border=True):
        head, button = st.columns([4, 1], vertical_alignment="center")
        refresh = button.button("Refresh balances", key=f"{key}_refresh",
                                icon=":material/refresh:")
        reading = current_reading(actor, refresh=refresh)
        head.markdown("**Wallet balances**")
        if reading.error is not None:
            st.warning(f"The balance could not be read at {when(reading)}: {reading.error}. "
                       "Refresh to try again.", icon=":material/account_balance_wallet:")
            return reading
        st.caption(f"As the provider reported them at {when(reading)}.")
        if not reading.balances:
            st.info("The wallet holds nothing.")
            return reading
        st.dataframe(
            pd.DataFrame([{
                "Provider": provider_label(b.provider, get_services()),
                "Wallet": wallet_label(b.wallet),
                "Asset": b.asset, "Available": format_money(b.available, b.asset),
                "Frozen": format_money(b.frozen, b.asset),
            } for b in reading.balances],
                columns=["Provider", "Wallet", "Asset", "Available", "Frozen"]),
            hide_index=True, key=f"{key}_table", width="stretch",
            column_config=right_aligned("Available", "Frozen"))
    return reading


def funding_table(check: FundingCheck, *, key: str, blocking: bool) -> None:
    """This payout per currency against the wallet; a shortfall is an error where it blocks
    (approval, send) and a warning at upload, where there is time to top up."""
    if not check.rows:
        return
    if not check.readable:
        st.error(f"The wallet balance could not be read ({check.reading.error}), so PayDesk "
                 "cannot tell whether this payout can be funded. Nothing is sent until it can "
                 "be read.", icon=":material/account_balance_wallet:")
    elif check.short:
        text = ("The wallet cannot fund this payout: " + "; ".join(
            f"{r.currency} short by {format_money(r.short_by, r.currency)}"
            for r in check.short) + ".")
        if blocking:
            st.error(text + " Sending stays blocked until the wallet is topped up.",
                     icon=":material/block:")
        else:
            st.warning(text + " Top up before it is sent: sending is blocked while it is short.",
                       icon=":material/account_balance_wallet:")
    st.dataframe(
        pd.DataFrame([{
            "Currency": r.currency, "This payout": format_money(r.needed, r.currency),
            "Wallet holds": EMPTY if r.available is None else format_money(r.available,
                                                                           r.currency),
            "Short by": format_money(r.short_by, r.currency) if r.short_by else EMPTY,
        } for r in check.rows], columns=["Currency", "This payout", "Wallet holds", "Short by"]),
        hide_index=True, key=key,
        column_config=right_aligned("This payout", "Wallet holds", "Short by"))
    st.caption(f"Wallet balance read at {when(check.reading)}.")
