"""Column settings shared by the tables: amounts are exact text with their currency, and read
best right-aligned so the digits line up."""

from __future__ import annotations

from typing import Any

import streamlit as st


def right_aligned(*labels: str) -> dict[str, Any]:
    """column_config entries that right-align the named text columns (amounts, totals)."""
    return {label: st.column_config.TextColumn(alignment="right") for label in labels}
