"""Payouts: upload a file, see every problem, submit; a second person approves and sends; every
batch and line followed to its end."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import PurePath
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components import payout_tables as tables
from dashboard.components.balances import balances_panel, funding_table
from dashboard.components.follow import follow_in_progress
from dashboard.components.formatting import code_label, format_money, or_empty, plural, the
from dashboard.runtime import get_services
from services.core.access import can
from services.payouts.balances import FundingCheck
from services.core.errors import PayDeskError
from services.payouts import approval, drafts, following, not_sent, sending, states, views
from services.payouts.file_format import template_csv
from services.payouts.planning import new_upload_ref, plan_batches
from services.payouts.terms import payout_terms
from services.files.reading import UnreadableFileError
from services.payouts.report import error_report_csv, summary_counts
from services.payouts.validation import CurrencyTotal, PayoutRules

UPLOAD = "payout_upload_state"
CONFIRM = "payout_confirm"
FLASH = "payout_flash"
SHEET = "payout_sheet"
NEW, APPROVE, FOLLOW = "New upload", "Awaiting approval", "Uploads & batches"
FLASH_ICONS = {"success": ":material/check_circle:", "error": ":material/error:",
               "warning": ":material/warning:", "info": ":material/info:"}

services = get_services()
actor = signed_in_actor()
zone = services.settings.zone

st.title("Payouts")
st.caption(f"Pay many people from one file. Nothing is sent before a second person approves. "
           f"Times are in **{services.settings.timezone}**.")
if (flash := st.session_state.pop(FLASH, None)) is not None:
    kind, text = flash
    getattr(st, kind)(text, icon=FLASH_ICONS[kind])
balances_panel(actor, key="payout_balances")


# --- sending, behind a confirmation --------------------------------------------------------------


def run_send(upload_ref: str) -> list[sending.SendOutcome]:
    with st.status(f"Sending the batches of upload {upload_ref}…", expanded=True) as box:
        bar = st.progress(0, text="Starting")

        def progress(done: int, total: int, outcome: sending.SendOutcome) -> None:
            bar.progress(done * 100 // max(total, 1),
                         text=f"{done} of {total}: {outcome.request_id} is "
                              f"{code_label(outcome.after, 'payout_batch').lower()}")

        outcomes = sending.send_upload(services, actor, upload_ref, progress=progress)
        trouble = [o for o in outcomes if o.after in (states.UNKNOWN, states.SEND_FAILED)]
        box.update(label=f"{len(outcomes) - len(trouble)} of "
                         f"{plural(len(outcomes), 'batch', 'batches')} accepted",
                   state="error" if trouble else "complete")
    return outcomes


def _sent_flash(upload_ref: str, outcomes: list[sending.SendOutcome]) -> tuple[str, str]:
    """Green only when every batch went out; otherwise an error naming each batch and why."""
    if not outcomes:
        return "info", f"Upload {upload_ref}: no batch was waiting to be sent."
    failed = [o for o in outcomes if o.after == states.SEND_FAILED]
    unsure = [o for o in outcomes if o.after in states.IN_FLIGHT]
    went = [o for o in outcomes if o not in failed and o not in unsure]
    if not failed and not unsure:
        return "success", f"Upload {upload_ref} sent: " + "; ".join(
            f"{o.request_id} ({code_label(o.after, 'payout_batch').lower()})" for o in went) + "."
    parts = []
    if failed:
        parts.append(f"{plural(len(failed), 'batch', 'batches')} not sent — "
                     + "; ".join(f"{o.request_id}: {o.message}" for o in failed)
                     + ". Their lines were not paid.")
    if unsure:
        parts.append(f"{plural(len(unsure), 'batch', 'batches')} without a clear answer yet — "
                     + "; ".join(f"{o.request_id}: {o.message}" for o in unsure) + ".")
    if went:
        parts.append("Sent: " + "; ".join(
            f"{o.request_id} ({code_label(o.after, 'payout_batch').lower()})" for o in went)
            + ".")
    return "error" if failed else "warning", f"Upload {upload_ref}: " + " ".join(parts)


@st.dialog("Confirm: money leaves the wallet")
def confirm_dialog(pending: dict[str, Any]) -> None:
    upload = views.upload(services, actor, pending["ref"])
    action = pending["action"]
    if action == "approve":
        todo = [b for b in upload.batches if b.status == states.PENDING_APPROVAL]
        st.write(f"You approve upload **{upload.upload_ref}** and send it now:")
    else:
        todo = [b for b in upload.batches
                if b.status in states.SENDABLE or b.status in states.IN_FLIGHT]
        st.write(f"Send the approved batches of upload **{upload.upload_ref}**:")
    for batch in todo:
        st.write(f"- `{batch.request_id}`: {plural(batch.line_count, 'line')}, "
                 f"{format_money(batch.total, batch.currency)}")
    # The figure the send itself checks, read now: a short wallet blocks the send here already.
    check = sending.funding_check(services, upload.upload_ref,
                                  approved_only=action != "approve")
    funding_table(check, key="payout_confirm_funding", blocking=True)
    columns = st.columns(2)
    if columns[0].button("Yes, send", type="primary", key="payout_confirm_yes",
                         disabled=not check.can_fund):
        try:
            if action == "approve":
                approval.approve(services, actor, upload.upload_ref, pending["comment"])
            outcomes = run_send(upload.upload_ref)
        except PayDeskError as error:
            st.session_state.pop(CONFIRM, None)
            st.session_state[FLASH] = ("error", f"Upload {upload.upload_ref}: {error}")
            st.rerun()
        st.session_state.pop(CONFIRM, None)
        st.session_state[FLASH] = _sent_flash(upload.upload_ref, outcomes)
        st.rerun()
    if action == "approve" and not check.can_fund and columns[0].button(
            "Approve only; send once funded", key="payout_confirm_approve_only"):
        try:
            approval.approve(services, actor, upload.upload_ref, pending["comment"])
        except PayDeskError as error:
            st.error(str(error))
            return
        st.session_state.pop(CONFIRM, None)
        st.session_state[FLASH] = (
            "warning", f"Upload {upload.upload_ref} approved and not sent: the wallet cannot "
                       "fund it yet. Send it from Uploads & batches once it is topped up.")
        st.rerun()
    if columns[1].button("Cancel", key="payout_confirm_no"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()


# --- new upload ----------------------------------------------------------------------------------


def _stem(name: str) -> str:
    return PurePath(name).stem or "payouts"


def _checked(state: dict[str, Any], result: Any) -> None:
    state["result"] = result
    state["funding"] = drafts.funding_check(services, result.totals())


def upload_section() -> None:
    left, right = st.columns([1, 3])
    left.download_button("Download the template", data=template_csv(),
                         file_name="paydesk-payout-template.csv", mime="text/csv",
                         icon=":material/download:", key="payout_template")
    with right.expander("File format: columns, accepted files, every check"):
        st.markdown(views.format_help())
    round_ = st.session_state.setdefault("payout_file_round", 0)
    # The box states the same limit as the format help and the refusal (not Streamlit's 50 MB).
    file = st.file_uploader("Payout file (CSV or XLSX)", type=["csv", "txt", "tsv", "xlsx"],
                            key=f"payout_file_{round_}", max_upload_size=PayoutRules().max_mb)
    if file is None:
        st.session_state.pop(UPLOAD, None)
        return
    data = file.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    state = st.session_state.get(UPLOAD)
    sheet = _sheet_choice(state, digest, file.name)
    if (state is None or state["sha"] != digest or state["name"] != file.name
            or state.get("sheet") != sheet):
        with st.spinner("Checking every line…"):
            try:
                result = drafts.validate_upload(services, actor, data, file_name=file.name,
                                                sheet=sheet)
            except UnreadableFileError as error:
                st.error(f"PayDesk cannot read this file: {error}", icon=":material/error:")
                return
        state = {"sha": digest, "name": file.name, "data": data, "ref": new_upload_ref(),
                 "edits": {}, "editor": 0, "sheet": result.sheet}
        _checked(state, result)
        st.session_state[UPLOAD] = state
    if len(state["result"].sheets) > 1:
        sheets = list(state["result"].sheets)
        st.selectbox("Sheet", sheets, index=sheets.index(state["result"].sheet),
                     key=SHEET, help="The workbook has several sheets; PayDesk reads one. "
                     "Choose the sheet that holds the payments.")
    preview(state)


def _sheet_choice(state: dict[str, Any] | None, digest: str, name: str) -> str | None:
    """The sheet picked for this very file; a new file starts from its first visible sheet."""
    if state is None or state["sha"] != digest or state["name"] != name:
        st.session_state.pop(SHEET, None)
        return None
    picked = st.session_state.get(SHEET)
    return picked if picked is not None else state.get("sheet")


def preview(state: dict[str, Any]) -> None:
    result = state["result"]
    findings = result.findings
    counts = summary_counts(findings)
    metrics = st.columns(4)
    metrics[0].metric("Payment lines", f"{len(result.table):,}")
    metrics[1].metric("Errors", counts["errors"])
    metrics[2].metric("Warnings", counts["warnings"])
    metrics[3].metric("Lines with errors", counts["lines_with_errors"])
    instructions = result.instructions()
    st.subheader("Totals per currency")
    st.caption("Lines without errors only, against the wallet.")
    tables.totals_table(result.totals())
    funding_table(state["funding"], key="payout_upload_funding", blocking=False)
    st.subheader("Planned batches")
    try:
        terms = payout_terms(services)
    except PayDeskError as error:  # the default provider makes no payouts: say why
        st.info(str(error))
        return
    st.caption(terms.batch_rule)
    if instructions:
        tables.planned_table(plan_batches(instructions, upload_ref=state["ref"],
                                          max_lines=terms.max_lines))
    else:
        st.info("No line is free of errors yet, so there is nothing to plan.")
    if findings:
        st.subheader("Problems")
        tables.findings_table(findings)
        st.download_button("Download the error report (CSV)", data=error_report_csv(findings),
                           file_name=f"{_stem(state['name'])}-problems.csv", mime="text/csv",
                           icon=":material/download:", key="payout_error_report")
    st.subheader("Lines")
    frame = tables.preview_frame(result)
    if st.toggle("Only lines with problems", key="payout_only_problems"):
        frame = frame[frame["check"] != tables.OK_MARK]
    tables.preview_table(frame)
    file_errors = [f for f in result.errors if f.line is None]
    if result.has_errors and not file_errors:
        fix_in_place(state, frame)
    if result.edits:
        st.caption(f"Changed here after upload ({plural(len(result.edits), 'cell')}); the "
                   "approver sees each change beside the file's value:")
        tables.edits_table([{**asdict(e), "by": actor.username} for e in result.edits],
                           key="payout_edits_preview")
    submit_area(state, file_errors)


def fix_in_place(state: dict[str, Any], frame: pd.DataFrame) -> None:
    bad = frame[frame["check"] == tables.ERROR_MARK].reset_index(drop=True)
    if bad.empty:
        return
    with st.expander(f"Fix {the(len(bad), 'line')} with errors here"):
        key = f"payout_editor_{state['editor']}"
        st.data_editor(bad, key=key, hide_index=True, width="stretch",
                       disabled=["line", "check", "problems"], num_rows="fixed")
        if st.button("Check my corrections", key="payout_recheck"):
            edited = st.session_state.get(key, {}).get("edited_rows", {})
            edits = {int(line): dict(changes) for line, changes in state["edits"].items()}
            for position, changes in edited.items():
                line = int(bad.iloc[int(position)]["line"])
                edits.setdefault(line, {}).update(
                    {name: str(value) for name, value in changes.items()
                     if name in tables.EDITABLE})
            try:
                result = drafts.revalidate(services, actor, state["data"],
                                           file_name=state["name"], edits=edits,
                                           sheet=state.get("sheet"))
            except PayDeskError as error:
                st.error(str(error))
                return
            state["edits"] = edits
            state["editor"] += 1
            _checked(state, result)
            st.rerun()


def submit_area(state: dict[str, Any], file_errors: list[Any]) -> None:
    result = state["result"]
    good = len(result.instructions())
    only_valid = False
    if file_errors:
        st.error("The file as a whole has errors (see Problems): fix the file and upload it "
                 "again.", icon=":material/error:")
    elif result.has_errors and good:
        bad = len(result.table) - good
        only_valid = st.checkbox(
            f"Go on with {the(good, 'valid line')} only; leave out {the(bad, 'line')} with "
            "errors",
            key="payout_only_valid")
        if only_valid:
            excluded = drafts.excluded_from(result)
            st.caption("Left out (recorded with the upload, shown to the approver):")
            tables.excluded_table([vars(e) for e in excluded], key="payout_excluded_preview")
    blocked = not good or (result.has_errors and not only_valid)
    if st.button("Submit for approval", type="primary", disabled=blocked, key="payout_submit",
                 icon=":material/send:"):
        try:
            saved = drafts.save_draft(services, actor, result, file_name=state["name"],
                                      only_valid=only_valid, upload_ref=state["ref"],
                                      extra_warnings=tuple(
                                          drafts.funding_warnings(state["funding"])))
            approval.submit(services, actor, saved.upload_ref)
        except PayDeskError as error:
            st.error(str(error))
            return
        st.session_state.pop(UPLOAD, None)
        st.session_state["payout_file_round"] += 1
        st.session_state[FLASH] = ("success", (
            f"Upload {saved.upload_ref} submitted: "
            f"{plural(len(saved.batches), 'batch', 'batches')} "
            f"{'waits' if len(saved.batches) == 1 else 'wait'} for an approver. "
            "Nothing is sent before approval."))
        st.rerun()


# --- stored uploads: approval and following ------------------------------------------------------


def stored_summary(upload: views.UploadView, *, awaiting_approval: bool) -> FundingCheck:
    by = f" by **{upload.prepared_by}**" if upload.prepared_by else ""
    st.caption(f"Upload **{upload.upload_ref}** · file {upload.file_name or '—'} · prepared{by} "
               f"on {upload.created_at.astimezone(zone):%Y-%m-%d %H:%M} "
               f"{services.settings.timezone}")
    totals = [CurrencyTotal(c, n, t) for c, (n, t) in upload.totals().items()]
    tables.totals_table(totals)
    tables.batches_table(upload.batches, zone, key=f"payout_batches_{upload.upload_ref}")
    record = drafts.draft_record(services, actor, upload.upload_ref)
    # The wallet as it is now replaces the shortfall noted at upload, which may be stale.
    warnings = [w for w in record["warnings"] if w.get("code") != "balance_short"]
    check = sending.funding_check(services, upload.upload_ref,
                                  approved_only=not awaiting_approval)
    if check.rows:
        st.markdown("**Against the wallet**")
        funding_table(check, key=f"payout_funding_{upload.upload_ref}", blocking=True)
    if warnings:
        st.markdown(f"**Warnings** ({len(warnings)})")
        st.dataframe(pd.DataFrame([{
            "Line": or_empty(w.get("line")), "Column": or_empty(w.get("column")),
            "Value": or_empty(w.get("value")), "What it means": or_empty(w.get("message")),
            "Code": or_empty(w.get("code"))} for w in warnings]),
            hide_index=True, width="stretch", key="payout_stored_warnings",
            column_config={"What it means": st.column_config.TextColumn(width="large"),
                           "Code": st.column_config.TextColumn(width="small")})
    if record["edits"]:
        edited_by = sorted({str(e.get("by")) for e in record["edits"]})
        st.warning(f"{plural(len(record['edits']), 'cell was', 'cells were')} changed in "
                   f"PayDesk after upload by {', '.join(edited_by)}: compare them with the "
                   "source before approving.", icon=":material/edit_note:")
        tables.edits_table(record["edits"], key=f"payout_edits_{upload.upload_ref}")
    if record["excluded"]:
        st.markdown(f"**Lines left out of this upload** ({len(record['excluded'])})")
        tables.excluded_table(record["excluded"], key="payout_stored_excluded")
    return check


def not_sent_notice() -> None:
    """Batches that could not be sent never go again on their own: say so where people look."""
    waiting = not_sent.uploads_not_sent(services, actor)
    if waiting:
        listed = ", ".join(f"{ref} ({plural(count, 'batch', 'batches')})"
                           for ref, count in waiting.items())
        st.warning(f"Not sent — send again: {listed}. Open the upload under Follow and send "
                   "it again when the reason is fixed.", icon=":material/send:")


def approval_section() -> None:
    not_sent_notice()
    refs = approval.awaiting_approval(services, actor)
    if not refs:
        st.info("Nothing awaits approval.", icon=":material/inbox:")
        return
    ref = st.selectbox("Upload awaiting approval", refs, key="payout_pick_pending")
    upload = views.upload(services, actor, ref)
    stored_summary(upload, awaiting_approval=True)
    tables.lines_table(views.lines(services, actor, upload_ref=ref), zone, services.now(),
                       key="payout_pending_lines")
    if upload.prepared_by == actor.username:
        st.info("You prepared this upload; another approver must decide.")
        return
    comment = st.text_area("Comment (required for approving or rejecting)",
                           key="payout_comment", max_chars=512)
    columns = st.columns(2)
    if columns[0].button("Approve and send…", type="primary", key="payout_approve"):
        if not comment.strip():
            st.error("Say why: approving needs a comment.")
        else:
            st.session_state[CONFIRM] = {"action": "approve", "ref": ref, "comment": comment}
    if columns[1].button("Reject", key="payout_reject"):
        try:
            approval.reject(services, actor, ref, comment)
        except PayDeskError as error:
            st.error(str(error))
        else:
            st.session_state[FLASH] = ("info", f"Upload {ref} rejected; nothing will be sent.")
            st.rerun()


def follow_section() -> None:
    not_sent_notice()
    uploads = views.list_uploads(services, actor)
    if not uploads:
        st.info("No payout has been uploaded yet.", icon=":material/inbox:")
        return
    picked = st.session_state.get("payout_pick_upload")
    if picked not in {u.upload_ref for u in uploads}:
        picked = uploads[0].upload_ref
    # Asked before anything is drawn, the upload's label included: the label, the batches and
    # the lines all show the provider's latest answer, never two states of one batch.
    follow_in_progress("payouts", key="payout_follow", noun="batch", nouns="batches",
                       upload_ref=picked)
    uploads = views.list_uploads(services, actor)
    labels = {u.upload_ref: f"{u.upload_ref} · {u.file_name or '—'} · "
                            + ", ".join(code_label(s, "payout_batch") for s in u.statuses)
              for u in uploads}
    ref = st.selectbox("Upload", list(labels), format_func=labels.__getitem__,
                       key="payout_pick_upload")
    upload = views.upload(services, actor, ref)
    check = stored_summary(upload, awaiting_approval=False)
    statuses = set(upload.statuses)
    waiting = [b for b in upload.batches if b.approved_by and (
        b.status in states.SENDABLE or b.status in states.IN_FLIGHT)]
    may_send = bool(waiting) and sending.may_send(actor)
    may_submit = states.DRAFT in statuses and can(actor, "payout.submit")
    # The buttons shown sit side by side from the left: no gap where a button is not offered.
    slots = iter(st.columns(3))
    if may_send and next(slots).button(
            f"Send {plural(len(waiting), 'approved batch', 'approved batches')}…",
            key="payout_send", disabled=not check.can_fund,
            help=None if check.can_fund else "Blocked: the wallet cannot fund these batches."):
        st.session_state[CONFIRM] = {"action": "send", "ref": ref}
    if next(slots).button("Ask the provider for news", key="payout_refresh",
                          help="Asks Binance Pay for the latest status of every batch sent."):
        moved = following.refresh_upload(services, actor, ref)
        st.toast(f"{plural(moved, 'batch', 'batches')} changed")
        st.rerun()
    if may_submit:
        if next(slots).button("Submit the draft for approval", key="payout_submit_draft"):
            try:
                approval.submit(services, actor, ref)
            except PayDeskError as error:
                st.error(str(error))
            else:
                st.rerun()
    batch_lines(upload)


def batch_lines(upload: views.UploadView) -> None:
    st.subheader("Lines")
    items = views.lines(services, actor, upload_ref=upload.upload_ref)
    filters = st.columns([2, 2, 3])
    picked = filters[0].multiselect("Status", list(states.LINE_STATES), key="payout_f_status",
                                    format_func=lambda code: code_label(code, "payout_line"))
    batch = filters[1].selectbox("Batch", ["All", *(b.request_id for b in upload.batches)],
                                 key="payout_f_batch")
    needle = filters[2].text_input("Receiver or send id contains", key="payout_f_text")
    shown = [ln for ln in items
             if (not picked or ln.status in picked)
             and (batch == "All" or ln.request_id == batch)
             and (not needle or needle.lower() in ln.receiver.lower()
                  or needle.lower() in ln.merchant_send_id.lower())]
    paid: dict[str, tuple[int, Any]] = {}
    for ln in shown:
        if ln.status == states.LINE_SUCCESS:
            count, total = paid.get(ln.currency, (0, 0))
            paid[ln.currency] = (count + 1, total + ln.amount)
    fees = [(b.currency, b.fee) for b in upload.batches if b.fee is not None]
    st.caption(f"{len(shown):,} of {plural(len(items), 'line')} · paid: "
               + (", ".join(f"{plural(n, 'line')} {format_money(t, c)}"
                            for c, (n, t) in paid.items())
                  or "nothing yet")
               + (" · fees: " + ", ".join(format_money(f, c) for c, f in fees)
                  if fees else ""))
    tables.lines_table(shown, zone, services.now(), key="payout_lines")
    st.download_button("Download these results (CSV)", data=lambda: views.results_csv(shown),
                       file_name=f"paydesk-payout-{upload.upload_ref}-results.csv",
                       mime="text/csv", icon=":material/download:", key="payout_results")


# --- the page ------------------------------------------------------------------------------------

options = [NEW] if can(actor, "payout.upload") else []
options += [APPROVE] if can(actor, "payout.approve") else []
options.append(FOLLOW)
view = st.segmented_control("Show", options, default=options[0], key="payout_view") \
    or options[0]
if view == NEW:
    upload_section()
elif view == APPROVE:
    approval_section()
else:
    follow_section()
if (pending := st.session_state.get(CONFIRM)) is not None:
    confirm_dialog(pending)
