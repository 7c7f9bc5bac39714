"""Matching ledger items to statement lines, vectorised, on exact scaled integers.

Both sides arrive as pandas frames whose money columns are int64 amounts scaled by 10**8 (the
store's own scale) and whose times are int64 microseconds since the epoch, UTC. Nothing here ever
goes through a float, so equal amounts compare equal and sums are exact.

Order of matching: provider id, then merchant id, then amount + currency within a time window.
Each stage only sees what the earlier stages left, so an item is matched at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NULL_INT = np.iinfo(np.int64).min  # same sentinel as data.bulk: "no value" in an int64 column

MATCHED = "matched"
AMOUNT_MISMATCH = "amount_mismatch"
STATUS_MISMATCH = "status_mismatch"
FEE_DIFFERENCE = "fee_difference"
MISSING_AT_PROVIDER = "missing_at_provider"
MISSING_IN_PAYDESK = "missing_in_paydesk"
DUPLICATE = "duplicate"
CLASSES: tuple[str, ...] = (
    MATCHED, AMOUNT_MISMATCH, STATUS_MISMATCH, FEE_DIFFERENCE,
    MISSING_AT_PROVIDER, MISSING_IN_PAYDESK, DUPLICATE,
)
BREAKS: tuple[str, ...] = CLASSES[1:]

# Ledger expectations and statement states: did money move, or did it move and come back?
MOVED = "moved"
RETURNED = "returned"
NONE = "none"  # PayDesk records no movement (failed, expired, not sent yet)
# Provider news disagreed with our figures (services.inbound.evidence): no statement state equals it,
# so the item is a break whether the statement shows it or not, until someone reviews it.
REVIEW = "review"

LEDGER_COLUMNS = (
    "kind", "ledger_id", "ledger_ref", "group_ref", "provider_ref", "currency", "amount", "fee",
    "status", "expect", "at",
)
STATEMENT_COLUMNS = (
    "line_id", "kind", "provider_ref", "merchant_ref", "currency", "amount", "fee", "balance",
    "status", "state", "at",
)
ITEM_COLUMNS = (
    "klass", "kind", "ledger_id", "ledger_ref", "group_ref", "provider_ref", "statement_line_id",
    "matched_by", "currency", "at", "ledger_status", "provider_status", "ledger_amount",
    "provider_amount", "difference", "ledger_fee", "provider_fee", "fee_difference",
    "provider_balance",
)
_RETURN_STATUSES = frozenset({"RETURNED", "REFUNDED", "FAILED", "FAIL", "REVERSED", "CANCELLED"})


@dataclass(frozen=True)
class MatchParameters:
    window_us: int = 10 * 60 * 1_000_000  # amount + currency matches within +-10 minutes
    period_from_us: int | None = None  # items outside [from, to) belong to another period
    period_to_us: int | None = None


def fold_statement(raw: pd.DataFrame) -> pd.DataFrame:
    """Fee and payout-return lines are attached to the line they belong to (same provider id).

    Binance reports a payment and its commission as two lines, and a returned payout as a debit
    followed by a credit; accounting sees one movement each, with its fee and final state.
    Fee or return lines with no parent in the file stay as lines of their own.
    """
    frame = raw.copy()
    frame["state"] = np.where(frame["status"].str.upper().isin(_RETURN_STATUSES), RETURNED, MOVED)
    is_fee = (frame["kind"] == "fee").to_numpy()
    is_return = (frame["kind"] == "payout_return").to_numpy()
    if not (is_fee.any() or is_return.any()):
        return frame.reset_index(drop=True)
    main = frame[~(is_fee | is_return)].reset_index(drop=True)
    ref = main["provider_ref"]
    first = ~main.duplicated(["kind", "provider_ref"]) & ref.notna()
    keep = [main]
    if is_fee.any():
        fees = frame[is_fee]
        fee_sum = (-fees["amount"]).groupby(fees["provider_ref"]).sum()
        parent = first & main["kind"].isin(["payment", "debit"])
        # Positional lookup, not Series.map: a map with misses goes through float64.
        pos = pd.Index(fee_sum.index).get_indexer(ref)
        has = (pos >= 0) & parent.to_numpy()
        values = np.zeros(len(main), dtype=np.int64)
        values[has] = fee_sum.to_numpy(np.int64)[pos[has]]
        current = main["fee"].to_numpy()
        main["fee"] = np.where(has, np.where(current == NULL_INT, 0, current) + values, current)
        keep.append(fees[~_member(fees["provider_ref"], ref[parent])])
    if is_return.any():
        returns = frame[is_return]
        mask = first & main["kind"].eq("payout") & _member(ref, returns["provider_ref"])
        main.loc[mask, "state"] = RETURNED
        main.loc[mask, "status"] = "RETURNED"
        payouts = ref[first & main["kind"].eq("payout")]
        keep.append(returns[~_member(returns["provider_ref"], payouts)])
    return pd.concat(keep, ignore_index=True) if len(keep) > 1 else main


def _member(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """values.isin(pool), through a hash index: isin with 1M strings is several times slower."""
    return pd.Index(pool.dropna().unique()).get_indexer(values) >= 0


def _pairs(left: pd.DataFrame, right: pd.DataFrame, on: list[str]) -> tuple[np.ndarray, np.ndarray]:
    merged = left[[*on, "li"]].merge(right[[*on, "si"]], on=on, how="inner", sort=False)
    return merged["li"].to_numpy(np.int64), merged["si"].to_numpy(np.int64)


def match(ledger: pd.DataFrame, statement: pd.DataFrame,
          params: MatchParameters = MatchParameters()) -> pd.DataFrame:
    """Every ledger item and statement line, classified; one row per reconciliation item."""
    ledger = ledger.reset_index(drop=True)
    statement = statement.reset_index(drop=True)
    n_l, n_s = len(ledger), len(statement)
    lpool = ledger.assign(li=np.arange(n_l, dtype=np.int64))
    spool = statement.assign(si=np.arange(n_s, dtype=np.int64))
    key = statement["provider_ref"].fillna(statement["merchant_ref"])
    duplicate = (statement.assign(_key=key).duplicated(["kind", "_key"]) & key.notna()).to_numpy()
    spool = spool[~duplicate]

    l_done = np.zeros(n_l, dtype=bool)
    s_done = duplicate.copy()
    pair_l, pair_s, how = [], [], []

    for label, lkey, skey in (("provider_id", "provider_ref", "provider_ref"),
                              ("merchant_id", "ledger_ref", "merchant_ref")):
        left = lpool[lpool[lkey].notna()].rename(columns={lkey: "_k"})
        right = spool[spool[skey].notna()].rename(columns={skey: "_k"})
        li, si = _pairs(left, right, ["kind", "_k"])
        # A ledger id that two unmatched lines share is not one-to-one: keep the first line.
        first = ~pd.Series(li).duplicated().to_numpy() & ~pd.Series(si).duplicated().to_numpy()
        li, si = li[first], si[first]
        l_done[li] = True
        s_done[si] = True
        pair_l.append(li)
        pair_s.append(si)
        how.append(np.full(len(li), label, dtype=object))
        lpool = lpool[~l_done[lpool["li"].to_numpy()]]
        spool = spool[~s_done[spool["si"].to_numpy()]]

    if len(lpool) and len(spool):
        cols = ["kind", "currency", "amount", "at"]
        left = lpool[[*cols, "li"]].sort_values("at", kind="stable")
        right = spool[[*cols, "si"]].sort_values("at", kind="stable").rename(columns={"at": "s_at"})
        right["at"] = right["s_at"]
        near = pd.merge_asof(left, right, on="at", by=["kind", "currency", "amount"],
                             tolerance=params.window_us, direction="nearest")
        near = near[near["si"].notna()]
        near = near.assign(dt=(near["at"] - near["s_at"]).abs())
        near = near.sort_values(["dt", "li"], kind="stable").drop_duplicates("si")
        li = near["li"].to_numpy(np.int64)
        si = near["si"].to_numpy(np.int64)
        l_done[li] = True
        s_done[si] = True
        pair_l.append(li)
        pair_s.append(si)
        how.append(np.full(len(li), "amount_time", dtype=object))

    li = np.concatenate(pair_l)
    si = np.concatenate(pair_s)
    ledger_only = np.flatnonzero(~l_done & (ledger["expect"] != NONE).to_numpy())
    statement_only = np.flatnonzero(~s_done)
    dup_only = np.flatnonzero(duplicate)
    statement_only = statement_only[~duplicate[statement_only]]
    items = _assemble(ledger, statement, li, si, np.concatenate(how), ledger_only,
                      statement_only, dup_only)
    if params.period_from_us is not None and params.period_to_us is not None:
        at = items["at"].to_numpy()
        items = items[(at >= params.period_from_us) & (at < params.period_to_us)]
    return items.reset_index(drop=True)


def _side(frame: pd.DataFrame, rows: np.ndarray, n: int, column: str, fill: object) -> np.ndarray:
    values = frame[column].to_numpy()
    out = np.full(n, fill, dtype=values.dtype if fill is NULL_INT else object)
    out[: len(rows)] = values[rows]
    return out


def _assemble(ledger: pd.DataFrame, statement: pd.DataFrame, li: np.ndarray, si: np.ndarray,
              how: np.ndarray, ledger_only: np.ndarray, statement_only: np.ndarray,
              dup_only: np.ndarray) -> pd.DataFrame:
    n_pairs, n_lo = len(li), len(ledger_only)
    n = n_pairs + n_lo + len(statement_only) + len(dup_only)
    l_rows = np.concatenate([li, ledger_only])  # rows 0 .. n_pairs+n_lo carry a ledger side
    np.concatenate([si, statement_only, dup_only])
    has_l = np.zeros(n, dtype=bool)
    has_l[: len(l_rows)] = True
    has_s = np.zeros(n, dtype=bool)
    has_s[:n_pairs] = True
    has_s[n_pairs + n_lo:] = True
    # Statement-side arrays are laid out [pairs | (gap for ledger-only) | statement-only | dups].
    s_index = np.full(n, -1, dtype=np.int64)
    s_index[:n_pairs] = si
    s_index[n_pairs + n_lo:] = np.concatenate([statement_only, dup_only])

    def lcol(column: str, fill: object) -> np.ndarray:
        return _side(ledger, l_rows, n, column, fill)

    def scol(column: str, fill: object) -> np.ndarray:
        values = statement[column].to_numpy()
        out = np.full(n, fill, dtype=values.dtype if fill is NULL_INT else object)
        out[has_s] = values[s_index[has_s]]
        return out

    l_amount, s_amount = lcol("amount", NULL_INT), scol("amount", NULL_INT)
    l_fee, s_fee = lcol("fee", NULL_INT), scol("fee", NULL_INT)
    l_cur, s_cur = lcol("currency", None), scol("currency", None)
    expect, state = lcol("expect", None), scol("state", None)
    pair = has_l & has_s

    klass = np.full(n, MATCHED, dtype=object)
    fee_differs = pair & (l_fee != NULL_INT) & (s_fee != NULL_INT) & (l_fee != s_fee)
    klass[fee_differs] = FEE_DIFFERENCE
    klass[pair & (expect != state)] = STATUS_MISMATCH
    klass[pair & ((l_amount != s_amount) | (l_cur != s_cur))] = AMOUNT_MISMATCH
    klass[has_l & ~has_s] = MISSING_AT_PROVIDER
    klass[~has_l & has_s] = MISSING_IN_PAYDESK
    klass[n - len(dup_only):] = DUPLICATE

    l_moved = has_l & (expect == MOVED)
    s_moved = has_s & (state == MOVED)
    ledger_amount = np.where(l_moved, l_amount, 0)
    provider_amount = np.where(s_moved, s_amount, 0)
    ledger_fee = np.where(l_moved & (l_fee != NULL_INT), l_fee, 0)
    provider_fee = np.where(s_moved & (s_fee != NULL_INT), s_fee, 0)
    # Fees are compared only where both sides state one; a one-sided item's fee is all difference.
    fee_compared = pair & (l_fee != NULL_INT) & (s_fee != NULL_INT)
    fee_difference = np.where(fee_compared | ~pair, provider_fee - ledger_fee, 0)
    kind = np.where(has_l, lcol("kind", None), scol("kind", None))
    matched_by = np.full(n, None, dtype=object)
    matched_by[:n_pairs] = how
    l_ref, m_ref = lcol("ledger_ref", None), scol("merchant_ref", None)
    l_pref, s_pref = lcol("provider_ref", None), scol("provider_ref", None)
    return pd.DataFrame({
        "klass": klass,
        "kind": kind,
        "ledger_id": lcol("ledger_id", NULL_INT),
        "ledger_ref": np.where(has_l, l_ref, m_ref),
        "group_ref": lcol("group_ref", None),
        "provider_ref": np.where(has_s & pd.notna(s_pref), s_pref, l_pref),
        "statement_line_id": scol("line_id", NULL_INT),
        "matched_by": matched_by,
        "currency": np.where(has_l, l_cur, s_cur),
        "at": np.where(has_l, lcol("at", NULL_INT), scol("at", NULL_INT)),
        "ledger_status": lcol("status", None),
        "provider_status": scol("status", None),
        "ledger_amount": ledger_amount,
        "provider_amount": provider_amount,
        "difference": provider_amount - ledger_amount,
        "ledger_fee": ledger_fee,
        "provider_fee": provider_fee,
        "fee_difference": fee_difference,
        "provider_balance": scol("balance", NULL_INT),
    }, columns=list(ITEM_COLUMNS))


def class_counts(items: pd.DataFrame) -> dict[str, int]:
    counts = items["klass"].value_counts()
    return {name: int(counts.get(name, 0)) for name in CLASSES}


def frame(rows: list[dict[str, object]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows (dicts) into a frame with the int64 / text dtypes matching expects."""
    ints = {"ledger_id", "line_id", "amount", "fee", "balance", "at"}
    data: dict[str, np.ndarray] = {}
    for name in columns:
        values = [row.get(name) for row in rows]
        if name in ints:
            data[name] = np.array([NULL_INT if v is None else v for v in values], dtype=np.int64)
        else:
            data[name] = np.array(values, dtype=object)
    return pd.DataFrame(data, columns=list(columns))
