"""The counts that bound a sheet's extent before calamine reads it: taken in one or two passes
over the sheet when they can be, and always the same as counting every way a tag can end."""

from __future__ import annotations

import pytest

from services.files import spreadsheet
from services.files.reading import UnreadableFileError, read_payout_file
from tests.fixtures import hostile

ENDS = (b" ", b">", b"/", b"\t", b"\n", b"\r")


def counted_one_by_one(xml: bytes, prefix: bytes, name: bytes) -> tuple[int, int]:
    """Every start tag of `name` under any prefix, and those with r="…" first, the slow way."""
    total = sum(xml.count(start + name + end) for start in (b"<", b":") for end in ENDS)
    referenced = xml.count(b"<" + name + b' r="')
    if prefix:
        referenced += xml.count(b"<" + prefix + b":" + name + b' r="')
    return total, referenced


SHEETS = {
    "references only": b'<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="s"><v>0</v></c></row>',
    "column widths": b'<cols><col min="1" max="2" width="9"/></cols>'
                     b'<row r="1"><c r="A1"><v>1</v></c></row>',
    "widths and cells without references": b'<cols><col min="1" max="2"/></cols>'
                                           b'<row r="1"><c r="A1"/><c><v>1</v></c><c/>'
                                           b'<c\t><v>2</v></c></row>',
    "self-closing and bare cells": b"<row><c/><c>x</c><c\nr='A1'/></row>",
    "prefixed cells": b'<x:row r="1"><x:c r="A1"/><x:c><x:v>1</x:v></x:c></x:row>',
    "an undeclared prefix": b'<row r="1"><zz:c><v>1</v></zz:c></row>',
    "':c ' inside a value": b'<row r="1"><c r="A1" t="inlineStr"><is><t>a:c b</t></is></c></row>',
    "row breaks": b'<row r="1"/><row/><rowBreaks count="1"><brk id="3"/></rowBreaks>',
}


@pytest.mark.parametrize("name", sorted(SHEETS))
@pytest.mark.parametrize("prefix", [b"", b"x"])
@pytest.mark.parametrize("tag", [b"c", b"row"])
def test_tag_counts_agree_with_counting_every_ending(name, prefix, tag):
    xml = SHEETS[name]
    assert spreadsheet._tags(xml, prefix, tag) == counted_one_by_one(xml, prefix, tag)


def test_cells_without_references_beside_column_widths_still_push_the_extent():
    """Column widths make the quick count inconclusive; the full count then finds the cells."""
    cells = "<c><v>1</v></c>" * 300
    xml = hostile.sheet_xml([hostile.HEADER, hostile.GOOD]).replace(
        "<sheetData>", '<cols><col min="1" max="4" width="20"/></cols><sheetData>').replace(
        "</sheetData>", f'<row r="3">{cells}</row></sheetData>')
    data = hostile.Book([hostile.Sheet("Payouts", xml)]).build()
    with pytest.raises(UnreadableFileError, match="beyond the limit of 256 columns"):
        read_payout_file(data, file_name="widths.xlsx")


def test_references_are_found_however_they_are_written():
    xml = (b'<c r="B2"/><c t="s"r="xfd3"/><c  r = \'C0007\'/><c data-r="ZZ9"/>'
           b'<c xr="ZZ9"/><c a:r="ZZ9"/>')
    assert spreadsheet._CELL_REF.findall(xml) == [(b"B", b"2"), (b"xfd", b"3"), (b"C", b"7")]
    assert spreadsheet._ROW_REF.findall(b'<row r="12"/><row spans="1:3" r=\'04\'/><row x-r="9"/>'
                                        ) == [b"12", b"4"]


def test_one_huge_shared_string_is_refused_before_calamine_reads_it(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("calamine was asked to read a 90 MB string")

    monkeypatch.setattr(spreadsheet, "_calamine_rows", never)
    with pytest.raises(UnreadableFileError, match=r"sharedStrings.xml holds a value of "
                                                  r"94,371,8\d\d bytes, longer than any"):
        read_payout_file(hostile.huge_shared_string(), file_name="huge.xlsx")


def test_a_long_value_a_cell_can_hold_is_read_and_reported_by_its_cell():
    """Up to what a cell can hold the value is read, so the finding names its line and column."""
    limit = spreadsheet.MAX_TEXT_RUN_BYTES
    table = read_payout_file(hostile.huge_shared_string(size=limit - 64), file_name="long.xlsx")
    assert len(table.rows[0][4]) == limit - 64
    with pytest.raises(UnreadableFileError, match="longer than any"):
        read_payout_file(hostile.huge_shared_string(size=limit + 1), file_name="long.xlsx")


BOMBS = {
    "far_row": hostile.far_row_bomb,
    "far_column": hostile.far_column_bomb,
    "declared_dimension": hostile.declared_dimension_bomb,
    "rows_without_references": hostile.row_without_reference_bomb,
    "prefixed_cells": hostile.prefixed_cells_bomb,
    "part_header_declares_600_MB": hostile.declared_huge_part,
    "lower_case_far_column": lambda: hostile.odd_reference_bomb("xfd2"),
    "no_space_before_the_reference": lambda: hostile.odd_reference_bomb("XFD2", space=""),
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_are_refused_before_calamine_expands_anything(name, monkeypatch):
    """The checks run on the measured parts alone: calamine, which would build the grid, is
    never reached by a bomb."""
    def never(*args, **kwargs):
        raise AssertionError("calamine was asked to read a bomb")

    monkeypatch.setattr(spreadsheet, "_calamine_rows", never)
    with pytest.raises(UnreadableFileError, match="limit"):
        read_payout_file(BOMBS[name](), file_name="bomb.xlsx")
