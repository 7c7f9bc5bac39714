"""Tables of the Payouts page: findings, lines with their problems, totals, planned batches,
stored batches and their lines. Amounts are shown as exact text with their currency."""

from __future__ import annotations

import re

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.components.badges import styled_status
from dashboard.components.formatting import EMPTY, code_label, format_money, or_empty
from dashboard.components.tables import right_aligned
from services.files.findings import ERROR, Finding
from services.payouts.planning import PlannedBatch
from services.payouts.validation import CurrencyTotal, ValidationResult
from services.payouts.views import BatchView, LineView

# Styling every cell costs time in the browser; past this the table is shown plain.
STYLE_LIMIT = 5_000
EDITABLE = ("receive_type", "receiver", "amount", "currency", "remark", "merchant_send_id")
_ERROR_BG = "background-color: rgba(255, 75, 75, 0.18)"
_WARNING_BG = "background-color: rgba(255, 189, 69, 0.22)"
ERROR_MARK, WARNING_MARK, OK_MARK = "Error", "Warning", "OK"
NOT_SENT = "Not sent"


def findings_table(findings: Sequence[Finding]) -> None:
    st.dataframe(
        pd.DataFrame(
            [
                {"Line": "" if f.line is None else str(f.line), "Column": f.column or "",
                 "Value": f.value or "", "Severity": f.severity.capitalize(),
                 "Problem and how to fix it": f.message, "Code": f.code}
                for f in findings
            ],
            columns=["Line", "Column", "Value", "Severity", "Problem and how to fix it", "Code"],
        ),
        hide_index=True, width="stretch", key="payout_findings",
        # The message is the main text; the code stays for support, in a narrow column.
        column_config={"Problem and how to fix it": st.column_config.TextColumn(width="large"),
                       "Code": st.column_config.TextColumn(width="small")},
    )


def problems_by_line(findings: Iterable[Finding]) -> dict[int, tuple[str, str]]:
    """line -> (worst severity, every message on it)."""
    out: dict[int, tuple[str, str]] = {}
    for f in findings:
        if f.line is None:
            continue
        severity, text = out.get(f.line, ("warning", ""))
        worst = ERROR if ERROR in (severity, f.severity) else "warning"
        message = f"{f.column}: {f.message}" if f.column else f.message
        out[f.line] = (worst, f"{text} · {message}" if text else message)
    return out


def preview_frame(result: ValidationResult) -> pd.DataFrame:
    """One row per file line: its cells as read, and its problems."""
    problems = problems_by_line(result.findings)
    table = result.table
    frame = pd.DataFrame({"line": table["line"].astype("int64")})
    marks, texts = [], []
    for line in frame["line"].tolist():
        severity, text = problems.get(int(line), ("", ""))
        # Words, not emoji: emoji depend on the viewer's fonts; the row colour carries the rest.
        marks.append({"error": ERROR_MARK, "warning": WARNING_MARK}.get(severity, OK_MARK))
        texts.append(text)
    frame["check"] = marks
    for name in EDITABLE:
        frame[name] = table[name].astype(str) if name in table else ""
    frame["problems"] = texts
    return frame


def _row_style(row: pd.Series) -> list[str]:
    colour = _ERROR_BG if row["check"] == ERROR_MARK else (
        _WARNING_BG if row["check"] == WARNING_MARK else "")
    return [colour] * len(row)


def preview_table(frame: pd.DataFrame) -> None:
    shown = frame.style.apply(_row_style, axis=1) if len(frame) <= STYLE_LIMIT else frame
    st.dataframe(shown, hide_index=True, width="stretch", key="payout_preview_table",
                 column_config={"line": st.column_config.NumberColumn("Line", format="%d"),
                                "check": "Check", "receive_type": "Receive type",
                                "receiver": "Receiver",
                                "amount": st.column_config.TextColumn("Amount",
                                                                      alignment="right"),
                                "currency": "Currency", "remark": "Remark",
                                "merchant_send_id": "Merchant send id",
                                "problems": "Problems"})


def totals_table(totals: Sequence[CurrencyTotal]) -> None:
    frame = pd.DataFrame([{"Currency": t.currency, "Lines": t.line_count,
                           "Total": format_money(t.total, t.currency)} for t in totals],
                         columns=["Currency", "Lines", "Total"])
    st.dataframe(frame, hide_index=True, key="payout_totals",
                 column_config=right_aligned("Total", data=frame))


def planned_table(batches: Sequence[PlannedBatch]) -> None:
    frame = pd.DataFrame([{"Request id": b.request_id, "Currency": b.currency,
                           "Lines": b.line_count, "Total": format_money(b.total, b.currency),
                           "File lines": f"{b.lines[0].file_line}–{b.lines[-1].file_line}"}
                          for b in batches],
                         columns=["Request id", "Currency", "Lines", "Total", "File lines"])
    st.dataframe(frame, hide_index=True, width="stretch", key="payout_planned",
                 column_config=right_aligned("Total", data=frame))


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else EMPTY


