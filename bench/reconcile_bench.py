"""Reconciliation matching at scale: N ledger items against ~N statement lines.

    .venv/bin/python bench/reconcile_bench.py [N ...]        (default 100000 1000000)

Generates both sides in memory (numpy, seeded), with ~0.2 % of each kind of difference injected
and fee lines separate as Binance reports them, then times fold + match once per size (the
machine is shared: no repeats). Peak memory is the process's peak RSS (resource.getrusage), read
before and after matching; the goal is <= 10 s for 1M against 1M. Prints markdown rows.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import _machine  # noqa: E402
from services.reconciliation import matching as m  # noqa: E402

S = 10**8
SEED = 11
SHARE = 0.002  # of each injected difference


def _peak_mib() -> float:  # float-ok: memory figure for display
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # float-ok: KiB -> MiB


def generate(n: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    rng = np.random.default_rng(SEED)
    ids = np.arange(n, dtype=np.int64)
    kinds = np.array(["payment", "refund", "payout", "debit"], dtype=object)[
        rng.choice(4, n, p=[0.8, 0.06, 0.09, 0.05])]
    amount = rng.integers(1, 500_000, n, dtype=np.int64) * 1_000_000  # 0.01 .. 5000.00
    amount = np.where(np.isin(kinds, ["refund", "payout"]), -amount, amount)
    fee = np.where(kinds == "payment", np.abs(amount) // 100, m.NULL_INT)
    at = 1_772_323_200_000_000 + np.sort(rng.integers(0, 30 * 86_400, n)) * 1_000_000
    pref = np.char.add("93", ids.astype("U19")).astype(object)
    mref = np.char.add("M", ids.astype("U19")).astype(object)
    currency = np.array(["USDT", "USDC", "BTC"], dtype=object)[rng.choice(3, n, p=[.7, .2, .1])]
    ledger = pd.DataFrame({
        "kind": kinds, "ledger_id": ids + 1, "ledger_ref": mref, "group_ref": mref,
        "provider_ref": pref, "currency": currency, "amount": amount, "fee": fee,
        "status": np.full(n, "PAID", dtype=object), "expect": np.full(n, m.MOVED, dtype=object),
        "at": at,
    })
    pick = rng.permutation(n)
    k = int(n * SHARE)
    groups = {name: pick[i * k:(i + 1) * k] for i, name in enumerate(
        ("amount", "fee", "missing", "merchant", "amount_time", "duplicate"))}
    s_amount = amount.copy()
    s_amount[groups["amount"]] += 1
    s_fee = fee.copy()
    fee_rows = groups["fee"][kinds[groups["fee"]] == "payment"]
    s_fee[fee_rows] += 1_000_000
    s_pref = pref.copy()
    changed = pref[groups["merchant"]].astype("U21")
    s_pref[groups["merchant"]] = np.char.add("X", changed).astype(object)
    s_mref = mref.copy()
    s_pref[groups["amount_time"]] = None
    s_mref[groups["amount_time"]] = None
    keep = np.ones(n, dtype=bool)
    keep[groups["missing"]] = False
    rows = np.concatenate([np.flatnonzero(keep), groups["duplicate"]])
    main = pd.DataFrame({
        "line_id": np.arange(len(rows), dtype=np.int64) + 1, "kind": kinds[rows],
        "provider_ref": s_pref[rows], "merchant_ref": s_mref[rows], "currency": currency[rows],
        "amount": s_amount[rows], "fee": np.full(len(rows), m.NULL_INT, dtype=np.int64),
        "balance": np.full(len(rows), m.NULL_INT, dtype=np.int64),
        "status": np.full(len(rows), "", dtype=object), "at": at[rows] + 2_000_000,
    })
    # Fee lines as Binance sends them: separate, negative, same provider id as the payment.
    has_fee = (kinds == "payment") & keep & (s_pref != None)  # noqa: E711
    fees = pd.DataFrame({
        "line_id": np.arange(has_fee.sum(), dtype=np.int64) + len(rows) + 1,
        "kind": np.full(has_fee.sum(), "fee", dtype=object), "provider_ref": s_pref[has_fee],
        "merchant_ref": s_mref[has_fee], "currency": currency[has_fee], "amount": -s_fee[has_fee],
        "fee": np.full(has_fee.sum(), m.NULL_INT, dtype=np.int64),
        "balance": np.full(has_fee.sum(), m.NULL_INT, dtype=np.int64),
        "status": np.full(has_fee.sum(), "", dtype=object), "at": at[has_fee] + 2_000_000,
    })
    extra = pd.DataFrame({
        "line_id": np.arange(k, dtype=np.int64) + len(rows) + len(fees) + 1,
        "kind": np.full(k, "payment", dtype=object),
        "provider_ref": np.char.add("77", np.arange(k).astype("U19")).astype(object),
        "merchant_ref": np.full(k, None, dtype=object),
        "currency": np.full(k, "USDT", dtype=object),
        "amount": np.full(k, 123 * S, dtype=np.int64), "fee": np.full(k, m.NULL_INT, np.int64),
        "balance": np.full(k, m.NULL_INT, np.int64), "status": np.full(k, "", dtype=object),
        "at": at[:k] + 7_000_000,
    })
    statement = pd.concat([main, fees, extra], ignore_index=True)
    expected = {"amount": k, "fee": len(fee_rows), "missing": k, "extra": k, "duplicate": k}
    return ledger, statement, expected


def bench(n: int) -> str:
    ledger, statement, injected = generate(n)
    before = _peak_mib()
    began = time.perf_counter()
    items = m.match(ledger, m.fold_statement(statement))
    seconds = time.perf_counter() - began  # float-ok: timing
    after = _peak_mib()
    counts = m.class_counts(items)
    breaks = sum(v for k, v in counts.items() if k != m.MATCHED)
    return (f"| reconcile match | {n:,} ledger × {len(statement):,} statement lines | "
            f"{seconds:.2f} s | {after:,.0f} MiB (was {before:,.0f} MiB before matching) | "
            f"{counts[m.MATCHED]:,} matched, {breaks:,} breaks "
            f"({', '.join(f'{k} {v:,}' for k, v in counts.items() if k != m.MATCHED)}) | "
            f"{'all' if breaks == sum(injected.values()) else 'NOT all'} "
            f"{sum(injected.values()):,} injected breaks found |")


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [100_000, 1_000_000]
    print(f"Machine: {_machine()}; pid {os.getpid()}", file=sys.stderr)
    print("| bench | size | fold + match (goal ≤ 10 s at 1M) | peak RSS | result | check |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        print(bench(n), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
