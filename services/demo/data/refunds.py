"""Refunds of paid orders: partial and full, sometimes several per order, a few failed or in flight.

Amounts are split in whole quote units, so every refund is exact at the order's precision and the
successful ones add up to the order's refunded_amount by construction.
"""

from __future__ import annotations

import numpy as np

from data.bulk import NULL_INT
from services.demo.data import catalog as cat
from services.demo.data.identifiers import as_text, day_stamps, prefixed, unique_numbers
from services.demo.data.tables import Columns, objects, pick
from services.demo.data.timeline import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_SECOND,
    Window,
)

REFUND_SHARE = 0.055  # of paid orders
FULL_SHARE = 0.42  # of refunded orders
RETRIED_SHARE = 0.1  # refunded orders whose first attempt failed
IN_FLIGHT_SHARE = 0.02  # of orders paid in the last two days, when the window ends now
MAX_ATTEMPTS = 10


def _split(rng: np.random.Generator, totals: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Split each total into `parts` positive integers (flattened, grouped by order)."""
    owner = np.repeat(np.arange(len(totals)), parts)
    weights = rng.exponential(1.0, len(owner))
    shares = weights / np.bincount(owner, weights)[owner]
    spare = (totals - parts)[owner]
    pieces = 1 + np.floor(spare * shares).astype(np.int64)
    last = np.cumsum(parts) - 1
    pieces[last] = 0
    pieces[last] = totals - np.add.reduceat(pieces, last - parts + 1)
    return pieces


def _times(
    rng: np.random.Generator, start: np.ndarray, parts: np.ndarray, limit: int
) -> np.ndarray:
    """Increasing times after each start, squeezed so that none passes `limit`."""
    owner = np.repeat(np.arange(len(start)), parts)
    gaps = rng.exponential(1.5, len(owner)) * US_PER_DAY + 10 * US_PER_MINUTE
    running = np.cumsum(gaps)
    first = np.cumsum(parts) - parts
    offsets = running - np.repeat(running[first] - gaps[first], parts)
    room = (limit - start)[owner]
    return start[owner] + np.rint(room * -np.expm1(-offsets / room)).astype(np.int64)


def generate_refunds(
    rng: np.random.Generator, window: Window, orders: Columns, units: np.ndarray
) -> Columns:
    """Refund rows; updates the orders' status, refunded_amount and updated_at in place."""
    status, paid_at = orders["status"], orders["paid_at"]
    scale = orders["amount"] // units
    limit = window.cutoff_us - 5 * US_PER_MINUTE
    paid = status == "PAID"
    eligible = paid & (units >= 20) & (paid_at < window.cutoff_us - 6 * US_PER_HOUR)
    chosen = np.flatnonzero(eligible & (rng.random(len(status)) < REFUND_SHARE))
    m = len(chosen)

    full = rng.random(m) < FULL_SHARE
    parts = np.where(
        full,
        rng.choice([1, 2, 3], m, p=[0.8, 0.15, 0.05]),
        rng.choice([1, 2, 3], m, p=[0.72, 0.2, 0.08]),
    )
    fraction = rng.uniform(0.1, 0.9, m)
    partial_total = np.clip(
        np.rint(units[chosen] * fraction).astype(np.int64), parts, units[chosen] - 1
    )
    totals = np.where(full, units[chosen], partial_total)
    pieces = _split(rng, totals, parts)
    created = _times(rng, paid_at[chosen], parts, limit)
    completed = created + rng.integers(2 * US_PER_SECOND, 90 * US_PER_SECOND, len(created))
    owner = np.repeat(chosen, parts)
    first = np.cumsum(parts) - parts
    position = np.arange(len(owner)) - np.repeat(first, parts)

    retried = rng.random(m) < RETRIED_SHARE
    attempt = position + 1 + np.repeat(retried, parts)
    fail_order = chosen[retried]
    fail_created = np.maximum(
        created[first[retried]]
        - rng.integers(10 * US_PER_MINUTE, 6 * US_PER_HOUR, len(fail_order)),
        paid_at[fail_order] + US_PER_MINUTE,
    )

    untouched = paid.copy()
    untouched[chosen] = False
    flight_pool = (
        np.flatnonzero(
            untouched
            & (paid_at > window.cutoff_us - 2 * US_PER_DAY)
            & (paid_at < window.cutoff_us - 30 * US_PER_MINUTE)
        )
        if window.live
        else np.zeros(0, dtype=np.int64)
    )
    flight_order = flight_pool[rng.random(len(flight_pool)) < IN_FLIGHT_SHARE]
    flight_units = np.maximum(
        1, np.rint(units[flight_order] * rng.uniform(0.2, 1.0, len(flight_order)))
    )
    flight_created = paid_at[flight_order] + (
        (window.cutoff_us - US_PER_MINUTE - paid_at[flight_order])
        * rng.uniform(0.3, 1.0, len(flight_order))
    ).astype(np.int64)

    order_id = np.concatenate([owner, fail_order, flight_order])
    amount_units = np.concatenate([pieces, pieces[first[retried]], flight_units.astype(np.int64)])
    row_created = np.concatenate([created, fail_created, flight_created])
    row_status = np.concatenate(
        [
            np.full(len(owner), "SUCCESS", dtype=object),
            np.full(len(fail_order), "FAIL", dtype=object),
            np.full(len(flight_order), "REFUNDING", dtype=object),
        ]
    )
    row_completed = np.concatenate(
        [completed, fail_created + 2 * US_PER_SECOND, np.full(len(flight_order), NULL_INT)]
    )
    remaining = np.concatenate(
        [
            MAX_ATTEMPTS - attempt,
            np.full(len(fail_order), NULL_INT),
            np.full(len(flight_order), MAX_ATTEMPTS - 1),
        ]
    )

    refunded = np.zeros(len(status), dtype=np.int64)
    np.add.at(refunded, owner, pieces)
    orders["refunded_amount"] = refunded * scale
    status[chosen] = np.where(full, "FULL_REFUNDED", "REFUNDED")
    status[flight_order] = "REFUNDING"
    last_done = np.full(len(status), NULL_INT)
    np.maximum.at(last_done, owner, completed)
    last_done[flight_order] = flight_created
    orders["updated_at"] = np.maximum(orders["updated_at"], last_done)

    order_ = np.argsort(row_created, kind="stable")
    r = len(order_)
    order_id, amount_units, row_created = (
        order_id[order_],
        amount_units[order_],
        row_created[order_],
    )
    row_status, row_completed, remaining = (
        row_status[order_],
        row_completed[order_],
        remaining[order_],
    )
    failed = row_status == "FAIL"
    reason = rng.integers(0, len(cat.REFUND_REASONS), r)
    note = rng.integers(0, len(cat.REFUND_NOTES), r)
    ticket = rng.integers(10_000, 99_999, r)
    notes = [
        None if cat.REFUND_NOTES[i] is None else cat.REFUND_NOTES[i].format(n=t)  # type: ignore[union-attr]
        for i, t in zip(note.tolist(), ticket.tolist(), strict=True)
    ]
    provider_ids = as_text(unique_numbers(rng, r, 10**17, 10**18))
    return {
        "id": np.arange(1, r + 1, dtype=np.int64),
        "order_id": order_id + 1,
        "refund_request_id": prefixed("RF", day_stamps(row_created), 8),
        "provider_refund_id": np.where(failed, None, provider_ids),
        "amount": amount_units * scale[order_id],
        "currency": orders["currency"][order_id],
        "reason": pick(cat.REFUND_REASONS, reason),
        "note": objects(notes),
        "status": row_status,
        "remaining_attempts": remaining,
        "error_code": np.where(failed, cat.REFUND_REFUSED_BALANCE[0], None),
        "error_message": np.where(failed, cat.REFUND_REFUSED_BALANCE[1], None),
        "created_at": row_created,
        "updated_at": np.where(row_completed == NULL_INT, row_created, row_completed),
        "completed_at": row_completed,
    }
