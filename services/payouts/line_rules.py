"""Per-line rules other than amounts: receive type, receiver, currency, remark, merchant send id,
duplicates within the file and against history, and spreadsheet formulas. Each rule is a column
operation; messages are built only for the lines that fail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from services.payouts.amounts import OK, AmountCheck
from services.payouts.file_format import (
    COLUMN_BY_NAME,
    COLUMNS,
    REMARK_MAX_CHARS,
    SEND_ID_MAX_CHARS,
)
from services.files.findings import ERROR, WARNING, Finding, FindingList, Severity
from services.payouts.history import PastPayment, PayoutHistory

if TYPE_CHECKING:
    from services.payouts.validation import PayoutRules

# A Binance user id (UID / Pay ID) is all digits, without a leading zero; 6 to 12 digits covers
# every id issued so far with room to grow, and rejects phone numbers and truncated pastes.
BINANCE_ID = r"[1-9][0-9]{5,11}"
EMAIL = (
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]"
)
EMAIL_MAX_CHARS = 254
SEND_ID = r"[A-Za-z0-9]+"
# What a spreadsheet would run: = + - @ at the start (a signed number is only a number), tab, CR.
FORMULA_START = r"[=@\t\r]|[+-]([^0-9.]|$)"
_RECEIVE_TYPE_SPELLINGS = {"BINANCEID": "BINANCE_ID", "EMAIL": "EMAIL"}
_CLAIM_MESSAGE = (
    "paying by email: if the person has no Binance account they must sign up and verify within "
    "72 hours, or the amount returns to your wallet; use their Binance ID when you have it"
)
_LISTED = 5


class _Emitter:
    def __init__(
        self,
        frame: pd.DataFrame,
        findings: FindingList,
        headers: dict[str, str],
        positions: dict[str, int],
    ) -> None:
        self.lines = frame["line"].to_numpy()
        self.frame = frame
        self.findings = findings
        self.headers = headers
        self.positions = positions
        self.errors = np.zeros(len(frame), dtype=bool)

    def emit(
        self,
        mask: np.ndarray,
        column: str,
        severity: Severity,
        code: str,
        message: Callable[[int, str], str],
    ) -> None:
        """One finding per masked line; `message(row_index, value)` says how to fix it."""
        if not mask.any():
            return
        if severity == ERROR:
            self.errors |= mask
        if column not in self.positions and COLUMN_BY_NAME[column].required:
            return  # the missing column is reported once, not on every line
        header = self.headers.get(column, COLUMN_BY_NAME[column].label)
        position = self.positions.get(column, -1)
        rows = np.flatnonzero(mask)
        # Filter first, then convert: only the failing cells become Python strings.
        values = self.frame[column].take(rows).tolist()
        for index, line, value in zip(
            rows.tolist(), self.lines[rows].tolist(), values, strict=True
        ):
            self.findings.add(
                Finding(line, header, value, severity, code, message(index, value)), position
            )


def check_lines(
    frame: pd.DataFrame,
    raw_cells: dict[str, pd.Series],
    amounts: AmountCheck,
    findings: FindingList,
    *,
    headers: dict[str, str],
    positions: dict[str, int],
    rules: PayoutRules,
    history: PayoutHistory,
    since: datetime,
) -> np.ndarray:
    """Adds findings; returns which lines have an error (amount errors are added by the caller)."""
    out = _Emitter(frame, findings, headers, positions)
    receive_type = _normalise_receive_type(frame["receive_type"])
    frame["receive_type"] = receive_type.where(receive_type.ne(""), frame["receive_type"])
    receiver = frame["receiver"]
    has_receiver = receiver.ne("").to_numpy(dtype=bool)
    is_binance = receive_type.eq("BINANCE_ID").to_numpy(dtype=bool)
    is_email = receive_type.eq("EMAIL").to_numpy(dtype=bool)

    out.emit(
        ~is_binance & ~is_email,
        "receive_type",
        ERROR,
        "receive_type_invalid",
        lambda _i, v: (
            "the receive type is empty; write BINANCE_ID or EMAIL"
            if not v
            else f"'{v}' is not a receive type; write BINANCE_ID or EMAIL"
        ),
    )
    out.emit(
        ~has_receiver,
        "receiver",
        ERROR,
        "receiver_missing",
        lambda _i, _v: "the receiver is empty; write the person's Binance ID or email",
    )
    binance_ok = receiver.str.fullmatch(BINANCE_ID).to_numpy(dtype=bool)
    email_ok = (receiver.str.fullmatch(EMAIL) & receiver.str.len().le(EMAIL_MAX_CHARS)).to_numpy(
        dtype=bool
    )
    out.emit(
        is_binance & has_receiver & ~binance_ok,
        "receiver",
        ERROR,
        "binance_id_invalid",
        lambda _i, v: (
            f"'{v}' looks like an email; set the receive type to EMAIL"
            if "@" in v
            else f"'{v}' is not a Binance ID: it is 6 to 12 digits with no spaces "
            "or leading zero; copy it from the person's Binance profile"
        ),
    )
    out.emit(
        is_email & has_receiver & ~email_ok,
        "receiver",
        ERROR,
        "email_invalid",
        lambda _i, v: (
            f"'{v}' looks like a Binance ID; set the receive type to BINANCE_ID"
            if "@" not in v and v.isdigit()
            else f"'{v}' is not a valid email address; correct it (like name@example.com)"
        ),
    )
    out.emit(
        is_email & email_ok,
        "receiver",
        WARNING,
        "email_claim_window",
        lambda _i, _v: _CLAIM_MESSAGE,
    )

    currency = frame["currency"]
    supported = currency.isin(rules.currencies).to_numpy(dtype=bool)
    empty_currency = currency.eq("").to_numpy(dtype=bool)
    listed = ", ".join(sorted(rules.currencies))
    out.emit(
        empty_currency,
        "currency",
        ERROR,
        "currency_missing",
        lambda _i, _v: f"the currency is empty; write one of: {listed}",
    )
    out.emit(
        ~supported & ~empty_currency,
        "currency",
        ERROR,
        "currency_unsupported",
        lambda _i, v: (
            f"'{v}' cannot be paid out: Binance Pay pays out crypto only; write one of {listed} "
            "and the amount in that coin (convert the amount first if it was meant in "
            f"{v})"
        ),
    )

    too_long = frame["remark"].str.len().gt(REMARK_MAX_CHARS).to_numpy(dtype=bool)
    out.emit(
        too_long,
        "remark",
        ERROR,
        "remark_too_long",
        lambda _i, v: (
            f"the remark has {len(v)} characters; shorten it to {REMARK_MAX_CHARS} or fewer"
        ),
    )

    _check_send_ids(frame, out, history)
    _check_duplicates(
        frame,
        out,
        amounts,
        is_binance | is_email,
        supported,
        history,
        since,
        rules.duplicate_window_days,
    )
    for column in COLUMNS:
        cells = raw_cells.get(column.name)
        if cells is not None:
            formula = cells.str.match(FORMULA_START).to_numpy(dtype=bool)
            out.emit(
                formula,
                column.name,
                WARNING,
                "formula_like",
                lambda _i, _v: (
                    "a spreadsheet would run this cell as a formula; "
                    "check the value and remove the leading = + - or @"
                ),
            )
            # Leading spaces are trimmed before the value is stored, which would turn ' =X' into
            # a live formula that no warning above has seen.
            hidden = frame[column.name].str.match(FORMULA_START).to_numpy(dtype=bool) & ~formula
            out.emit(
                hidden,
                column.name,
                ERROR,
                "formula_hidden",
                lambda _i, _v: (
                    "the value starts with spaces and then = + - or @, so once the spaces are "
                    "trimmed a spreadsheet would run it as a formula; remove that character"
                ),
            )
    return out.errors


def _normalise_receive_type(text: pd.Series) -> pd.Series:
    spellings = {
        value: _RECEIVE_TYPE_SPELLINGS.get(
            value.upper().replace(" ", "").replace("_", "").replace("-", ""), ""
        )
        for value in text.unique().tolist()
    }
    return text.map(spellings).astype("str")


def _check_send_ids(frame: pd.DataFrame, out: _Emitter, history: PayoutHistory) -> None:
    send_id = frame["merchant_send_id"]
    given = send_id.ne("").to_numpy(dtype=bool)
    if not given.any():
        return
    out.emit(
        given & send_id.str.len().gt(SEND_ID_MAX_CHARS).to_numpy(dtype=bool),
        "merchant_send_id",
        ERROR,
        "send_id_too_long",
        lambda _i, v: (
            f"the merchant send id has {len(v)} characters; use at most "
            f"{SEND_ID_MAX_CHARS}, or leave it empty and PayDesk makes one"
        ),
    )
    out.emit(
        given & ~send_id.str.fullmatch(SEND_ID).to_numpy(dtype=bool),
        "merchant_send_id",
        ERROR,
        "send_id_invalid",
        lambda _i, v: f"'{v}' may hold only letters A-Z and digits; remove other characters",
    )
    repeated = given & send_id.duplicated(keep=False).to_numpy(dtype=bool)
    if repeated.any():
        others = _other_lines(frame["line"], send_id.to_frame(), repeated)
        out.emit(
            repeated,
            "merchant_send_id",
            ERROR,
            "send_id_repeated",
            lambda i, v: (
                f"'{v}' is also on line {others[i]}; every line needs its own merchant send id"
            ),
        )
    ids = sorted(set(send_id[given].tolist()))
    used = set(history.used_send_ids(ids))
    if used:
        out.emit(
            given & send_id.isin(used).to_numpy(dtype=bool),
            "merchant_send_id",
            ERROR,
            "send_id_used_before",
            lambda _i, v: (
                f"'{v}' was used by an earlier payout; give this line a new "
                "merchant send id (or remove it if it was already paid)"
            ),
        )


def _check_duplicates(
    frame: pd.DataFrame,
    out: _Emitter,
    amounts: AmountCheck,
    type_ok: np.ndarray,
    currency_ok: np.ndarray,
    history: PayoutHistory,
    since: datetime,
    window_days: int,
) -> None:
    comparable = (
        type_ok & currency_ok & (amounts.code == OK) & frame["receiver"].ne("").to_numpy(dtype=bool)
    )
    if not comparable.any():
        return
    receiver = frame["receiver"].str.lower()
    parts = pd.DataFrame(
        {"receiver": receiver, "currency": frame["currency"], "amount": amounts.key}
    )
    twice = comparable.copy()
    twice[comparable] = parts[comparable].duplicated(keep=False).to_numpy(dtype=bool)
    if twice.any():
        others = _other_lines(frame["line"], parts, twice)
        out.emit(
            twice,
            "receiver",
            WARNING,
            "duplicate_in_file",
            lambda i, v: (
                f"{v} is paid the same amount on line {others[i]}; remove the "
                "duplicate unless both payments are intended"
            ),
        )
    receivers = sorted(receiver[comparable].unique().tolist())
    past: dict[tuple[str, str, str], PastPayment] = {}
    for payment in sorted(history.payments_since(receivers, since), key=lambda p: p.at):
        past[(payment.receiver.lower(), payment.currency.upper(), _amount_key(payment))] = payment
    if not past:
        return
    candidates = comparable & receiver.isin({key[0] for key in past}).to_numpy(dtype=bool)
    keys = {i: _row_key(parts, i) for i in np.flatnonzero(candidates).tolist()}
    recent = np.zeros(len(frame), dtype=bool)
    recent[[i for i, key in keys.items() if key in past]] = True
    out.emit(
        recent,
        "receiver",
        WARNING,
        "duplicate_recent",
        lambda i, v: _recent_message(v, past[keys[i]], window_days),
    )


def _row_key(parts: pd.DataFrame, index: int) -> tuple[str, str, str]:
    receiver, currency, amount = parts.iloc[index].tolist()
    return receiver, currency, amount


def _amount_key(payment: PastPayment) -> str:
    text = format(payment.amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _recent_message(receiver: str, payment: PastPayment, window_days: int) -> str:
    return (
        f"{receiver} was already in payout {payment.request_id} for {payment.amount:f} "
        f"{payment.currency} on {payment.at:%Y-%m-%d} ({payment.status}), within the last "
        f"{window_days} days; remove this line if it is the same payment"
    )


def _other_lines(lines: pd.Series, parts: pd.DataFrame, mask: np.ndarray) -> dict[int, str]:
    """For each masked row, the other lines sharing its values in `parts` ('a, b and N more')."""
    rows = np.flatnonzero(mask).tolist()
    keys = list(parts.iloc[rows].itertuples(index=False, name=None))
    numbers = lines.to_numpy()[rows].tolist()
    groups: dict[object, list[int]] = {}
    for key, line in zip(keys, numbers, strict=True):
        groups.setdefault(key, []).append(line)
    text: dict[int, str] = {}
    for index, key, line in zip(rows, keys, numbers, strict=True):
        others = [other for other in groups[key] if other != line]
        shown = ", ".join(str(o) for o in others[:_LISTED])
        more = f" and {len(others) - _LISTED} more" if len(others) > _LISTED else ""
        text[index] = shown + more
    return text
