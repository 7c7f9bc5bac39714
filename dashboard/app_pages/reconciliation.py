"""Reconciliation: match a period against provider statements, explain every break, export."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import (
    DATE_FORMAT,
    EMPTY,
    format_amount,
    humanize_code,
    or_empty,
    plural,
)
from dashboard.components.reconciliation_chart import CLASS_LABELS, breaks_figure
from dashboard.components.tables import right_aligned
from dashboard.runtime import get_services
from services.core.access import can
from services.core.errors import PayDeskError
from services.reconciliation import reports
from services.reconciliation import runs
from services.demo import statement_simulation as simulate
from services.reconciliation import statements
from services.reconciliation.statements import FIELDS, REQUIRED, ColumnMapping

RUN_KEY = "recon_run_id"
BREAKS = [k for k in CLASS_LABELS if k != "matched"]

services = get_services()
actor = signed_in_actor()
zone = services.settings.timezone
today = services.now().astimezone(services.settings.zone).date()
sandbox = services.settings.mode == "sandbox"

st.title("Reconciliation")
st.caption(f"Days and times in **{zone}**. A break is any item that is not matched exactly; "
           "resolve it with a note once it is explained.")

# --- start a run ---------------------------------------------------------------------------------

if can(actor, "reconciliation.run"):
    with st.expander("Start a reconciliation run", expanded=RUN_KEY not in st.session_state):
        first_of_month = today.replace(day=1)
        last_month_end = first_of_month - timedelta(days=1)
        cols = st.columns(3)
        start = cols[0].date_input("From", value=last_month_end.replace(day=1),
                                   max_value=today, format=DATE_FORMAT, key="recon_from")
        end = cols[1].date_input("To", value=last_month_end, max_value=today,
                                 format=DATE_FORMAT, key="recon_to")
        window = cols[2].number_input("Time window (minutes)", 0, 1440, 10, key="recon_window",
                                      help="Lines without ids match on amount and currency "
                                           "within this many minutes.")
        known = statements.list_statements(services, actor)
        labels = {s.id: f"#{s.id} {s.file_name} ({s.source}, {plural(s.line_count, 'line')})" for s in known}
        chosen = st.multiselect("Statements already imported", list(labels),
                                format_func=lambda i: labels[i], key="recon_statements")
        pull = st.checkbox("Pull Binance Pay transaction reports for the period", value=not sandbox,
                           key="recon_pull")
        sample = False
        if sandbox:
            sample = st.checkbox("Sandbox: build the provider statement from PayDesk's records, "
                                 "with one injected difference of each kind", key="recon_sample")
        upload = st.file_uploader("Upload a statement (CSV or XLSX)", type=["csv", "xlsx"],
                                  key="recon_upload")
        mapping = None
        source = ""
        sheet = None
        if upload is not None:
            source = st.text_input("Whose statement is it (source)?", value="upload",
                                   key="recon_source")
            if st.session_state.get("recon_sheet_file") != (upload.name, upload.size):
                # Another file: its sheets are not the last one's.
                st.session_state["recon_sheet_file"] = (upload.name, upload.size)
                st.session_state.pop("recon_sheet", None)
            sheet = st.session_state.get("recon_sheet")
            try:
                header, read_sheet, sheets = statements.preview_upload(
                    upload.getvalue(), upload.name, sheet)
            except PayDeskError as error:
                st.error(str(error))
                header, read_sheet, sheets = [], None, ()
            if len(sheets) > 1 and read_sheet in sheets:
                sheet = st.selectbox("Sheet", list(sheets), index=sheets.index(read_sheet),
                                     key="recon_sheet", help="The workbook has several sheets; "
                                     "PayDesk reads the one chosen here.")
            saved = (statements.saved_mapping(services, source)
                     or statements.guess_mapping(header) or ColumnMapping(columns={}))
            st.caption("Which column holds what (saved for this source on import).")
            picks: dict[str, str] = {}
            grid = st.columns(3)
            for index, name in enumerate(FIELDS):
                options = ["—", *header]
                current = saved.columns.get(name, "—")
                picked = grid[index % 3].selectbox(
                    name + (" *" if name in REQUIRED else ""), options,
                    index=options.index(current) if current in options else 0,
                    key=f"recon_map_{name}")
                if picked != "—":
                    picks[name] = picked
            tz = st.text_input("Time zone of times without an offset", saved.timezone,
                               key="recon_map_tz")
            signed = st.checkbox("Amounts carry their sign (refunds and payouts negative)",
                                 value=saved.signed_amounts, key="recon_map_signed")
            mapping = ColumnMapping(columns=picks, timezone=tz, signed_amounts=signed)
        if st.button("Run reconciliation", type="primary", key="recon_start"):
            try:
                with st.status("Reconciling…", expanded=False) as status:
                    ids = set(chosen)
                    if upload is not None:
                        result = statements.import_statement(
                            services, actor, upload.getvalue(), file_name=upload.name,
                            source=source, mapping=mapping, sheet=sheet)
                        if result.already_imported:
                            st.info(f"{upload.name} was imported before (statement "
                                    f"#{result.statement_id}); using that one.")
                        ids.add(result.statement_id)
                    if sample:
                        built = simulate.sandbox_statement(services, start, end, inject=True)
                        ids.add(statements.import_statement(
                            services, actor, built.content, file_name=f"sandbox_{start}_{end}.csv",
                            source="sandbox").statement_id)
                    if pull:
                        status.update(label="Pulling provider reports…")
                        ids.update(r.statement_id for r in statements.pull_provider_statements(
                            services, actor, start, end))
                    status.update(label="Matching…")
                    run = runs.start_run(services, actor, start=start, end=end,
                                         statement_ids=sorted(ids), window_minutes=int(window))
                    status.update(label=f"Run #{run.id} done", state="complete")
                st.session_state[RUN_KEY] = run.id
            except PayDeskError as error:
                st.error(str(error))

# --- open a run ----------------------------------------------------------------------------------

all_runs = runs.list_runs(services, actor)
if not all_runs:
    st.info("No reconciliation run yet." + (" Start one above." if can(actor, "reconciliation.run")
                                            else " An operator or approver can start one."))
    st.stop()
by_id = {r.id: r for r in all_runs}
if st.session_state.get(RUN_KEY) not in by_id:
    st.session_state[RUN_KEY] = all_runs[0].id
run_id = st.selectbox(
    "Run", list(by_id), key=RUN_KEY,
    format_func=lambda i: f"#{i} · {by_id[i].period_start} – {by_id[i].period_end} · "
                          f"{plural(by_id[i].break_count, 'open break')} · "
                          f"by {by_id[i].created_by}")
run = runs.get_run(services, actor, run_id)
provider_items = runs.provider_item_count(services, run.id)
st.caption(f"Period {run.period_start} – {run.period_end} ({run.timezone}) · statements "
           f"{', '.join(f'#{i}' for i in run.statement_ids) or 'none'} · "
           f"{plural(run.ledger_count, 'PayDesk item')} · "
           f"{plural(run.statement_line_count, 'statement line')} making "
           f"{plural(provider_items, 'provider item')} (fee and return lines count with the "
           f"payment or payout they belong to) · window {run.window_minutes} min")

summary = runs.break_summary(services, actor, run.id)
tiles = st.columns(len(CLASS_LABELS))
for tile, (klass, label) in zip(tiles, CLASS_LABELS.items(), strict=True):
    if klass == "matched":
        tile.metric(label, f"{run.totals.get(klass, 0):,}")
        continue
    resolved = summary.resolved_by_class.get(klass, 0)
    tile.metric(label, f"{summary.open_by_class.get(klass, 0):,}",
                help=f"Open breaks of this kind; {resolved:,} resolved, "
                     f"{run.totals.get(klass, 0):,} found by the run.")
if summary.open:
    st.warning(f"{plural(summary.open, 'break')} still unresolved.")
else:
    st.success("Every item is matched or explained.")

if summary.open_per_day:
    st.plotly_chart(breaks_figure(summary.open_per_day, run.timezone), key="recon_chart")

if can(actor, "reconciliation.run"):
    with st.expander("Remove this run"):
        st.caption("For a run against the wrong statement or period. PayDesk's records and the "
                   "statements stay; the removal is in the audit log.")
        sure = st.checkbox(f"Yes, remove run #{run.id} and its {plural(run.breaks, 'break')}",
                           key="recon_discard_sure")
        if st.button("Remove run", key="recon_discard", disabled=not sure):
            try:
                runs.discard_run(services, actor, run.id)
            except PayDeskError as error:
                st.error(str(error))
            else:
                st.session_state.pop(RUN_KEY, None)
                st.session_state.pop("recon_discard_sure", None)
                st.rerun()

# --- drill-down ----------------------------------------------------------------------------------

st.subheader("Lines")
filters = st.columns([3, 1])
classes = filters[0].multiselect("Classes", list(CLASS_LABELS), default=BREAKS,
                                 format_func=CLASS_LABELS.__getitem__, key="recon_classes")
open_only = filters[1].toggle("Unresolved only", value=False, key="recon_open_only")
items = runs.list_items(services, actor, run.id, classes=classes, unresolved_only=open_only)
zone_info = services.settings.zone
table = pd.DataFrame({
    "Id": [i.id for i in items],
    f"Time ({zone})": [i.occurred_at.astimezone(zone_info).strftime("%Y-%m-%d %H:%M:%S")
                       for i in items],
    "Class": [CLASS_LABELS[i.klass] for i in items],
    "Type": [humanize_code(i.kind) for i in items],
    "Merchant id": [or_empty(i.ledger_ref) for i in items],
    "Provider id": [or_empty(i.provider_ref) for i in items],
    "Currency": [i.currency for i in items],
    "PayDesk": [format_amount(i.ledger_amount) for i in items],
    "Provider": [format_amount(i.provider_amount) for i in items],
    "Difference": [format_amount(i.difference) for i in items],
    "Fee difference": [format_amount(i.fee_difference) for i in items],
    "PayDesk status": [humanize_code(i.ledger_status) if i.ledger_status else EMPTY
                       for i in items],
    "Provider status": [humanize_code(i.provider_status) if i.provider_status else EMPTY
                        for i in items],
    "Resolved": [("✓ " + (i.note or "")) if i.resolved else EMPTY for i in items],
})
if not any(i.provider_status for i in items):
    table = table.drop(columns=["Provider status"])  # the statement does not carry statuses
picked = st.dataframe(table, hide_index=True, on_select="rerun", selection_mode="single-row",
                      key="recon_lines", width="stretch",
                      column_config=right_aligned("PayDesk", "Provider", "Difference",
                                                  "Fee difference", data=table))
st.caption(f"{plural(len(items), 'line')}.")
rows = picked.selection.rows if picked is not None else []  # type: ignore[attr-defined]
if rows:
    item = items[rows[0]]
    st.markdown(f"**{CLASS_LABELS[item.klass]}** · {item.kind} `{item.ledger_ref or '—'}` · "
                f"provider `{item.provider_ref or '—'}` · matched by {item.matched_by or '—'}")
    if item.resolved:
        st.info(f"Resolved by {item.resolved_by}: {item.note}")
    elif item.klass == "matched":
        st.caption("Matched: nothing to resolve.")
    elif not can(actor, "reconciliation.resolve"):
        st.info("Only an approver can mark a break resolved (four eyes on the books): ask one "
                "to open this run, select this line and explain it.", icon=":material/lock:")
    else:
        note = st.text_area("Why is this difference acceptable?", key="recon_note")
        if st.button("Mark resolved", key="recon_resolve"):
            try:
                runs.resolve_item(services, actor, item.id, note)
                st.session_state.pop("recon_lines", None)
                st.rerun()
            except PayDeskError as error:
                st.error(str(error))

# --- exports -------------------------------------------------------------------------------------

st.subheader("Reports")
for name, (title, _) in reports.REPORTS.items():
    cols = st.columns([2, 1, 1])
    cols[0].write(title)
    for col, fmt in zip(cols[1:], ("csv", "xlsx"), strict=True):
        col.download_button(
            f"{fmt.upper()}",
            data=lambda name=name, fmt=fmt: reports.export_report(services, actor, run.id, name,
                                                                  fmt),
            file_name=reports.file_name(run, name, fmt), on_click="ignore",
            key=f"recon_dl_{name}_{fmt}", icon=":material/download:",
            help=f"{title} as {fmt.upper()}",
        )
