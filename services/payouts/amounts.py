"""Vectorised amount rules: every amount cell classified at once, exact values only for good ones.

A cell is first matched against the one accepted shape (digits, optionally a dot and digits); only
the rest are examined further to say precisely what is wrong. Values become Decimal, never float.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from services.core.money import PLAIN_AMOUNT_PATTERN, currency_decimals

PLAIN = PLAIN_AMOUNT_PATTERN
_NEGATIVE = r"-\s*[\d.,'\s]*\d[\d.,'\s]*"
_NON_FINITE = r"(?i)[+-]?(?:inf|infinity|nan|snan)"
_SCIENTIFIC = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)[eE][+-]?\d+"
_THOUSANDS = (
    "\\d{1,3}(?:[,'\u00a0\u202f ]\\d{3})+(?:\\.\\d+)?"  # 1,234.56  1'234  1 234 (no-break spaces)
    r"|\d{1,3}(?:\.\d{3})+,\d+"  # 1.234,56
    r"|\d{1,3}(?:\.\d{3}){2,}"  # 1.234.567
)
_ZERO = r"0+(?:\.0+)?"

OK = "ok"


@dataclass(frozen=True)
class AmountCheck:
    code: np.ndarray  # per line: "ok" or a finding code
    value: np.ndarray  # per line: Decimal for "ok" lines, None otherwise
    key: pd.Series  # per line: the amount in a canonical text form ("10.5" for "010.50")


def classify_amounts(
    text: pd.Series,
    currency: pd.Series,
    *,
    decimals: Mapping[str, int],
    caps: Mapping[str, Decimal],
) -> AmountCheck:
    """`text` holds stripped amount cells, `currency` upper-case codes (unsupported ones included);
    `decimals` gives the places allowed per supported currency, `caps` the per-line limits."""
    size = len(text)
    code = np.full(size, OK, dtype=object)
    plain = text.str.fullmatch(PLAIN).to_numpy(dtype=bool)
    code[text.eq("").to_numpy(dtype=bool)] = "amount_missing"
    rest = ~plain & (code == OK)
    if rest.any():
        odd = text[rest]
        rules = (
            ("amount_not_finite", _NON_FINITE),
            ("amount_negative", _NEGATIVE),
            ("amount_scientific", _SCIENTIFIC),
            ("amount_thousands_separator", _THOUSANDS),
        )
        labels = np.full(len(odd), "amount_not_a_number", dtype=object)
        undecided = np.ones(len(odd), dtype=bool)
        for label, pattern in rules:
            hit = odd.str.fullmatch(pattern).to_numpy(dtype=bool) & undecided
            labels[hit] = label
            undecided &= ~hit
        code[rest] = labels

    zero = plain & text.str.fullmatch(_ZERO).to_numpy(dtype=bool)
    code[zero] = "amount_zero"

    has_dot = text.str.contains(".", regex=False).to_numpy(dtype=bool) & plain
    # No look-arounds: they would push the regex out of Arrow's engine into a row-by-row loop.
    # Trailing zeros carry no value: 1.500000000 BTC is exactly 1.5 and within 8 places.
    key = text.str.replace(r"^0+(\d)", r"\1", regex=True)
    key = key.where(~has_dot, key.str.replace(r"\.?0+$", "", regex=True))
    dot_at = key.str.find(".").to_numpy(dtype=np.int64)
    lengths = key.str.len().to_numpy(dtype=np.int64)
    places = np.where(has_dot & (dot_at >= 0), lengths - dot_at - 1, 0)

    lookup = {cur: decimals.get(cur, -1) for cur in currency.unique().tolist()}
    allowed = currency.map(lookup).to_numpy(dtype=np.int64)
    too_precise = plain & ~zero & (allowed >= 0) & (places > allowed)
    code[too_precise] = "amount_too_many_decimals"

    value = np.full(size, None, dtype=object)
    good = code == OK
    value[good] = [Decimal(item) for item in text[good].tolist()]
    currency_values = currency.to_numpy(dtype=object)
    for cur, cap in caps.items():
        rows = good & (currency_values == cur)
        if rows.any():
            over = np.zeros(size, dtype=bool)
            over[rows] = [item > cap for item in value[rows]]
            code[over] = "amount_over_cap"
            value[over] = None
    return AmountCheck(code=code, value=value, key=key)


def amount_message(code: str, value: str, currency: str, caps: Mapping[str, Decimal]) -> str:
    if code == "amount_missing":
        return "the amount is empty; write the amount to pay, like 25.50"
    if code == "amount_not_finite":
        return f"'{value}' is not an amount; write the amount to pay, like 25.50"
    if code == "amount_negative":
        return f"'{value}' is negative; payouts are positive amounts: remove the minus sign"
    if code == "amount_scientific":
        return (
            f"'{value}' is in scientific notation (a spreadsheet did this); "
            "format the column as text or number with all digits, like 1500000 or 0.00012"
        )
    if code == "amount_thousands_separator":
        return (
            f"'{value}' has a thousands separator; write it without one and with a dot "
            "for decimals, like 1234.56"
        )
    if code == "amount_zero":
        return "the amount is zero; write the amount to pay, or remove the line"
    if code == "amount_too_many_decimals":
        places = currency_decimals(currency)
        return (
            f"'{value}' has more than {places} decimal places for {currency}; "
            f"round it to at most {places} places yourself (PayDesk never rounds amounts)"
        )
    if code == "amount_over_cap":
        return (
            f"{value} {currency} is over the limit of {caps[currency]} {currency} per line; "
            "split the payment over several lines or batches, or lower the amount"
        )
    return (
        f"'{value}' is not a number; write digits with a dot for decimals, like 1234.56 "
        "(no currency signs, spaces, plus signs or decimal commas)"
    )
