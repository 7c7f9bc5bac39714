"""Files as finance teams save them: encodings, separators, quotes, line endings, XLSX."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.files.reading import UnreadableFileError, cell_text, read_payout_file
from services.payouts.validation import validate_payout_file


def test_excel_csv_with_bom_semicolons_and_crlf(fixture_bytes):
    table = read_payout_file(fixture_bytes("excel_bom_semicolon.csv"))
    assert (table.encoding, table.delimiter, table.kind) == ("utf-8-sig", ";", "csv")
    assert table.header[0] == "Receive Type"  # the BOM is not part of the first header
    assert table.lines == [2, 4]  # the ';;;;;' line is blank but still counted
    assert table.rows[0][4] == "Bonus; June"
    result = validate_payout_file(fixture_bytes("excel_bom_semicolon.csv"))
    assert [(f.line, f.code) for f in result.findings] == [(4, "email_claim_window")]
    assert [(i.file_line, i.amount, i.remark) for i in result.instructions()] == [
        (2, Decimal("25.50"), "Bonus; June"),
        (4, Decimal("0.015"), "Prämie"),
    ]


def test_utf16_tab_separated(fixture_bytes):
    table = read_payout_file(fixture_bytes("utf16_tab.txt"))
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.rows[0][4] == "Премия"
    bom_less = "receiver\tamount\n354678912\t1\n".encode("utf-16-le")
    assert read_payout_file(bom_less).encoding == "utf-16-le"


def test_windows_1252_and_any_column_order(fixture_bytes):
    table = read_payout_file(fixture_bytes("windows1252.csv"))
    assert table.encoding == "cp1252"
    result = validate_payout_file(fixture_bytes("windows1252.csv"))
    assert result.findings == ()
    [line] = result.instructions()
    assert (line.receiver, line.currency, line.amount, line.remark) == (
        "354678912",
        "USDT",
        Decimal("10"),
        "Café €5",
    )


def test_tab_separated_with_upper_case_headers(fixture_bytes):
    result = validate_payout_file(fixture_bytes("tab_separated.tsv"))
    assert result.findings == ()
    assert result.instructions()[0].currency == "BNB"


def test_quoted_fields_spanning_lines_keep_the_users_line_numbers(fixture_bytes):
    table = read_payout_file(fixture_bytes("quoted_multiline.csv"))
    assert table.lines == [2, 5]
    assert table.rows[0][4] == 'Paid, with "thanks"\nsecond line'


def test_crlf_and_blank_lines(fixture_bytes):
    table = read_payout_file(fixture_bytes("crlf.csv"))
    assert table.lines == [2, 4]
    assert table.rows[1] == ["BINANCE_ID", "354678913", "6", "USDT"]


def test_xlsx_cells_arrive_as_the_typed_text(fixture_bytes):
    table = read_payout_file(fixture_bytes("payouts.xlsx"))
    assert table.kind == "xlsx"
    assert table.lines == [2, 4, 5]  # row 3 is empty
    assert table.rows[0][:3] == ["BINANCE_ID", "354678912", "12.5"]
    assert table.rows[2][2] == "=B2*2"  # formulas are never evaluated into payable amounts
    result = validate_payout_file(fixture_bytes("payouts.xlsx"))
    assert [(f.line, f.code) for f in result.findings] == [
        (4, "email_claim_window"),
        (5, "amount_not_a_number"),
        (5, "formula_like"),
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (12.5, "12.5"),
        (354678912, "354678912"),
        (1e16, "1e+16"),
        (True, "TRUE"),
        (Decimal("1.10"), "1.10"),
    ],
)
def test_cell_text_never_rounds(value, text):
    assert cell_text(value) == text


def test_header_may_come_after_blank_lines():
    table = read_payout_file(b"\n\nreceiver,amount\n354678912,1\n")
    assert (table.header_line, table.lines) == (3, [4])


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,  # binary
        b"PK\x03\x04 not really a zip",  # a broken spreadsheet
        b"\xef\xbb\xbfreceiver\n\xff\xfe\n",  # says UTF-8, is not
    ],
)
def test_unreadable_bytes_raise(data):
    with pytest.raises(UnreadableFileError):
        read_payout_file(data)


def test_delimiter_is_taken_from_the_header_not_from_values():
    table = read_payout_file(b'receiver;amount;remark\n354678912;1;"a, b, c"\n')
    assert table.delimiter == ";"
    assert table.rows == [["354678912", "1", "a, b, c"]]


def test_the_cycle_collector_is_back_on_after_reading(fixture_bytes):
    import gc

    read_payout_file(fixture_bytes("crlf.csv"))
    assert gc.isenabled()
    with pytest.raises(UnreadableFileError):
        read_payout_file(b"receiver\n\xff\xfe\x00")
    assert gc.isenabled()
