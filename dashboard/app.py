"""PayDesk dashboard entry point: page config, mode banner, navigation."""

from __future__ import annotations

import streamlit as st

from dashboard.components.chrome import render_mode_banner
from dashboard.navigation import SECTIONS, page_path

st.set_page_config(page_title="PayDesk", page_icon=":material/payments:", layout="wide")

pages: dict[str, list] = {}
for section in SECTIONS:
    pages.setdefault(section.group, []).append(
        st.Page(
            page_path(section),
            title=section.title,
            icon=section.icon,
            url_path=section.url_path,
            default=section.url_path == "overview",
        )
    )

render_mode_banner()
st.navigation(pages).run()
