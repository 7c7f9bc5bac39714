"""Column settings shared by the tables: amounts are exact text with their currency, and read
best right-aligned so the digits line up."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

# Wider than any glyph of the grid's 14 px font (digits are ~7 px, capitals up to ~9 px) plus
# the cell's padding: a column sized this way never clips an amount.
_PX_PER_CHAR = 8.5
_CELL_PADDING_PX = 18


def _texts(data: Any, label: str) -> Iterable[str]:
    if isinstance(data, pd.DataFrame):
        return (str(v) for v in data[label]) if label in data.columns else ()
    return (str(row.get(label, "")) for row in data if isinstance(row, Mapping))


def fitting_width(texts: Iterable[str]) -> int:
    """Pixels a grid column needs to show the longest of `texts` whole."""
    longest = max((len(t) for t in texts), default=0)
    return math.ceil(longest * _PX_PER_CHAR) + _CELL_PADDING_PX


def right_aligned(*labels: str, data: Any = None) -> dict[str, Any]:
    """column_config entries that right-align the named text columns (amounts, totals).

    Given the table's `data` (a DataFrame or a list of row dicts), each column is also made wide
    enough for its longest value: the grid otherwise sizes columns from the first rows it sees,
    and a right-aligned amount that does not fit loses its leading digits ('80.00' for
    '1,280.00').
    """
    config: dict[str, Any] = {}
    for label in labels:
        width = None if data is None else fitting_width([label, *_texts(data, label)])
        config[label] = st.column_config.TextColumn(alignment="right", width=width)
    return config
