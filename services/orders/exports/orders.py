"""Order exports: exactly the filtered orders, the chosen columns, any number of rows.

Rows stream from a server-side cursor straight into the file, one chunk at a time, so memory stays
flat at a million rows as at ten. Times are written in the configured zone and every time header
says which; amounts are exact decimal text (never a binary float in the CSV); text that a
spreadsheet would run as a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import xlsxwriter

from data.queries import order_search as q
from data.types import MONEY_SCALE
from services.core import audit
from services.core.access import Actor
from services.core.context import Services
from services.core.errors import InputError
from services.core.cells import FORMULA_PATTERN, neutralise
from services.orders.exports.columns import COLUMNS, DEFAULT_COLUMNS
from services.orders.book import OrderFilters, filters_to_params
from services.core.refusals import require

Format = Literal["csv", "xlsx"]
Progress = Callable[[int, int], None]

CHUNK = 10_000
CSV_CHUNK = 50_000
_UNIT = 10**8
_QUANTUM = Decimal(1).scaleb(-8)
XLSX_MAX_ROWS = 1_048_576  # Excel's sheet limit, header included; more rows go to a new sheet
_EXCEL_DIGITS = 15  # Excel keeps 15 significant digits; longer amounts stay text to stay exact


@dataclass
class ExportResult:
    rows: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)  # amount per currency
    columns: tuple[str, ...] = ()
    timezone: str = "UTC"


def money_text(amount: Decimal) -> str:
    """Every significant decimal, at least two: 49.99, 0.00012345, 100.00."""
    exponent = amount.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{amount:.{places}f}"


def headers(columns: Sequence[str], zone_name: str) -> list[str]:
    return [
        f"{COLUMNS[c][0]} ({zone_name})" if COLUMNS[c][1] == "time" else COLUMNS[c][0]
        for c in columns
    ]


def resolve_columns(columns: Sequence[str] | None) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(columns or DEFAULT_COLUMNS))
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown:
        raise InputError(f"unknown column(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(COLUMNS)}", field="columns")
    if not chosen:
        raise InputError("choose at least one column", field="columns")
    # An amount without its currency is a number nobody can book.
    if any(COLUMNS[c][1] == "money" for c in chosen) and "currency" not in chosen:
        chosen = (*chosen, "currency")
    return chosen


def export_orders(
    services: Services,
    actor: Actor,
    *,
    filters: OrderFilters,
    columns: Sequence[str] | None = None,
    fmt: Format,
    out: BinaryIO,
    progress: Progress | None = None,
) -> ExportResult:
    """Write every order matching `filters` to `out`; progress(done, total) after each chunk."""
    require(services, actor, "orders.export")
    if fmt not in ("csv", "xlsx"):
        raise InputError(f"unknown export format '{fmt}'; use csv or xlsx", field="format")
    chosen = resolve_columns(columns)
    zone = services.settings.zone
    criteria = filters.criteria(zone)
    with services.uow() as uow:
        total = q.count_rows(uow.session, criteria)
        audit.record(uow, actor=actor, action="orders.export", target_type="order",
                     detail={"format": fmt, "rows": total, "columns": ",".join(chosen),
                             **filters_to_params(filters)}, at=services.now())
        uow.commit()
    result = ExportResult(columns=chosen, timezone=zone.key)
    report = (lambda done: progress(done, max(total, done))) if progress else (lambda done: None)
    with services.engine.connect() as connection:
        if fmt == "csv":
            result.rows, totals = _write_csv(connection, criteria, chosen, zone, out, report)
        else:
            result.rows, totals = _write_xlsx(connection, criteria, chosen, out, report,
                                              _XlsxSink(out, chosen, zone, filters, actor,
                                                        services.now()))
    result.totals = dict(sorted(totals.items()))
    if progress is not None:
        progress(result.rows, result.rows)
    return result


def _write_xlsx(connection: Any, criteria: q.OrderCriteria, chosen: Sequence[str], out: BinaryIO,
                report: Callable[[int], None], sink: _XlsxSink) -> tuple[int, dict[str, Decimal]]:
    fetched = tuple(dict.fromkeys((*chosen, "amount", "currency")))
    positions = [fetched.index(c) for c in chosen]
    amount_at, currency_at = fetched.index("amount"), fetched.index("currency")
    totals: dict[str, Decimal] = {}
    rows = 0
    for chunk in q.stream_rows(connection, criteria, q.order_columns(fetched), chunk=CHUNK):
        sink.write([[row[i] for i in positions] for row in chunk])
        for row in chunk:
            totals[row[currency_at]] = totals.get(row[currency_at], Decimal(0)) + row[amount_at]
        rows += len(chunk)
        report(rows)
    sink.close()
    return rows, totals


def _money_text_array(units: pa.Array) -> pa.Array:
    """int64 counts of 10**-8 -> '49.99', '0.00012345', '100.00', computed column-wise in Arrow."""
    negative = pc.less(units, 0)
    magnitude = pc.abs(units)
    whole = pc.divide(magnitude, _UNIT)  # integer division: amounts are exact integers here
    fraction = pc.subtract(magnitude, pc.multiply(whole, _UNIT))
    digits = pc.utf8_lpad(pc.cast(fraction, pa.string()), width=8, padding="0")
    digits = pc.utf8_rpad(pc.utf8_rtrim(digits, characters="0"), width=2, padding="0")
    text = pc.binary_join_element_wise(pc.cast(whole, pa.string()), digits, ".")
    return pc.if_else(negative, pc.binary_join_element_wise("-", text, ""), text)


def _text_array(values: pa.Array) -> pa.Array:
    strings = values.cast(pa.string())
    risky = pc.match_substring_regex(strings, FORMULA_PATTERN)
    return pc.if_else(risky, pc.binary_join_element_wise("'", strings, ""), strings)


def _write_csv(connection: Any, criteria: q.OrderCriteria, chosen: Sequence[str], zone: Any,
               out: BinaryIO, report: Callable[[int], None]) -> tuple[int, dict[str, Decimal]]:
    """Formats whole columns at a time with Arrow compute; Python never touches a single cell."""
    fetched = tuple(dict.fromkeys((*chosen, "amount", "currency")))
    local = pa.timestamp("us", tz=zone.key)
    titles = headers(chosen, zone.key)
    schema = pa.schema([(t, pa.int64() if COLUMNS[c][1] == "int" else pa.string())
                        for t, c in zip(titles, chosen, strict=True)])
    # The BOM makes Excel read the file as UTF-8 instead of the local code page; the header is
    # written here because Arrow would quote every title.
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(titles)
    out.write(("\ufeff" + header.getvalue()).encode())
    sink = pa.PythonFile(out, mode="w")
    writer = pacsv.CSVWriter(sink, schema, write_options=pacsv.WriteOptions(include_header=False))
    totals: dict[str, Decimal] = {}
    rows = 0
    for batch in q.stream_arrow(connection, criteria, fetched, chunk=CSV_CHUNK):
        arrays = []
        for column in chosen:
            kind, values = COLUMNS[column][1], batch[column]
            if kind == "money":
                arrays.append(_money_text_array(values))
            elif kind == "time":
                text = pc.strftime(values.cast(local), format="%Y-%m-%d %H:%M:%S")
                arrays.append(pc.utf8_slice_codeunits(text, 0, 19))  # %S carries microseconds
            elif kind == "int":
                arrays.append(values.cast(pa.int64()))
            else:
                arrays.append(_text_array(values))
        writer.write_batch(pa.record_batch(arrays, schema=schema))
        sums = pa.table({"c": batch["currency"], "a": batch["amount"].cast(pa.decimal128(38, 0))})
        for entry in sums.group_by("c").aggregate([("a", "sum")]).to_pylist():
            units = Decimal(entry["a_sum"]).scaleb(-MONEY_SCALE)
            totals[entry["c"]] = totals.get(entry["c"], Decimal(0)) + units
        rows += len(batch["currency"])
        report(rows)
    writer.close()
    out.flush()
    return rows, {code: amount.quantize(_QUANTUM) for code, amount in totals.items()}


def export_orders_bytes(
    services: Services, actor: Actor, *, filters: OrderFilters,
    columns: Sequence[str] | None = None, fmt: Format,
) -> bytes:
    """For a browser download, which needs the whole file at once."""
    buffer = io.BytesIO()
    export_orders(services, actor, filters=filters, columns=columns, fmt=fmt, out=buffer)
    return buffer.getvalue()


class _XlsxSink:
    """xlsxwriter in constant_memory mode: each row goes to a temp file as soon as it is written."""

    def __init__(self, out: BinaryIO, columns: Sequence[str], zone: Any, filters: OrderFilters,
                 actor: Actor, now: datetime) -> None:
        self._book = xlsxwriter.Workbook(out, {"constant_memory": True})
        self._columns = list(columns)
        self._kinds = [COLUMNS[c][1] for c in columns]
        self._zone = zone
        self._header = headers(columns, zone.key)
        self._bold = self._book.add_format({"bold": True})
        self._money = self._book.add_format({"num_format": "#,##0.00######"})
        self._time = self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self._note = (
            f"Times are in {zone.key}. Exported {now.astimezone(zone):%Y-%m-%d %H:%M} by "
            f"{actor.username}. Filters: "
            + (", ".join(f"{k}={v}" for k, v in filters_to_params(filters).items()) or "none")
            + ". Amounts with more than 15 significant digits are stored as text to stay exact."
        )
        self._sheets = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self._sheets += 1
        name = "Orders" if self._sheets == 1 else f"Orders {self._sheets}"
        self._sheet = self._book.add_worksheet(name)
        for index, (kind, title) in enumerate(zip(self._kinds, self._header, strict=True)):
            self._sheet.set_column(index, index, 20 if kind == "time" else 16)
            self._sheet.write_string(0, index, title, self._bold)
        self._row = 1

    def write(self, rows: list[list[Any]]) -> None:
        for values in rows:
            if self._row >= XLSX_MAX_ROWS:
                self._new_sheet()
            sheet, r = self._sheet, self._row
            for c, (kind, value) in enumerate(zip(self._kinds, values, strict=True)):
                if value is None:
                    continue
                if kind == "money":
                    digits = len(value.normalize().as_tuple().digits)
                    if digits <= _EXCEL_DIGITS:
                        # 15 significant digits survive a double exactly as Excel displays them.
                        sheet.write_number(r, c, float(value), self._money)  # float-ok
                    else:
                        sheet.write_string(r, c, money_text(value))
                elif kind == "time":
                    local = value.astimezone(self._zone).replace(tzinfo=None)
                    sheet.write_datetime(r, c, local, self._time)
                elif kind == "int":
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, neutralise(str(value)))
            self._row += 1

    def close(self) -> None:
        about = self._book.add_worksheet("About")
        about.set_column(0, 0, 120)
        about.write_string(0, 0, self._note)
        self._book.close()
