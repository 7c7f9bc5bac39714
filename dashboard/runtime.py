"""The dashboard's only link to the services: one cached Services object per process."""

from __future__ import annotations

import streamlit as st

from services.entrypoints.bootstrap import Services, build_services, store_is_current
from services.entrypoints.startup import check_live_store


@st.cache_resource(show_spinner=False)
def get_services() -> Services:
    # Engine and provider client are thread-safe and shared by all sessions; sessions are not.
    # A refusal to start (ConfigurationError) is not cached: the next run checks again.
    services = build_services()
    if store_is_current(services):
        check_live_store(services)
    return services
