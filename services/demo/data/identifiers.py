"""Merchant and provider ids and customer emails: deterministic, unique where the store says so."""

from __future__ import annotations

import numpy as np

from services.demo.data.catalog import EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES
from services.demo.data.timeline import US_PER_DAY

# Binance Pay order ids are 18-19 digit numbers; the upper part of the range passes 2**63, which is
# exactly what breaks clients that parse them as signed 64-bit integers.
PREPAY_LOW = 10**17
PREPAY_HIGH = 10**19


def day_stamps(micros: np.ndarray) -> np.ndarray:
    """'yymmdd' of each timestamp as an object array (built once per distinct day)."""
    days = micros // US_PER_DAY
    distinct, inverse = np.unique(days, return_inverse=True)
    labels = np.datetime_as_string(distinct.astype("datetime64[D]"), unit="D")
    short = np.array(
        [label[2:4] + label[5:7] + label[8:10] for label in labels.tolist()], dtype=object
    )
    return short[inverse]


def prefixed(prefix: str, stamps: np.ndarray, width: int) -> np.ndarray:
    """prefix + yymmdd + zero-padded running number: unique, alphanumeric, sortable."""
    return np.array(
        [f"{prefix}{stamp}{i:0{width}d}" for i, stamp in enumerate(stamps.tolist(), start=1)],
        dtype=object,
    )


def unique_numbers(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """n distinct uint64 values in [low, high), order random."""
    values = rng.integers(low, high, size=n, dtype=np.uint64)
    while True:
        _, first = np.unique(values, return_index=True)
        if len(first) == n:
            return values
        repeated = np.setdiff1d(np.arange(n), first)
        values[repeated] = rng.integers(low, high, size=len(repeated), dtype=np.uint64)


def as_text(values: np.ndarray, prefix: str = "") -> np.ndarray:
    return np.array([f"{prefix}{v}" for v in values.tolist()], dtype=object)


def provider_order_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Increasing with creation time like Binance's own ids, which also keeps the unique index
    appending at its right edge instead of splitting random pages during a bulk load."""
    return as_text(np.sort(unique_numbers(rng, n, PREPAY_LOW, PREPAY_HIGH)))


def email_pool(rng: np.random.Generator, size: int) -> np.ndarray:
    first = rng.integers(0, len(FIRST_NAMES), size)
    last = rng.integers(0, len(LAST_NAMES), size)
    domain = rng.integers(0, len(EMAIL_DOMAINS), size)
    style = rng.integers(0, 3, size)
    emails = []
    for i, (f, la, d, s) in enumerate(
        zip(first.tolist(), last.tolist(), domain.tolist(), style.tolist(), strict=True)
    ):
        # The running number keeps the pool unique however the names collide.
        local = (
            f"{FIRST_NAMES[f]}.{LAST_NAMES[la]}{i}",
            f"{FIRST_NAMES[f][0]}{LAST_NAMES[la]}{i}",
            f"{FIRST_NAMES[f]}_{i}",
        )[s]
        emails.append(f"{local}@{EMAIL_DOMAINS[d]}")
    return np.array(emails, dtype=object)


def skewed_picks(rng: np.random.Generator, n: int, pool: int) -> np.ndarray:
    """Indices into a pool where low indices recur: regular customers buy more often."""
    return np.minimum((pool * rng.random(n) ** 2.2).astype(np.int64), pool - 1)
