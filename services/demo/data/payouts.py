"""Payout batches (one currency, at most 500 lines) and their lines, with mixed outcomes."""

from __future__ import annotations

import hashlib

import numpy as np

from data.bulk import NULL_INT
from services.demo.data import catalog as cat
from services.demo.data.identifiers import as_text, day_stamps, email_pool, unique_numbers
from services.demo.data.tables import Columns, objects, pick
from services.demo.data.timeline import (
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_SECOND,
    Window,
    seasonal_times,
)

BATCH_OUTCOMES = ("SUCCESS", "PART_SUCCESS", "FAILED")
BATCH_SHARES = np.array([0.72, 0.2, 0.08])
PAYOUT_DECIMALS = {"USDT": 2, "USDC": 2, "BNB": 4}
PAYOUT_USD_RATE = {"USDT": 1, "USDC": 1, "BNB": 580}
LINE_FEE_BP = 10
IN_FLIGHT_HOURS = 6


def batch_count(orders: int) -> int:
    return 0 if orders <= 0 else int(8 + 0.3 * orders**0.5)


def generate_payouts(
    rng: np.random.Generator, window: Window, batches: int
) -> tuple[Columns, Columns]:
    created = seasonal_times(rng, batches, window, growth=False)
    room = np.maximum(window.cutoff_us - created, 2)
    sent = created + np.minimum(
        rng.integers(10 * US_PER_MINUTE, 4 * US_PER_HOUR, batches), room // 2
    )
    completed = np.minimum(
        sent + rng.integers(30 * US_PER_SECOND, 20 * US_PER_MINUTE, batches), window.now_us
    )
    in_flight = window.live & (created > window.cutoff_us - IN_FLIGHT_HOURS * US_PER_HOUR)
    outcome = rng.choice(len(BATCH_OUTCOMES), batches, p=BATCH_SHARES)
    batch_status = np.where(in_flight, "PROCESSING", pick(BATCH_OUTCOMES, outcome)).astype(object)
    currency = pick(
        cat.PAYOUT_CURRENCIES,
        rng.choice(len(cat.PAYOUT_CURRENCIES), batches, p=cat.PAYOUT_CURRENCY_SHARES),
    )
    sizes = np.clip(np.rint(rng.lognormal(np.log(25.0), 0.9, batches)), 1, 500).astype(np.int64)
    purpose = rng.integers(0, len(cat.PAYOUT_PURPOSES), batches)
    stamps = day_stamps(created).tolist()
    request_ids = [f"PB{stamp}{i:06d}" for i, stamp in enumerate(stamps, start=1)]

    payees = email_pool(rng, max(20, batches * 8))
    binance_ids = as_text(unique_numbers(rng, max(20, batches * 8), 100_000_000, 999_999_999))
    line_batch = np.repeat(np.arange(batches), sizes)
    lines = len(line_batch)
    line_no = np.arange(lines) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    by_email = rng.random(lines) < 0.3
    payee = np.minimum((len(payees) * rng.random(lines) ** 1.5).astype(np.int64), len(payees) - 1)
    receiver = np.where(by_email, payees[payee], binance_ids[payee])
    line_currency = currency[line_batch]
    decimals = np.array([PAYOUT_DECIMALS[c] for c in line_currency.tolist()], dtype=np.int64)
    rate = np.array([PAYOUT_USD_RATE[c] for c in line_currency.tolist()], dtype=np.int64)
    usd = np.clip(rng.lognormal(np.log(120.0), 1.0, lines), 5.0, 80_000.0)
    units = np.maximum(np.rint(usd / rate * 10.0**decimals).astype(np.int64), 1)
    scale = (10 ** (8 - decimals)).astype(np.int64)

    sent_line = sent[line_batch]
    deadline = sent_line + cat.PAYOUT_CLAIM_HOURS * US_PER_HOUR
    unclaimed = by_email & (rng.random(lines) < 0.35)
    roll = rng.random(lines)
    part = np.where(roll < 0.12, "FAIL", "SUCCESS").astype(object)
    part[unclaimed] = np.where(deadline[unclaimed] > window.now_us, "AWAITING_RECEIPT", "REFUNDED")
    line_status = np.select(
        [
            batch_status[line_batch] == "SUCCESS",
            batch_status[line_batch] == "FAILED",
            batch_status[line_batch] == "PROCESSING",
        ],
        ["SUCCESS", "FAIL", "PENDING"],
        default="",
    ).astype(object)
    in_part = batch_status[line_batch] == "PART_SUCCESS"
    line_status[in_part] = part[in_part]
    # A PART_SUCCESS batch has at least one line that did not go through.
    last_line = np.cumsum(sizes) - 1
    all_ok = np.logical_and.reduceat(line_status == "SUCCESS", np.cumsum(sizes) - sizes)
    line_status[last_line[all_ok & (batch_status == "PART_SUCCESS")]] = "FAIL"

    succeeded = line_status == "SUCCESS"
    fee_units = np.where(succeeded, np.maximum(units * LINE_FEE_BP // 10_000, 1), 0)
    error_index = rng.choice(
        len(cat.PAYOUT_LINE_ERRORS), lines, p=_shares([w for _, w in cat.PAYOUT_LINE_ERRORS])
    )
    errors = pick([code for code, _ in cat.PAYOUT_LINE_ERRORS], error_index)
    failed_batch = batch_status == "FAILED"
    settled = line_status != "PENDING"
    provider_order = as_text(unique_numbers(rng, lines, 10**17, 10**18))

    line_columns: Columns = {
        "id": np.arange(1, lines + 1, dtype=np.int64),
        "batch_id": line_batch + 1,
        "file_line": line_no + 1,  # line 1 of the file is the header
        "merchant_send_id": objects(
            [
                f"{request_ids[b]}S{k:03d}"
                for b, k in zip(line_batch.tolist(), line_no.tolist(), strict=True)
            ]
        ),
        "receive_type": np.where(by_email, "EMAIL", "BINANCE_ID").astype(object),
        "receiver": receiver,
        "amount": units * scale,
        "currency": line_currency,
        "remark": pick(cat.PAYOUT_PURPOSES, purpose)[line_batch],
        "status": line_status,
        "fee": np.where(succeeded, fee_units * scale, NULL_INT),
        "provider_order_id": np.where(settled & ~failed_batch[line_batch], provider_order, None),
        "claim_deadline": np.where(unclaimed & in_part, deadline, NULL_INT),
        "error_code": np.where(
            line_status == "FAIL", np.where(failed_batch[line_batch], "LOW_BALANCE", errors), None
        ),
        "updated_at": np.where(settled, completed[line_batch], sent_line),
    }
    line_amounts = units * scale
    starts = np.cumsum(sizes) - sizes
    total_fee = np.add.reduceat(fee_units * scale, starts)
    final = batch_status != "PROCESSING"
    dates = np.datetime_as_string(created.astype("datetime64[us]"), unit="D").tolist()
    batch_columns: Columns = {
        "id": np.arange(1, batches + 1, dtype=np.int64),
        "request_id": objects(list(request_ids)),
        "upload_ref": objects([f"UP{s}{i:05d}" for i, s in enumerate(stamps, start=1)]),
        "file_name": objects([f"payouts_{d}_{i % 3 + 1}.csv" for i, d in enumerate(dates)]),
        "file_sha256": objects([hashlib.sha256(r.encode()).hexdigest() for r in request_ids]),
        "batch_name": objects(
            [f"{cat.PAYOUT_PURPOSES[p]} {d}" for p, d in zip(purpose.tolist(), dates, strict=True)]
        ),
        "currency": currency,
        "total_amount": np.add.reduceat(line_amounts, starts),
        "line_count": sizes,
        "status": batch_status,
        "total_fee": np.where(final, total_fee, NULL_INT),
        "error_code": np.where(failed_batch, "LOW_BALANCE", None),
        "error_message": np.where(failed_batch, "funding wallet balance is not enough", None),
        "approval_comment": np.where(rng.random(batches) < 0.3, "checked against invoices", None),
        "created_at": created,
        "updated_at": np.where(final, completed, sent),
        "sent_at": sent,
        "completed_at": np.where(final, completed, NULL_INT),
    }
    return batch_columns, line_columns


def _shares(weights: list[int]) -> np.ndarray:
    values = np.array(weights, dtype=np.int64)
    return values / values.sum()
