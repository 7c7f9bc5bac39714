"""Items in progress refresh on their own while the page is open.

Call `follow_in_progress(...)` above the table it concerns. On every full run of the page it asks
the provider first, so the table below is drawn from the fresh answer in the same run; between
runs a fragment asks again every few seconds and redraws the page only when something moved.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import plural
from dashboard.runtime import get_services
from services.core.errors import PayDeskError
from services.desk.follow import check_open, open_items

FOLLOW_SECONDS = 5


def follow_in_progress(kind: str, *, key: str, noun: str, nouns: str | None = None,
                       upload_ref: str | None = None) -> None:
    # A new token per full run: the fragment tells its own timed runs from the page's runs
    # (only a timed run that found news needs to redraw the whole page).
    page_run = f"{key}_page_run"
    st.session_state[page_run] = uuid4().hex

    @st.fragment(run_every=timedelta(seconds=FOLLOW_SECONDS))
    def poll() -> None:
        services, actor = get_services(), signed_in_actor()
        seen = f"{key}_seen_run"
        timed = st.session_state.get(seen) == st.session_state.get(page_run)
        st.session_state[seen] = st.session_state.get(page_run)
        try:
            moved = check_open(services, actor, kind, upload_ref=upload_ref)
            still = open_items(services, actor, kind, upload_ref=upload_ref).count
        except PayDeskError as error:
            st.caption(f"Could not check the {nouns or noun + 's'} in progress: {error}")
            return
        if moved and timed:
            st.rerun()
        if still:
            checked = services.now().astimezone(services.settings.zone)
            st.caption(f"{plural(still, noun, nouns)} in progress · checked with the provider "
                       f"at {checked:%H:%M:%S} {services.settings.timezone}; this page updates "
                       "on its own.")

    poll()
