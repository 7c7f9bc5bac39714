"""Scheduled reports: pick a report and a time of day; the worker writes it every day."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import code_label, format_time, or_empty
from dashboard.runtime import get_services
from services.desk import scheduled_reports as reports
from services.core.errors import PayDeskError
from services.orders.exports.orders import COLUMNS, DEFAULT_COLUMNS
from services.orders.book import KNOWN_STATUSES

FLASH = "reports_flash"
STATUS_WORDS = {reports.RUNNING: "Being written", reports.DONE: "Written",
                reports.FAILED: "Failed"}

services = get_services()
actor = signed_in_actor()
zone = services.settings.zone

st.title("Scheduled reports")
st.caption(
    f"Each schedule writes the previous day's report at its time of day "
    f"(**{services.settings.timezone}**) into `{services.settings.reports_dir}` on the server, "
    "by `paydesk sync --loop` or `paydesk reports run --loop`.")
if (flash := st.session_state.pop(FLASH, None)) is not None:
    st.success(flash, icon=":material/check_circle:")


def _when(moment: object) -> str:
    return format_time(moment.astimezone(zone)) if moment is not None else or_empty(None)  # type: ignore[attr-defined]


def new_schedule() -> None:
    with st.expander("Schedule a report", icon=":material/add_alarm:"):
        report = st.selectbox("Report", list(reports.REPORTS),
                              format_func=reports.REPORTS.__getitem__, key="rep_kind")
        at = st.time_input("Time of day", value=None, step=timedelta(minutes=15),
                           key="rep_time")
        params: dict[str, object] = {}
        if report == "orders":
            statuses = st.multiselect("Only these statuses (none: all)", KNOWN_STATUSES,
                                      format_func=lambda s: code_label(s, "order"),
                                      key="rep_status")
            columns = st.multiselect("Columns", list(COLUMNS), default=list(DEFAULT_COLUMNS),
                                     format_func=lambda c: COLUMNS[c][0], key="rep_columns")
            params = {"status": ",".join(statuses), "columns": columns}
        if st.button("Schedule", type="primary", key="rep_create"):
            if at is None:
                st.error("Pick the time of day the report is written.")
                return
            try:
                made = reports.create_schedule(services, actor, report=report,
                                               time_of_day=at.strftime("%H:%M"), params=params)
            except PayDeskError as error:
                st.error(str(error))
                return
            st.session_state[FLASH] = f"{made.title} scheduled daily at {made.time_of_day}."
            st.rerun()


def schedules() -> None:
    found = reports.list_schedules(services, actor)
    st.subheader("Schedules")
    if not found:
        st.info("No report is scheduled yet.", icon=":material/schedule:")
        return
    for schedule in found:
        with st.container(border=True):
            text, buttons = st.columns([4, 1])
            state = "" if schedule.active else " · paused"
            text.markdown(f"**{schedule.title}** daily at {schedule.time_of_day}{state}")
            text.caption(f"Scheduled by {schedule.created_by}")
            label = "Pause" if schedule.active else "Resume"
            if buttons.button(label, key=f"rep_toggle_{schedule.id}"):
                try:
                    reports.set_active(services, actor, schedule.id, not schedule.active)
                except PayDeskError as error:
                    st.error(str(error))
                else:
                    st.rerun()


def runs() -> None:
    st.subheader("Written reports")
    found = reports.list_runs(services, actor)
    if not found:
        st.info("Nothing written yet: the worker writes each report after its time of day.",
                icon=":material/hourglass_empty:")
        return
    st.dataframe(pd.DataFrame([{
        "Report": r.title, "Day": r.for_day.isoformat(), "Status": STATUS_WORDS[r.status],
        "Rows": or_empty(r.row_count), "Written": _when(r.finished_at),
        "File": or_empty(r.file_name), "Problem": or_empty(r.error)} for r in found]),
        hide_index=True, width="stretch", key="rep_runs")
    ready = [r for r in found if r.status == reports.DONE]
    if not ready:
        return
    labels = {r.id: f"{r.title} · {r.for_day.isoformat()}" for r in ready}
    chosen = st.selectbox("Download", list(labels), format_func=labels.__getitem__,
                          key="rep_pick")
    try:
        name, data = reports.run_file(services, actor, chosen)
    except PayDeskError as error:
        st.warning(str(error))
        return
    st.download_button(f"Download {name}", data=data, file_name=name, mime="text/csv",
                       icon=":material/download:", key="rep_download")


new_schedule()
schedules()
runs()
