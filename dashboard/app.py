"""PayDesk dashboard entry point: page config, mode banner, sign-in gate, navigation."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import gate, render_session_sidebar
from dashboard.components.chrome import render_layout_fixes, render_mode_banner
from dashboard.navigation import inbox_title, page_path, sections_for
from dashboard.runtime import get_services
from services.desk import inbox
from services.core import runtime_settings
from services.core.errors import ConfigurationError

st.set_page_config(page_title="PayDesk", page_icon=":material/payments:", layout="wide")

render_layout_fixes()
try:
    get_services()
except ConfigurationError as refusal:
    # Live mode with unsafe settings or demo accounts: say what to fix, show nothing else.
    st.title("PayDesk cannot start")
    st.error(str(refusal), icon=":material/block:")
    st.stop()

render_mode_banner()
# Nothing below runs before sign-in: the gate shows the sign-in page and stops the run.
actor = gate()
# An admin's run-time setting changes (threshold, time zone...) apply from the next click on.
runtime_settings.apply(get_services())
waiting = inbox.count(get_services(), actor)

# Only the sections the role may use are registered, so their URLs do not even exist for others.
pages: dict[str, list] = {}
for section in sections_for(actor.role):
    pages.setdefault(section.group, []).append(
        st.Page(
            page_path(section),
            title=inbox_title(waiting) if section.url_path == "inbox" else section.title,
            icon=section.icon,
            url_path=section.url_path,
            default=section.url_path == "overview",
        )
    )

render_session_sidebar(actor)
# Every section stays listed: with the desk pages an admin has more than the 12 Streamlit shows
# before folding the rest behind "View more".
st.navigation(pages, expanded=True).run()
