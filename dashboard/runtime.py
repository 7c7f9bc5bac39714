"""The dashboard's only link to the services: one cached Services object per process."""

from __future__ import annotations

import streamlit as st

from services.bootstrap import Services, build_services


@st.cache_resource(show_spinner=False)
def get_services() -> Services:
    # Engine and provider client are thread-safe and shared by all sessions; sessions are not.
    return build_services()
