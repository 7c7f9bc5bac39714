"""Crafted files against the shared reader and payout validation: bombs are refused before they
expand, malformed workbooks always give a message, and no payment line is lost or changed
without a finding naming its line and column (or the sheet)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.payouts.drafts import apply_edits
from services.files.findings import ERROR
from services.files.reading import UnreadableFileError, read_payout_file
from services.payouts.validation import validate_payout_file, validate_table
from tests.fixtures import hostile

BOMBS = {
    "far_row": hostile.far_row_bomb,
    "far_column": hostile.far_column_bomb,
    "declared_dimension": hostile.declared_dimension_bomb,
    "rows_without_references": hostile.row_without_reference_bomb,
    "part_header_declares_600_MB": hostile.declared_huge_part,
    "lower_case_far_column": lambda: hostile.odd_reference_bomb("xfd2"),
    "row_past_excels_last": lambda: hostile.odd_reference_bomb("A10485760"),
    "four_letter_column": lambda: hostile.odd_reference_bomb("AAAA2"),
    "no_space_before_the_reference": lambda: hostile.odd_reference_bomb("XFD2", space=""),
    "cells_under_an_undeclared_prefix": hostile.prefixed_cells_bomb,
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_spreadsheet_bombs_are_refused_with_a_message(name):
    with pytest.raises(UnreadableFileError) as refused:
        read_payout_file(BOMBS[name](), file_name="bomb.xlsx")
    assert "limit" in str(refused.value)


def test_a_bomb_message_names_the_sheet_and_the_row():
    with pytest.raises(UnreadableFileError, match=r"sheet 'Payouts' has cells down to row "
                                                  r"1,048,576, beyond the limit"):
        read_payout_file(hostile.far_row_bomb(), file_name="bomb.xlsx")


def test_a_part_that_unpacks_beyond_its_header_is_read_only_as_far_as_the_header_says():
    # 64 MB of whitespace behind a header saying 2 KB: only the 2 KB are ever unpacked.
    table = read_payout_file(hostile.understated_part_bomb(), file_name="bomb.xlsx")
    assert table.rows == [list(hostile.GOOD)]


@pytest.mark.parametrize("name", sorted(hostile.malformed_workbooks()))
def test_malformed_workbooks_always_give_a_message(name):
    data = hostile.malformed_workbooks()[name]
    try:
        result = validate_payout_file(data, file_name="broken.xlsx")
    except UnreadableFileError as error:
        assert str(error)
    else:  # what calamine can still read is validated like any file
        assert result.table is not None


def test_a_workbook_with_several_sheets_says_which_it_read_and_reads_the_one_picked():
    data = hostile.two_visible_sheets()
    first = validate_payout_file(data, file_name="two.xlsx")
    assert (first.sheet, first.sheets) == ("June", ("June", "July"))
    [chosen] = [f for f in first.findings if f.code == "sheet_chosen"]
    assert "read 'June'" in chosen.message and "'July'" in chosen.message
    assert chosen.severity == "warning"
    picked = validate_payout_file(data, file_name="two.xlsx", sheet="July")
    assert picked.sheet == "July"
    assert [(i.receiver, i.amount) for i in picked.instructions()] == [
        ("354678913", Decimal("7"))]
    with pytest.raises(UnreadableFileError, match="no sheet 'August'; its sheets are 'June', "
                                                  "'July'"):
        validate_payout_file(data, file_name="two.xlsx", sheet="August")


def test_a_hidden_first_sheet_is_never_paid_and_blocks_the_file():
    result = validate_payout_file(hostile.hidden_first_sheet(), file_name="hidden.xlsx")
    assert result.sheet == "Payouts"  # the visible sheet, not the hidden first one
    [hidden] = [f for f in result.findings if f.code == "sheet_hidden"]
    assert (hidden.line, hidden.severity) == (None, ERROR) and "'Pay'" in hidden.message
    assert result.instructions() == []


def test_a_stale_dimension_is_an_error_naming_the_sheet():
    result = validate_payout_file(hostile.stale_dimension(), file_name="stale.xlsx")
    [stale] = [f for f in result.findings if f.code == "sheet_dimension_stale"]
    assert "'Payouts'" in stale.message and "F2" in stale.message and "F3" in stale.message
    assert result.instructions() == []
    assert len(result.table) == 2  # both lines were read; none is paid


def _errors(result):  # type: ignore[no-untyped-def]
    return [(f.line, f.column, f.code) for f in result.findings if f.severity == ERROR]


def test_an_unclosed_quote_is_reported_where_it_opens_and_nothing_after_it_is_paid():
    result = validate_payout_file(hostile.unclosed_quote_csv())
    assert _errors(result) == [(3, "remark", "cell_line_break")]
    assert [i.file_line for i in result.instructions()] == [2]


def test_an_unclosed_quote_in_the_last_line_is_a_finding_not_an_unreadable_file():
    data = hostile.payout_csv(",".join(hostile.HEADER), 'BINANCE_ID,354678913,10,USDT,"bonus,')
    assert _errors(validate_payout_file(data)) == [(2, "remark", "cell_line_break")]


def test_an_unquoted_comma_that_shifts_the_columns_names_the_nameless_column():
    result = validate_payout_file(hostile.unquoted_comma_csv())
    assert _errors(result) == [(3, "column 7", "line_extra_cells")]
    assert "quotes" in result.errors[0].message
    assert [i.merchant_send_id for i in result.instructions()] == [None]  # 'paid' is never used


def test_trailing_empty_cells_on_every_line_are_a_programs_habit_not_a_shift():
    data = hostile.payout_csv(",".join(hostile.HEADER), ",".join(hostile.GOOD) + ",,")
    assert _errors(validate_payout_file(data)) == []


def test_a_formula_behind_leading_spaces_is_an_error():
    result = validate_payout_file(hostile.leading_space_formula_csv())
    assert _errors(result) == [(3, "remark", "formula_hidden")]


def test_a_number_cell_from_spreadsheet_arithmetic_is_not_taken_for_what_it_shows():
    result = validate_payout_file(hostile.inexact_number_cell(), file_name="sum.xlsx")
    assert (2, "amount", "number_inexact") in _errors(result)
    assert result.instructions() == []


def test_retyping_an_inexact_number_in_place_clears_its_finding():
    raw = read_payout_file(hostile.inexact_number_cell(), file_name="sum.xlsx")
    fixed = validate_table(apply_edits(raw, {2: {"amount": "0.3"}})[0])
    assert _errors(fixed) == []
    assert [i.amount for i in fixed.instructions()] == [Decimal("0.3")]


def test_an_email_receiver_over_254_characters_is_refused():
    result = validate_payout_file(hostile.long_email_csv())
    assert _errors(result) == [(3, "receiver", "email_invalid")]


def test_digits_of_other_scripts_are_errors_in_amounts_and_receivers():
    """Full-width, Arabic-Indic and Devanagari digits are never read as 12 or as the receiver
    they look like (which would also slip past the duplicate check): each line is an error."""
    result = validate_payout_file(hostile.foreign_digits_csv())
    assert _errors(result) == [(3, "amount", "amount_not_a_number"),
                               (4, "amount", "amount_not_a_number"),
                               (5, "amount", "amount_not_a_number")]
    same_receiver = hostile.payout_csv(
        ",".join(hostile.HEADER), hostile.csv_line(*hostile.GOOD),
        "BINANCE_ID,\uff13\uff15\uff14\uff16\uff17\uff18\uff19\uff11\uff12,25.50,USDT,,",
        "BINANCE_ID,\u0663\u0665\u0664\u0666\u0667\u0668\u0669\u0661\u0662,25.50,USDT,,",
        "BINANCE_ID,\u0969\u096b\u096a\u096c\u096d\u096e\u096f\u0967\u0968,25.50,USDT,,")
    result = validate_payout_file(same_receiver)
    assert _errors(result) == [(3, "receiver", "binance_id_invalid"),
                               (4, "receiver", "binance_id_invalid"),
                               (5, "receiver", "binance_id_invalid")]
    assert [i.receiver for i in result.instructions()] == ["354678912"]


@pytest.mark.parametrize(
    ("data", "name", "line", "character"),
    [
        (hostile.nul_csv(), "nul.csv", 3, "NUL"),
        (hostile.control_character_cell(), "nul.xlsx", 2, "NUL"),
        (hostile.payout_csv(",".join(hostile.HEADER), "BINANCE_ID,354678912,1,USDT,a\x1bb,"),
         "esc.csv", 2, "U+001B"),
        (hostile.payout_csv(",".join(hostile.HEADER),
                            "BINANCE_ID,354678912,1,USDT,pay \u202egro.live,"),
         "bidi.csv", 2, "U+202E"),
    ],
)
def test_control_characters_are_refused_with_line_and_column(data, name, line, character):
    result = validate_payout_file(data, file_name=name)
    [finding] = [f for f in result.findings if f.code == "cell_control_character"]
    assert (finding.line, finding.column, finding.severity) == (line, "remark", ERROR)
    assert character in finding.message
    assert line not in [i.file_line for i in result.instructions()]


def test_a_control_character_typed_in_place_is_refused_too():
    raw = read_payout_file(hostile.payout_csv(",".join(hostile.HEADER), ",".join(hostile.GOOD)))
    result = validate_table(apply_edits(raw, {2: {"remark": "a\x00b"}})[0])
    assert _errors(result) == [(2, "remark", "cell_control_character")]


def test_a_huge_cell_is_called_too_long_not_an_unclosed_quote():
    result = validate_payout_file(hostile.huge_cell_csv(size=200_000))
    [finding] = [f for f in result.findings if f.code == "cell_too_long"]
    assert (finding.line, finding.column) == (3, "remark")
    assert "200,000 characters" in finding.message and "quote" not in finding.message


def test_a_huge_spreadsheet_cell_is_too_long_as_well():
    result = validate_payout_file(hostile.huge_cell(), file_name="long.xlsx")
    assert (2, "remark", "cell_too_long") in _errors(result)


def test_an_unsupported_currency_says_what_to_write_instead():
    data = hostile.payout_csv(",".join(hostile.HEADER), "BINANCE_ID,354678912,10,EUR,,")
    [finding] = validate_payout_file(data).errors
    assert finding.code == "currency_unsupported"
    assert "write one of" in finding.message and "USDT" in finding.message


def test_formulas_are_reported_never_their_cached_result():
    data = hostile.workbook(hostile.HEADER, ("BINANCE_ID", "354678912", "=B2*2", "USDT", "", ""))
    table = read_payout_file(data, file_name="f.xlsx")
    assert table.rows[0][2] == "=B2*2"
    assert (2, "amount", "amount_not_a_number") in _errors(validate_table(table))


def test_whole_numbers_stay_whole_and_ids_keep_their_digits():
    data = hostile.workbook(hostile.HEADER, ("BINANCE_ID", 354678912, 25, "USDT", "", ""))
    assert read_payout_file(data, file_name="n.xlsx").rows == [
        ["BINANCE_ID", "354678912", "25", "USDT", "", ""]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\n" * 1_000_001 + b"receiver,amount\n", "1,000,002 lines, over the 1,000,000"),
        (b"receiver,amount\r" + b"1,2\r" * 1_000_000, "over the 1,000,000"),
        (b"a" * 2_000, "holds 2,000 characters, so it is not a header"),
        (b"receiver,amount\n" + b"1," * 300 + b"\n",
         "line 2 has 301 cells; PayDesk reads at most 256"),
    ],
)
def test_csv_shapes_no_payout_file_has_are_refused_before_they_are_processed(data, message):
    with pytest.raises(UnreadableFileError, match=message):
        read_payout_file(data)
