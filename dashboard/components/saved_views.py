"""Saved views of a page: save the current filters and columns by name, reopen or share them."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.runtime import get_services
from services.desk import saved_views
from services.core.errors import PayDeskError


def render_saved_views(page: str, page_file: str, params: dict[str, str]) -> None:
    """In the sidebar: the user's views of `page` as links, and a form to save `params`."""
    services, actor = get_services(), signed_in_actor()
    with st.sidebar.expander("Saved views", icon=":material/bookmarks:"):
        for view in saved_views.mine(services, actor, page):
            link, remove = st.columns([4, 1])
            link.page_link(page_file, label=view.name, query_params=view.params)
            if remove.button("✕", key=f"view_remove_{view.id}", help=f"Delete {view.name}"):
                try:
                    saved_views.remove(services, actor, view.id)
                except PayDeskError as error:
                    st.error(str(error))
                else:
                    st.rerun()
            st.caption(f"Share: `{view.link}`")
        name = st.text_input("Name for the current filters and columns", key=f"view_name_{page}",
                             max_chars=saved_views.NAME_MAX)
        if st.button("Save this view", key=f"view_save_{page}"):
            try:
                saved = saved_views.save(services, actor, page, name, params)
            except PayDeskError as error:
                st.error(str(error))
            else:
                st.toast(f"Saved the view '{saved.name}'.")
                st.rerun()
