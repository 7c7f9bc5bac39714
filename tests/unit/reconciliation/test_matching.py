"""The matching engine on hand-made frames: every class, exactness, stage order, time window."""

from __future__ import annotations

from typing import Any

import numpy as np

from services.reconciliation import matching as m

S = 10**8  # one unit, scaled
MIN = 60_000_000  # one minute in microseconds


def ledger(*rows: dict[str, Any]) -> Any:
    base = {"group_ref": None, "fee": None, "status": "PAID", "expect": m.MOVED,
            "currency": "USDT", "kind": "payment"}
    return m.frame([{**base, "ledger_id": i + 1, **r} for i, r in enumerate(rows)],
                   m.LEDGER_COLUMNS)


def statement(*rows: dict[str, Any]) -> Any:
    base = {"merchant_ref": None, "provider_ref": None, "fee": None, "balance": None,
            "status": "", "currency": "USDT", "kind": "payment"}
    raw = m.frame([{**base, "line_id": i + 1, **r} for i, r in enumerate(rows)],
                  m.STATEMENT_COLUMNS)
    return m.fold_statement(raw)


def classes(items: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ref, klass in zip(items["ledger_ref"], items["klass"], strict=True):
        out.setdefault(ref, []).append(klass)
    return out


def test_every_class_is_found() -> None:
    items = m.match(
        ledger(
            {"ledger_ref": "ok", "provider_ref": "p1", "amount": 10 * S, "fee": S, "at": 0},
            {"ledger_ref": "amt", "provider_ref": "p2", "amount": 10 * S, "at": 0},
            {"ledger_ref": "st", "provider_ref": "p3", "amount": 10 * S, "status": "EXPIRED",
             "expect": m.NONE, "at": 0},
            {"ledger_ref": "fee", "provider_ref": "p4", "amount": 10 * S, "fee": S, "at": 0},
            {"ledger_ref": "gone", "provider_ref": "p5", "amount": 10 * S, "at": 0},
            {"ledger_ref": "dup", "provider_ref": "p6", "amount": -3 * S, "kind": "refund",
             "status": "SUCCESS", "at": 0},
            {"ledger_ref": "never", "provider_ref": "p9", "amount": 4 * S, "status": "EXPIRED",
             "expect": m.NONE, "at": 0},
        ),
        statement(
            {"merchant_ref": "ok", "provider_ref": "p1", "amount": 10 * S, "at": 1},
            {"kind": "fee", "merchant_ref": "ok", "provider_ref": "p1", "amount": -S, "at": 1},
            {"merchant_ref": "amt", "provider_ref": "p2", "amount": 10 * S + 1, "at": 1},
            {"merchant_ref": "st", "provider_ref": "p3", "amount": 10 * S, "at": 1},
            {"merchant_ref": "fee", "provider_ref": "p4", "amount": 10 * S, "at": 1},
            {"kind": "fee", "merchant_ref": "fee", "provider_ref": "p4", "amount": -2 * S,
             "at": 1},
            {"kind": "refund", "merchant_ref": "dup", "provider_ref": "p6", "amount": -3 * S,
             "at": 1},
            {"kind": "refund", "merchant_ref": "dup", "provider_ref": "p6", "amount": -3 * S,
             "at": 2},
            {"merchant_ref": "stranger", "provider_ref": "p7", "amount": 7 * S, "at": 1},
        ),
    )
    assert classes(items) == {
        "ok": [m.MATCHED], "amt": [m.AMOUNT_MISMATCH], "st": [m.STATUS_MISMATCH],
        "fee": [m.FEE_DIFFERENCE], "gone": [m.MISSING_AT_PROVIDER],
        "dup": [m.MATCHED, m.DUPLICATE], "stranger": [m.MISSING_IN_PAYDESK],
    }
    row = items[items["ledger_ref"] == "amt"].iloc[0]
    assert row["difference"] == 1  # one scaled unit: 0.00000001
    fee = items[items["ledger_ref"] == "fee"].iloc[0]
    assert (fee["ledger_fee"], fee["provider_fee"], fee["fee_difference"]) == (S, 2 * S, S)
    # Columns add up: the difference column is exactly provider minus PayDesk.
    assert (items["provider_amount"] - items["ledger_amount"] == items["difference"]).all()


def test_amounts_compare_exactly_near_the_int64_limit() -> None:
    top = np.iinfo(np.int64).max - 5  # ~92 billion units: a double cannot tell these apart
    items = m.match(ledger({"ledger_ref": "big", "provider_ref": "b", "amount": top, "at": 0}),
                    statement({"provider_ref": "b", "amount": top + 1, "at": 0}))
    assert list(items["klass"]) == [m.AMOUNT_MISMATCH]
    assert items["difference"].iloc[0] == 1


def test_provider_id_wins_over_merchant_id_and_amount() -> None:
    items = m.match(
        ledger({"ledger_ref": "A", "provider_ref": "P", "amount": 5 * S, "at": 0}),
        statement({"merchant_ref": "A", "provider_ref": "other", "amount": 5 * S, "at": 0},
                  {"merchant_ref": "B", "provider_ref": "P", "amount": 5 * S, "at": 0}),
    )
    matched = items[items["klass"] == m.MATCHED].iloc[0]
    assert (matched["matched_by"], matched["statement_line_id"]) == ("provider_id", 2)
    assert sorted(items["klass"]) == [m.MATCHED, m.MISSING_IN_PAYDESK]


def test_amount_and_time_window_picks_the_nearest_line_once() -> None:
    items = m.match(
        ledger({"ledger_ref": "x", "amount": 5 * S, "at": 0},
               {"ledger_ref": "y", "amount": 5 * S, "at": 2 * MIN}),
        statement({"amount": 5 * S, "at": 3 * MIN},
                  {"amount": 5 * S, "at": 60 * MIN}),
        m.MatchParameters(window_us=10 * MIN),
    )
    got = classes(items)
    assert got["y"] == [m.MATCHED] and got["x"] == [m.MISSING_AT_PROVIDER]
    assert sorted(items["klass"]) == [m.MATCHED, m.MISSING_AT_PROVIDER, m.MISSING_IN_PAYDESK]


def test_returned_payout_matches_a_failed_line_and_counts_zero() -> None:
    items = m.match(
        ledger({"kind": "payout", "ledger_ref": "L1", "provider_ref": "p", "amount": -3 * S,
                "status": "FAIL", "expect": m.RETURNED, "at": 0}),
        statement({"kind": "payout", "provider_ref": "p", "amount": -3 * S, "at": 0},
                  {"kind": "payout_return", "provider_ref": "p", "amount": 3 * S, "at": 5}),
    )
    row = items.iloc[0]
    assert len(items) == 1 and row["klass"] == m.MATCHED
    assert (row["ledger_amount"], row["provider_amount"]) == (0, 0)


def test_items_outside_the_period_belong_to_another_run() -> None:
    items = m.match(
        ledger({"ledger_ref": "in", "provider_ref": "a", "amount": S, "at": 10},
               {"ledger_ref": "before", "provider_ref": "b", "amount": S, "at": -10}),
        statement({"provider_ref": "a", "amount": S, "at": 10},
                  {"provider_ref": "b", "amount": S, "at": 5}),
        m.MatchParameters(period_from_us=0, period_to_us=100),
    )
    assert list(items["ledger_ref"]) == ["in"]


def test_orphan_fee_lines_stay_visible() -> None:
    folded = statement({"kind": "fee", "provider_ref": "monthly", "amount": -S, "at": 0})
    items = m.match(ledger(), folded)
    assert list(items["klass"]) == [m.MISSING_IN_PAYDESK]
    assert list(items["kind"]) == ["fee"]
