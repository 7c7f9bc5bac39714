"""Accounting reports of a reconciliation run, as tables and as CSV or XLSX files.

Every money column is additive: PayDesk amounts count only what PayDesk says moved, provider
amounts only what the statement says moved (a payout that came back counts 0 on that side), and
`difference` is provider minus PayDesk, so no column repeats another. Each report ends with one
totals row per currency equal to the sum of the rows above it (balances, which do not add up,
are left blank there). A figure nobody stated is not shown rather than shown as zero: a provider
fee the statement did not give is blank (and not compared), and a column no row fills (balances
from a statement without them, statuses a statement does not carry) is left out. The summary's
difference is the sum of the differences of its items, so every difference on a row is a break,
open or resolved, counted on that row. Nothing in a file depends on when or by whom it was exported, so the same
run gives the same bytes every time; text cells are neutralised against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

import xlsxwriter

from services.core.access import Actor
from services.core.context import Services
from services.core.errors import InputError
from services.orders.exports.orders import money_text, neutralise
from services.reconciliation import matching as m
from services.reconciliation.runs import ItemView, RunView, get_run, list_items
from services.core.refusals import require

Format = Literal["csv", "xlsx"]
ZERO = Decimal(0)
_EXCEL_DIGITS = 15
# Fixed document date: xlsxwriter would otherwise stamp the export time into the file.
_XLSX_CREATED = datetime(2000, 1, 1)


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[tuple[str, str], ...]  # (header, kind) with kind text | money | int | time
    rows: list[list[Any]]
    totals: list[list[Any]]  # one per currency, same shape as rows

    def headers(self, zone: str) -> list[str]:
        return [f"{h} ({zone})" if k == "time" else h for h, k in self.columns]


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _fee_stated(item: ItemView) -> bool:
    """False when the statement gave no fee for an item matched on both sides: matching then
    leaves the provider fee at zero without comparing it (a stated fee that differs is a
    fee_difference break, and its fee difference is not zero)."""
    both = item.klass not in (m.MISSING_AT_PROVIDER, m.MISSING_IN_PAYDESK)
    return not (both and item.provider_fee != item.ledger_fee and item.fee_difference == 0)


def _provider_fee(item: ItemView) -> Decimal | None:
    return item.provider_fee if _fee_stated(item) else None


def _drop_empty(report: Report, *headers: str) -> Report:
    """The report without the named columns where no row has a value."""
    names = [h for h, _ in report.columns]
    gone = {names.index(h) for h in headers
            if h in names and all(r[names.index(h)] in (None, "") for r in report.rows)}
    if not gone:
        return report

    def keep(row: list[Any]) -> list[Any]:
        return [v for i, v in enumerate(row) if i not in gone]

    return Report(report.name, report.title,
                  tuple(c for i, c in enumerate(report.columns) if i not in gone),
                  [keep(r) for r in report.rows], [keep(r) for r in report.totals])


def _totals(rows: list[list[Any]], columns: tuple[tuple[str, str], ...], currency_at: int,
            label_at: int, skip: frozenset[int] = frozenset()) -> list[list[Any]]:
    by_currency: dict[str, list[list[Any]]] = defaultdict(list)
    for row in rows:
        by_currency[row[currency_at]].append(row)
    out = []
    for currency in sorted(by_currency):
        total: list[Any] = [None] * len(columns)
        total[label_at] = "Total"
        total[currency_at] = currency
        for index, (_, kind) in enumerate(columns):
            if index in skip:
                continue
            if kind == "money":
                values = [r[index] for r in by_currency[currency]]
                # A total over rows that leave a figure blank would not be true: blank too.
                total[index] = None if None in values else _sum(values)
            elif kind == "int":
                total[index] = sum(r[index] for r in by_currency[currency])
        out.append(total)
    return out


def _summary(items: list[ItemView], zone: ZoneInfo) -> Report:
    columns = (("Day", "text"), ("Currency", "text"), ("Gross paid", "money"),
               ("Refunds", "money"), ("Payouts", "money"), ("Debits", "money"),
               ("Fees", "money"), ("Net (PayDesk)", "money"), ("Net (provider)", "money"),
               ("Difference", "money"), ("Opening balance", "money"),
               ("Closing balance", "money"), ("Items", "int"), ("Open breaks", "int"),
               ("Resolved breaks", "int"))
    groups: dict[tuple[date, str], list[ItemView]] = defaultdict(list)
    for item in items:
        groups[(item.occurred_at.astimezone(zone).date(), item.currency)].append(item)
    rows = []
    for (day, currency), group in sorted(groups.items()):
        part = {k: _sum(i.ledger_amount for i in group if i.kind == k)
                for k in ("payment", "refund", "payout", "debit")}
        fees = -_sum(i.ledger_fee for i in group)
        net = _sum(part.values()) + fees
        # The provider's net is known only where the statement gave every fee of the day.
        provider = (_sum(i.provider_amount - i.provider_fee for i in group)
                    if all(_fee_stated(i) for i in group) else None)
        difference = _sum(i.difference - i.fee_difference for i in group)
        balanced = sorted((i for i in group if i.provider_balance is not None),
                          key=lambda i: i.occurred_at)
        opening = closing = None
        if balanced:
            first = balanced[0]
            opening = first.provider_balance - (first.provider_amount - first.provider_fee)  # type: ignore[operator]
            closing = balanced[-1].provider_balance
        breaks = [i for i in group if i.klass != m.MATCHED]
        open_breaks = sum(1 for i in breaks if not i.resolved)
        rows.append([day.isoformat(), currency, part["payment"], part["refund"], part["payout"],
                     part["debit"], fees, net, provider, difference, opening, closing,
                     len(group), open_breaks, len(breaks) - open_breaks])
    totals = _totals(rows, columns, 1, 0, skip=frozenset({10, 11}))
    report = Report("settlement-summary", "Daily settlement summary", columns, rows, totals)
    return _drop_empty(report, "Net (provider)", "Opening balance", "Closing balance")


def _itemised(items: list[ItemView], zone: ZoneInfo) -> Report:
    columns = (("Time", "time"), ("Class", "text"), ("Type", "text"), ("Merchant id", "text"),
               ("Order / batch", "text"), ("Provider id", "text"), ("Matched by", "text"),
               ("Currency", "text"), ("PayDesk status", "text"), ("Provider status", "text"),
               ("PayDesk amount", "money"), ("Provider amount", "money"),
               ("Difference", "money"), ("PayDesk fee", "money"), ("Provider fee", "money"),
               ("Fee difference", "money"), ("Resolved", "text"), ("Note", "text"),
               ("Resolved by", "text"))
    rows = [[i.occurred_at, i.klass, i.kind, i.ledger_ref, i.group_ref, i.provider_ref,
             i.matched_by, i.currency, i.ledger_status, i.provider_status, i.ledger_amount,
             i.provider_amount, i.difference, i.ledger_fee, _provider_fee(i),
             i.fee_difference if _fee_stated(i) else None,
             "yes" if i.resolved else ("" if i.klass == m.MATCHED else "no"), i.note,
             i.resolved_by] for i in items]
    report = Report("reconciliation-items", "Itemised reconciliation", columns, rows,
                    _totals(rows, columns, 7, 1))
    return _drop_empty(report, "Provider status", "Provider fee", "Fee difference")


def _payouts(items: list[ItemView], zone: ZoneInfo) -> Report:
    columns = (("Batch", "text"), ("Currency", "text"), ("Lines", "int"), ("Matched", "int"),
               ("Breaks", "int"), ("PayDesk amount", "money"), ("Provider amount", "money"),
               ("Difference", "money"), ("PayDesk fee", "money"), ("Provider fee", "money"))
    groups: dict[tuple[str, str], list[ItemView]] = defaultdict(list)
    for item in items:
        if item.kind in ("payout", "payout_return"):
            groups[(item.group_ref or "(not in PayDesk)", item.currency)].append(item)
    rows = []
    for (batch, currency), group in sorted(groups.items()):
        matched = sum(1 for i in group if i.klass == m.MATCHED)
        rows.append([batch, currency, len(group), matched, len(group) - matched,
                     _sum(i.ledger_amount for i in group), _sum(i.provider_amount for i in group),
                     _sum(i.difference for i in group), _sum(i.ledger_fee for i in group),
                     _sum(i.provider_fee for i in group)
                     if all(_fee_stated(i) for i in group) else None])
    report = Report("payout-reconciliation", "Payout reconciliation per batch", columns, rows,
                    _totals(rows, columns, 1, 0))
    return _drop_empty(report, "Provider fee")


def _refunds(items: list[ItemView], zone: ZoneInfo) -> Report:
    columns = (("Time", "time"), ("Refund request id", "text"), ("Order", "text"),
               ("Provider refund id", "text"), ("Currency", "text"), ("PayDesk status", "text"),
               ("Provider status", "text"), ("PayDesk amount", "money"),
               ("Provider amount", "money"), ("Difference", "money"), ("Class", "text"),
               ("Resolved", "text"))
    rows = [[i.occurred_at, i.ledger_ref, i.group_ref, i.provider_ref, i.currency,
             i.ledger_status, i.provider_status, i.ledger_amount, i.provider_amount,
             i.difference, i.klass,
             "yes" if i.resolved else ("" if i.klass == m.MATCHED else "no")]
            for i in items if i.kind == "refund"]
    report = Report("refunds", "Refunds", columns, rows, _totals(rows, columns, 4, 1))
    return _drop_empty(report, "Provider status")


REPORTS: dict[str, tuple[str, Callable[[list[ItemView], ZoneInfo], Report]]] = {
    "summary": ("Daily settlement summary", _summary),
    "items": ("Itemised reconciliation", _itemised),
    "payouts": ("Payout reconciliation per batch", _payouts),
    "refunds": ("Refunds", _refunds),
}


def build_report(services: Services, actor: Actor, run_id: int, name: str) -> Report:
    require(services, actor, "orders.export")
    if name not in REPORTS:
        raise InputError(f"unknown report '{name}'; choose {', '.join(REPORTS)}", field="report")
    run = get_run(services, actor, run_id)
    return REPORTS[name][1](list_items(services, actor, run_id), ZoneInfo(run.timezone))


def file_name(run: RunView, report: str, fmt: Format) -> str:
    prefix = REPORTS[report][1].__name__.strip("_")
    return f"{prefix}_{run.period_start:%Y-%m-%d}_{run.period_end:%Y-%m-%d}.{fmt}"


def export_report(services: Services, actor: Actor, run_id: int, name: str, fmt: Format) -> bytes:
    report = build_report(services, actor, run_id, name)
    zone = get_run(services, actor, run_id).timezone
    if fmt == "csv":
        return report_csv(report, zone)
    if fmt == "xlsx":
        return report_xlsx(report, zone)
    raise InputError("choose csv or xlsx", field="format")


def _cell_text(value: Any, kind: str, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if kind == "money":
        return money_text(value)
    if kind == "time":
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    if kind == "int":
        return str(value)
    return neutralise(str(value))


def report_csv(report: Report, zone_name: str) -> bytes:
    zone = ZoneInfo(zone_name)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(report.headers(zone_name))
    kinds = [k for _, k in report.columns]
    for row in [*report.rows, *report.totals]:
        writer.writerow([_cell_text(v, k, zone) for v, k in zip(row, kinds, strict=True)])
    # The BOM makes Excel read the file as UTF-8 instead of the local code page.
    return "\ufeff".encode() + text.getvalue().encode("utf-8")


def report_xlsx(report: Report, zone_name: str) -> bytes:
    zone = ZoneInfo(zone_name)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": report.title, "created": _XLSX_CREATED})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00######"})
    money_bold = book.add_format({"num_format": "#,##0.00######", "bold": True})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet = book.add_worksheet(report.title[:31])
    for c, title in enumerate(report.headers(zone_name)):
        sheet.write_string(0, c, title, bold)
        sheet.set_column(c, c, 18)
    kinds = [k for _, k in report.columns]
    first_total = len(report.rows) + 1
    for r, row in enumerate([*report.rows, *report.totals], start=1):
        total = r >= first_total
        for c, (value, kind) in enumerate(zip(row, kinds, strict=True)):
            if value is None:
                continue
            if kind == "money":
                if len(value.normalize().as_tuple().digits) <= _EXCEL_DIGITS:
                    # 15 significant digits survive a double exactly as Excel displays them.
                    style = money_bold if total else money
                    sheet.write_number(r, c, float(value), style)  # float-ok
                else:
                    sheet.write_string(r, c, money_text(value))
            elif kind == "time":
                sheet.write_datetime(r, c, value.astimezone(zone).replace(tzinfo=None), stamp)
            elif kind == "int":
                sheet.write_number(r, c, value, bold if total else None)
            else:
                sheet.write_string(r, c, neutralise(str(value)), bold if total else None)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def write_all(services: Services, actor: Actor, run_id: int, directory: Any) -> list[Any]:
    """Every report in both formats into `directory` (a pathlib.Path); returns the paths."""
    run = get_run(services, actor, run_id)
    written = []
    for name in REPORTS:
        report = build_report(services, actor, run_id, name)
        for fmt, render in (("csv", report_csv), ("xlsx", report_xlsx)):
            path = directory / file_name(run, name, fmt)  # type: ignore[arg-type]
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(render(report, run.timezone))
            partial.replace(path)  # a failed run never leaves half a file under the real name
            written.append(path)
    return written
