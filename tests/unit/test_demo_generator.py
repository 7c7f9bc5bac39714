"""The demo generator alone (no database): determinism and the invariants staff would notice."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import numpy as np
import pytest

from data.bulk import NULL_INT
from services.demo.data.catalog import CURRENCIES, QUOTE_DECIMALS
from services.demo.data.generate import generate
from services.demo.data.tables import DemoData
from services.demo.data.timeline import US_PER_DAY, US_PER_HOUR, make_window, to_us, weekday_of

END = date(2026, 3, 1)
NOW = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # the window ends "now": in-flight states appear


def make(seed: int = 7, orders: int = 6000, days: int = 60) -> DemoData:
    return generate(orders=orders, days=days, seed=seed, end=END, now=NOW)


@pytest.fixture(scope="module")
def data() -> DemoData:
    return make()


def _same(a: DemoData, b: DemoData) -> bool:
    if a.tables.keys() != b.tables.keys():
        return False
    return all(
        a.tables[t].keys() == b.tables[t].keys()
        and all(np.array_equal(a.tables[t][c], b.tables[t][c]) for c in a.tables[t])
        for t in a.tables
    )


def test_same_arguments_give_identical_data(data: DemoData) -> None:
    assert _same(data, make())


def test_another_seed_gives_other_data(data: DemoData) -> None:
    assert not _same(data, make(seed=8))


def test_counts_scale_gently(data: DemoData) -> None:
    assert data.count("orders") == 6000
    assert 0 < data.count("payout_batches") < 60
    assert 0 < data.count("mandates") < 40
    assert 0 < data.count("direct_debits") < data.count("orders") // 10
    assert make(orders=0).tables == {}


def test_orders_stay_inside_the_window_sorted(data: DemoData) -> None:
    window = make_window(60, END, NOW)
    created = data.tables["orders"]["created_at"]
    assert created[0] >= window.start_us and created[-1] < to_us(NOW)
    assert np.all(np.diff(created) >= 0)
    assert created[-1] > to_us(NOW) - 6 * US_PER_HOUR, (
        "a dashboard opened now shows recent activity"
    )


def test_refunded_amount_is_the_sum_of_successful_refunds(data: DemoData) -> None:
    orders, refunds = data.tables["orders"], data.tables["refunds"]
    ok = refunds["status"] == "SUCCESS"
    summed = np.zeros(len(orders["id"]), dtype=np.int64)
    np.add.at(summed, refunds["order_id"][ok] - 1, refunds["amount"][ok])
    assert np.array_equal(summed, orders["refunded_amount"])
    assert np.all(orders["refunded_amount"] <= orders["amount"])
    full = orders["refunded_amount"] == orders["amount"]
    assert np.array_equal(full, orders["status"] == "FULL_REFUNDED")
    partial = (orders["refunded_amount"] > 0) & ~full
    assert np.array_equal(partial, orders["status"] == "REFUNDED")
    assert set(refunds["status"].tolist()) >= {"SUCCESS", "FAIL"}
    per_order = np.bincount(refunds["order_id"][ok])
    assert per_order.max() >= 2, "some orders are refunded in several parts"
    parent_paid = orders["paid_at"][refunds["order_id"] - 1]
    assert np.all(refunds["created_at"] > parent_paid)


def test_statuses_have_realistic_shares(data: DemoData) -> None:
    status = data.tables["orders"]["status"]
    share = {s: np.mean(status == s) for s in set(status.tolist())}
    assert share["PAID"] > 0.6
    assert 0.05 < share["EXPIRED"] < 0.2 and 0.02 < share["CANCELED"] < 0.15
    assert 0 < share["ERROR"] < 0.02
    assert share.get("INITIAL", 0) + share.get("PENDING", 0) > 0
    in_flight = np.isin(status, ["INITIAL", "PENDING"])
    assert np.all(data.tables["orders"]["created_at"][in_flight] > to_us(NOW) - US_PER_HOUR)


def test_order_timestamps_and_fees_fit_the_status(data: DemoData) -> None:
    o = data.tables["orders"]
    paid = np.isin(o["status"], ["PAID", "REFUNDED", "FULL_REFUNDED", "REFUNDING"])
    assert np.all((o["paid_at"] != NULL_INT) == paid)
    assert np.all((o["fee"] != NULL_INT) == paid)
    assert np.all(o["fee"][paid] < o["amount"][paid])
    delay = o["paid_at"][paid] - o["created_at"][paid]
    assert np.all((delay > 0) & (delay < US_PER_HOUR))
    assert np.all((o["closed_at"] != NULL_INT) == (o["status"] == "CANCELED"))
    assert np.all(o["expires_at"] > o["created_at"])
    assert np.all((o["transaction_id"] != None) == paid)  # noqa: E711


def test_amounts_are_exact_at_the_currency_precision(data: DemoData) -> None:
    o = data.tables["orders"]
    for code, decimals in zip(CURRENCIES, QUOTE_DECIMALS.tolist(), strict=True):
        mine = o["amount"][o["currency"] == code]
        assert len(mine) > 0, code
        most = max(decimals, 4)
        assert np.all(mine % 10 ** (8 - most) == 0), code
        assert np.all(mine > 0)
        if code in ("USDT", "USDC", "FDUSD"):
            assert np.mean(mine % 10**6 == 0) > 0.9, "stablecoins mostly have 2 decimals"
    refunds = data.tables["refunds"]
    btc = refunds["currency"] == "BTC"
    assert np.all(refunds["amount"][~btc & (refunds["currency"] != "ETH")] % 10**3 == 0)
    counts = {c: np.sum(o["currency"] == c) for c in CURRENCIES}
    assert max(counts, key=counts.__getitem__) == "USDT"


def test_identifiers_are_unique_and_well_formed(data: DemoData) -> None:
    o = data.tables["orders"]
    for table, column in [
        ("orders", "merchant_order_id"),
        ("orders", "provider_order_id"),
        ("refunds", "refund_request_id"),
        ("payout_batches", "request_id"),
        ("payout_lines", "merchant_send_id"),
        ("mandates", "merchant_contract_code"),
        ("direct_debits", "merchant_request_id"),
    ]:
        values = data.tables[table][column].tolist()
        assert len(set(values)) == len(values), (table, column)
        assert all(re.fullmatch(r"[A-Za-z0-9]{1,32}", v) for v in values), (table, column)
    prepay = o["provider_order_id"].tolist()
    assert all(re.fullmatch(r"[1-9][0-9]{17,18}", p) for p in prepay)
    assert any(int(p) > 2**63 for p in prepay) and any(len(p) == 18 for p in prepay)
    assert len(set(o["customer_email"].tolist())) < len(prepay), "customers come back"


def test_payout_batches_add_up(data: DemoData) -> None:
    batches, lines = data.tables["payout_batches"], data.tables["payout_lines"]
    owner = lines["batch_id"] - 1
    assert np.array_equal(np.bincount(owner, minlength=len(batches["id"])), batches["line_count"])
    totals = np.zeros(len(batches["id"]), dtype=np.int64)
    np.add.at(totals, owner, lines["amount"])
    assert np.array_equal(totals, batches["total_amount"])
    assert batches["line_count"].max() <= 500
    assert set(lines["receive_type"].tolist()) == {"BINANCE_ID", "EMAIL"}
    awaiting = lines["status"] == "AWAITING_RECEIPT"
    assert np.all(lines["claim_deadline"][awaiting] > to_us(NOW))
    assert np.all(lines["receive_type"][awaiting | (lines["status"] == "REFUNDED")] == "EMAIL")
    for index in np.flatnonzero(batches["status"] == "PART_SUCCESS"):
        assert set(lines["status"][owner == index].tolist()) - {"SUCCESS"}
    for index in np.flatnonzero(batches["status"] == "SUCCESS"):
        assert set(lines["status"][owner == index].tolist()) == {"SUCCESS"}


def test_payouts_have_mixed_outcomes() -> None:
    big = make(orders=60_000, days=120)
    assert set(big.tables["payout_batches"]["status"].tolist()) >= {
        "SUCCESS",
        "PART_SUCCESS",
        "FAILED",
    }
    assert set(big.tables["mandates"]["status"].tolist()) >= {"SIGNED", "TERMINATED", "EXPIRED"}


def test_debits_only_on_signed_mandates_within_the_limit(data: DemoData) -> None:
    mandates, debits = data.tables["mandates"], data.tables["direct_debits"]
    m = debits["mandate_id"] - 1
    assert np.all(debits["amount"] <= mandates["single_upper_limit"][m])
    assert np.all(debits["amount"] > 0)
    assert set(debits["currency"].tolist()) <= {"USDT", "USDC"}
    assert np.all(debits["currency"] == mandates["currency"][m])
    signed = mandates["signed_at"][m]
    assert np.all((signed != NULL_INT) & (debits["created_at"] > signed))
    ended = mandates["terminated_at"][m]
    assert np.all((ended == NULL_INT) | (debits["created_at"] < ended))
    assert set(debits["status"].tolist()) <= {"SUCCESS", "FAIL"}
    terminated = mandates["status"] == "TERMINATED"
    assert np.all(mandates["termination_way"][terminated] != None)  # noqa: E711


def test_weekdays_are_busier_than_weekends(data: DemoData) -> None:
    created = data.tables["orders"]["created_at"]
    full_days = created[created < to_us(NOW) // US_PER_DAY * US_PER_DAY]
    day = full_days // US_PER_DAY
    per_day = np.bincount(day - day.min())
    weekday = weekday_of((np.arange(len(per_day)) + day.min()) * US_PER_DAY)
    assert per_day[weekday < 5].mean() > 1.2 * per_day[weekday >= 5].mean()
    hour = (created // US_PER_HOUR) % 24
    assert np.mean((hour >= 9) & (hour < 18)) > 9 / 24 * 1.2, "business hours are busier"


def test_strings_fit_their_columns(data: DemoData) -> None:
    from sqlalchemy import String
    from sqlmodel import SQLModel

    for table, columns in data.tables.items():
        for name, values in columns.items():
            column_type = SQLModel.metadata.tables[table].c[name].type
            if isinstance(column_type, String) and column_type.length and values.dtype == object:
                longest = max((len(v) for v in values.tolist() if v is not None), default=0)
                assert longest <= column_type.length, (table, name)