def batches_table(batches: Sequence[BatchView], zone: ZoneInfo, key: str) -> None:
    frame = pd.DataFrame(
        [{"Request id": b.request_id, "Currency": b.currency, "Lines": b.line_count,
          "Total": format_money(b.total, b.currency),
          "Status": code_label(b.status, "payout_batch"),
          "Paid": format_money(b.paid, b.currency),
          "Fee": EMPTY if b.fee is None else format_money(b.fee, b.currency),
          "Approved by": or_empty(b.approved_by), "Comment": or_empty(b.approval_comment),
          "Sent": _when(b.sent_at, zone), "Problem": or_empty(b.error)} for b in batches],
        columns=["Request id", "Currency", "Lines", "Total", "Status", "Paid", "Fee",
                 "Approved by", "Comment", "Sent", "Problem"])
    st.dataframe(styled_status(frame, "Status", "payout_batch"), hide_index=True,
                 width="stretch", key=key, column_config=right_aligned("Total", "Paid", "Fee", data=frame))


def lines_table(lines: Sequence[LineView], zone: ZoneInfo, now: datetime, key: str) -> None:
    rows = []
    for ln in lines:
        deadline = EMPTY
        if ln.claim_deadline is not None:
            left = ln.claim_deadline - now
            hours = Decimal(int(left.total_seconds())) / Decimal(3600)
            due = f"{int(hours)} h left" if left.total_seconds() > 0 else "passed"
            deadline = f"{_when(ln.claim_deadline, zone)} ({due})" \
                if ln.status == "AWAITING_RECEIPT" else _when(ln.claim_deadline, zone)
        rows.append({"Line": ln.file_line, "Batch": ln.request_id,
                     "Status": NOT_SENT if ln.not_sent else code_label(ln.status, "payout_line"),
                     "Receive type": code_label(ln.receive_type, "receive_type"),
                     "Receiver": ln.receiver,
                     "Amount": format_money(ln.amount, ln.currency),
                     "Fee": EMPTY if ln.fee is None else format_money(ln.fee, ln.currency),
                     "Claim deadline": deadline, "Remark": or_empty(ln.remark),
                     "Merchant send id": ln.merchant_send_id})
    columns = ["Line", "Batch", "Status", "Receive type", "Receiver", "Amount", "Fee",
               "Claim deadline", "Remark", "Merchant send id"]
    if any(ln.review_note for ln in lines):
        for row, ln in zip(rows, lines, strict=True):
            row["Needs review"] = or_empty(ln.review_note)
        columns.insert(3, "Needs review")
    frame = pd.DataFrame(rows, columns=columns)
    shown = styled_status(frame, "Status", "payout_line") if len(frame) <= STYLE_LIMIT else frame
    st.dataframe(shown, hide_index=True, width="stretch", key=key,
                 column_config=right_aligned("Amount", "Fee", data=frame))


FIELD_LABELS = {"receive_type": "Receive type", "receiver": "Receiver", "amount": "Amount",
                "currency": "Currency", "remark": "Remark",
                "merchant_send_id": "Merchant send id"}


def edits_table(items: Sequence[dict[str, object]], key: str) -> None:
    """Cells changed in PayDesk after upload, beside the value the file had, and by whom."""
    st.dataframe(
        pd.DataFrame([{"Line": i["line"], "Field": FIELD_LABELS.get(str(i["field"]),
                                                                    str(i["field"])),
                       "Uploaded value": or_empty(i["uploaded"]), "New value": or_empty(i["new"]),
                       "Edited by": or_empty(i.get("by"))} for i in items],
                     columns=["Line", "Field", "Uploaded value", "New value", "Edited by"]),
        hide_index=True, width="stretch", key=key,
    )


_FINDING_CODE = re.compile(r"^[a-z]+(?:_[a-z]+)+:\s*")


def why_left_out(problems: object) -> str:
    """The recorded problems in words: uploads saved before the codes were left out of the record
    read 'binance_id_invalid: the Binance ID ... | amount_...: ...'."""
    pieces = [_FINDING_CODE.sub("", piece.strip()) for piece in str(problems or "").split(" | ")]
    return "; ".join(piece for piece in pieces if piece) or EMPTY


def excluded_table(items: Sequence[dict[str, object]], key: str) -> None:
    """Lines left out of an upload: what they were and why."""
    frame = pd.DataFrame([{"Line": i["line"], "Receiver": i["receiver"], "Amount": i["amount"],
                           "Currency": i["currency"], "Why left out": why_left_out(i["problems"])}
                          for i in items],
                         columns=["Line", "Receiver", "Amount", "Currency", "Why left out"])
    st.dataframe(frame, hide_index=True, width="stretch", key=key,
                 column_config=right_aligned("Amount", data=frame))
