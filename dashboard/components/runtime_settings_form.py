"""The settings an admin may change while PayDesk runs: one small form each, audited."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import format_time
from dashboard.runtime import get_services
from services.core import runtime_settings
from services.core.errors import PayDeskError


def render_runtime_settings() -> None:
    services, actor = get_services(), signed_in_actor()
    zone = services.settings.zone
    st.subheader("Change while running")
    st.caption("These take effect from the next click, for everyone, and are audited. "
               "“Use the environment's” forgets the change made here.")
    for row in runtime_settings.describe(services):
        with st.container(border=True):
            text, form = st.columns([2, 3])
            text.markdown(f"**{row.label}**")
            when = (f" on {format_time(row.changed_at.astimezone(zone))}"
                    if row.changed_at else "")
            text.caption(f"Now: {row.value} · {row.source}{when} · `{row.variable}`")
            with form.form(f"setting_{row.key}", border=False):
                value = st.text_input("New value", key=f"setting_value_{row.key}",
                                      placeholder=row.value, label_visibility="collapsed")
                save, revert = st.columns(2)
                changed = save.form_submit_button("Save", type="primary")
                reverted = revert.form_submit_button("Use the environment's",
                                                     disabled=row.changed_at is None)
            try:
                if changed:
                    done = runtime_settings.change(services, actor, row.key, value)
                    st.session_state["settings_flash"] = f"{done.label}: now {done.value}."
                    st.rerun()
                if reverted:
                    runtime_settings.revert(services, actor, row.key)
                    st.rerun()
            except PayDeskError as error:
                form.error(str(error))
