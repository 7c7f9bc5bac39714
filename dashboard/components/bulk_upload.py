"""Bulk refund / bulk debit upload: file, findings by line and column, preview, confirm, apply."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pandas as pd
import streamlit as st

from dashboard.components.formatting import format_money, plural
from dashboard.components.tables import right_aligned
from services.files.bulk import BulkPreview, BulkResult
from services.core.errors import PayDeskError
from services.payouts.report import error_report_csv


def render_bulk_upload(
    *,
    prefix: str,
    noun: str,
    template: str,
    preview: Callable[[bytes, str, str | None], BulkPreview],
    apply: Callable[[BulkPreview, str], list[BulkResult]],
    columns: dict[str, str],
) -> None:
    """`prefix` keys the widgets and state; `columns` maps planned fields to table headers;
    `preview(data, file name, sheet)` checks a file (sheet None: the first visible one)."""
    state = st.session_state
    checked_key, confirm_key, results_key = (f"{prefix}_checked", f"{prefix}_confirm",
                                             f"{prefix}_results")
    sheet_key = f"{prefix}_sheet"
    st.download_button("Template CSV", template.encode("utf-8-sig"),
                       file_name=f"{prefix}_template.csv", key=f"{prefix}_template",
                       icon=":material/download:", on_click="ignore")
    upload = st.file_uploader(f"Bulk {noun} file (CSV or XLSX)", type=["csv", "txt", "xlsx"],
                              key=f"{prefix}_file")
    if upload is None:
        state.pop(checked_key, None)
    else:
        data = upload.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        checked_before = state.get(checked_key, (None, None))
        if checked_before[0] != digest:
            state.pop(sheet_key, None)  # a new file starts from its first visible sheet
        wanted = state.get(sheet_key)
        if checked_before[0] != digest or (wanted and wanted != checked_before[1].sheet):
            try:
                state[checked_key] = (digest, preview(data, upload.name, wanted))
            except PayDeskError as error:
                state.pop(checked_key, None)
                st.error(str(error))
    results: list[BulkResult] | None = state.get(results_key)
    if results:
        st.success(f"{plural(len(results), 'line')} handled; each line's outcome is below.")
        st.dataframe(pd.DataFrame([vars(r) for r in results]), hide_index=True,
                     key=f"{prefix}_results_table")
    checked = state.get(checked_key)
    if not checked:
        return
    result: BulkPreview = checked[1]
    if len(result.sheets) > 1 and result.sheet in result.sheets:
        st.selectbox("Sheet", list(result.sheets), index=result.sheets.index(result.sheet),
                     key=sheet_key, help="The workbook has several sheets; PayDesk reads one. "
                     "Choose the sheet that holds the lines.")
    st.markdown(f"{_bold(plural(result.total_lines, 'line'))}: **{len(result.lines):,}** ready, "
                f"{_bold(plural(result.errors, 'error'))}, "
                f"{_bold(plural(result.warnings, 'warning'))}.")
    if result.findings:
        st.dataframe(pd.DataFrame(
            [{"Line": "" if f.line is None else str(f.line), "Column": f.column or "",
              "Value": f.value or "", "Severity": f.severity.capitalize(),
              "Problem and how to fix it": f.message, "Code": f.code}
             for f in result.findings]),
            hide_index=True, key=f"{prefix}_findings",
            column_config={"Problem and how to fix it": st.column_config.TextColumn(
                width="large"), "Code": st.column_config.TextColumn(width="small")})
        st.download_button("Findings as CSV", error_report_csv(result.findings),
                           file_name=f"{prefix}_findings.csv", key=f"{prefix}_findings_csv",
                           on_click="ignore")
    if result.lines:
        planned = pd.DataFrame([_row(line.line, line.planned, columns) for line in result.lines])
        st.dataframe(planned, hide_index=True, key=f"{prefix}_preview",
                     column_config=right_aligned(columns.get("amount", "Amount"), data=planned))
    if result.errors:
        st.warning("Fix the errors and upload the file again; nothing is sent while the file "
                   "has errors.")
        return
    if st.button(f"{noun.capitalize()} {plural(len(result.lines), 'line')}…", key=f"{prefix}_open",
                 type="primary"):
        state[confirm_key] = True
    if state.get(confirm_key):
        _confirm(prefix, noun, result, apply)


def _bold(counted: str) -> str:
    """'**3** lines': the number in bold, the noun plain."""
    number, _, noun = counted.partition(" ")
    return f"**{number}** {noun}"


def _row(line: int, planned: dict[str, Any], columns: dict[str, str]) -> dict[str, object]:
    row: dict[str, object] = {"Line": line}
    for name, header in columns.items():
        value = planned.get(name)
        if name == "amount":
            value = format_money(value, str(planned.get("currency", "")))  # type: ignore[arg-type]
        row[header] = "" if value is None else str(value)
    return row


@st.dialog("Confirm bulk action")
def _confirm(prefix: str, noun: str, result: BulkPreview,
             apply: Callable[[BulkPreview, str], list[BulkResult]]) -> None:
    totals: dict[str, Any] = {}
    for line in result.lines:
        currency = str(line.planned.get("currency", ""))
        totals[currency] = totals.get(currency, 0) + line.planned["amount"]
    st.markdown(f"{noun.capitalize()} {_bold(plural(len(result.lines), 'line'))}: "
                + ", ".join(format_money(v, c) for c, v in totals.items()) + ".")
    st.caption("Each line is checked again when it is sent; a line that no longer fits says why.")
    yes, no = st.columns(2)
    # One token per confirmation: applying the same preview twice (a double click) sends nothing
    # new, because every line carries this token into the service.
    token = st.session_state.setdefault(f"{prefix}_token", uuid4().hex)
    if yes.button("Yes, go", key=f"{prefix}_yes", type="primary"):
        st.session_state[f"{prefix}_results"] = apply(result, token)
        for key in (f"{prefix}_confirm", f"{prefix}_checked", f"{prefix}_token"):
            st.session_state.pop(key, None)
        st.rerun()
    if no.button("Cancel", key=f"{prefix}_cancel"):
        st.session_state.pop(f"{prefix}_confirm", None)
        st.rerun()
