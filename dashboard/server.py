"""What `streamlit run` serves: the dashboard (app.py) plus the session cookie route.

Streamlit finds the `app` below and serves it as an ASGI app (st.App); the pages are unchanged.
"""

from __future__ import annotations

import streamlit as st

from dashboard.session_cookie import routes

app = st.App("app.py", routes=routes())
