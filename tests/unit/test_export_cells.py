"""One neutralisation rule for every file PayDesk writes, in Python and in Arrow alike."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from services.core.cells import safe_csv_cell
from services.core.cells import FORMULA_PATTERN, neutralise
from services.payouts.report import neutralise_cell

HOSTILE = [
    " =1+1", "  @SUM(A1)", "\n=HYPERLINK(\"x\")", "\r\n+1", "\u3000=1", "\u00a0-2",
    "\uff1dcmd|' /C calc'!A0", "\uff0b1", "\uff0d1", "\uff20x", "=1", "+1", "-1", "@x",
    "\tx", "\rx", "\nx",
]
HARMLESS = ["a=1", "Refund for order 12", "", "1.00", "x-y", "user@example.com"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_cells_are_made_text(text: str) -> None:
    for rule in (neutralise, neutralise_cell, safe_csv_cell):
        assert rule(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_the_arrow_path_applies_the_same_rule() -> None:
    cells = pa.array(HOSTILE + HARMLESS)
    risky = pc.match_substring_regex(cells, FORMULA_PATTERN).to_pylist()
    assert risky == [True] * len(HOSTILE) + [False] * len(HARMLESS)
