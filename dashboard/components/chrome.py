"""Elements every page shares: the mode banner and the not-yet-built notice."""

from __future__ import annotations

import streamlit as st

from dashboard.runtime import get_services


def render_mode_banner() -> None:
    settings = get_services().settings
    if settings.is_sandbox:
        st.sidebar.info(
            "**Sandbox mode**: no real money moves. Binance Pay is simulated in-process.",
            icon=":material/science:",
        )
    else:
        st.sidebar.warning("**Live mode**: actions move real money.", icon=":material/bolt:")
    if settings.base_url_is_custom:
        # Allowed only with BINANCE_PAY_ALLOW_CUSTOM_BASE_URL; nobody should forget it is on.
        st.error(
            f"**Binance Pay host override**: live calls go to {settings.binance_pay_base_url}, "
            "not Binance Pay's own host (BINANCE_PAY_ALLOW_CUSTOM_BASE_URL is set).",
            icon=":material/warning:",
        )


def not_built_yet(title: str, what: str) -> None:
    st.title(title)
    st.info(f"{what} is not built yet.", icon=":material/construction:")
