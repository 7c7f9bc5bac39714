"""Pay-in orders: amounts per currency, status outcomes, payment timing, identifiers."""

from __future__ import annotations

import numpy as np

from data.bulk import NULL_INT
from services.demo.data import catalog as cat
from services.demo.data.identifiers import (
    as_text,
    day_stamps,
    email_pool,
    prefixed,
    provider_order_ids,
    skewed_picks,
)
from services.demo.data.tables import Columns, objects, pick
from services.demo.data.timeline import (
    US_PER_MINUTE,
    US_PER_SECOND,
    Window,
    seasonal_times,
)

# Final outcome of an order once its buyer is done with it.
OUTCOMES = ("PAID", "EXPIRED", "CANCELED", "ERROR")
OUTCOME_SHARES = np.array([0.80, 0.12, 0.074, 0.006])
PAID, EXPIRED, CANCELED, ERROR = range(4)


def amounts(rng: np.random.Generator, currency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(units at the quote precision, 10**8 / 10**decimals) per order; amount = units * scale."""
    n = len(currency)
    usd = np.minimum(  # float-ok: ticket sizes are sampled, then fixed to integers below
        rng.lognormal(np.log(cat.TICKET_MEDIAN_USD[currency]), cat.TICKET_SIGMA[currency]),
        cat.TICKET_MAX_USD,
    )
    decimals = cat.QUOTE_DECIMALS[currency].copy()
    stable = cat.STABLE[currency]
    # Prices set in a fiat currency and converted at checkout carry more decimals.
    converted = stable & (rng.random(n) < 0.05)
    decimals[converted] = 4
    units = np.rint(usd / cat.USD_RATES[currency] * 10.0**decimals).astype(np.int64)
    # Shops price in round numbers: $9.99, $49.99 ...
    charm = stable & ~converted & (rng.random(n) < 0.45)
    units[charm] = np.ceil(usd[charm]).astype(np.int64) * 100 - 1
    units = np.maximum(units, 1)
    return units, (10 ** (8 - decimals)).astype(np.int64)


def generate_orders(rng: np.random.Generator, n: int, window: Window) -> tuple[Columns, np.ndarray]:
    """Order columns plus the units array (refunds split amounts in whole quote units)."""
    created = seasonal_times(rng, n, window)
    currency = rng.choice(len(cat.CURRENCIES), size=n, p=cat.CURRENCY_SHARES)
    units, scale = amounts(rng, currency)

    outcome = rng.choice(len(OUTCOMES), size=n, p=OUTCOME_SHARES)
    opened = created + rng.integers(5 * US_PER_SECOND, 4 * US_PER_MINUTE, n)
    pay_delay = np.rint(rng.lognormal(np.log(35.0), 0.8, n) * US_PER_SECOND).astype(np.int64)
    expires = created + cat.ORDER_EXPIRY_MINUTES * US_PER_MINUTE
    paid_at = np.minimum(opened + pay_delay, expires - US_PER_SECOND)
    canceled_at = opened + rng.integers(US_PER_MINUTE, 30 * US_PER_MINUTE, n)
    errored_at = opened + rng.integers(5 * US_PER_SECOND, 2 * US_PER_MINUTE, n)
    settled = np.choose(outcome, [paid_at, expires, canceled_at, errored_at])
    # Orders whose outcome lies after "now" are still in flight.
    done = settled <= window.now_us
    is_open = opened <= window.now_us

    status = pick(OUTCOMES, outcome)
    status[~done & is_open] = "PENDING"
    status[~done & ~is_open] = "INITIAL"
    paid = done & (outcome == PAID)
    canceled = done & (outcome == CANCELED)

    customers = email_pool(rng, int(np.clip(n // 15, 50, 40_000)))
    customer = skewed_picks(rng, n, len(customers))
    # A payer id per customer, written out once per customer rather than once per order.
    pool_index = np.arange(len(customers), dtype=np.int64)
    payer_ids = as_text(100_000_000 + pool_index * 7919 % 900_000_000)
    product = rng.integers(0, len(cat.PRODUCTS), n)
    transaction = (5 * 10**17 + np.cumsum(rng.integers(1, 10_000, n))).astype(np.int64)

    columns: Columns = {
        "id": np.arange(1, n + 1, dtype=np.int64),
        "merchant_order_id": prefixed("PD", day_stamps(created), 9),
        "provider_order_id": provider_order_ids(rng, n),
        "transaction_id": _where_text(paid, transaction, "M_P_"),
        "provider": np.full(n, cat.PROVIDER, dtype=object),
        "amount": units * scale,
        "currency": pick(cat.CURRENCIES, currency),
        "status": status,
        "customer_email": customers[customer],
        "payer_id": np.where(paid, payer_ids[customer], None),
        "product_name": pick([name for name, _ in cat.PRODUCTS], product),
        "product_type": pick([kind for _, kind in cat.PRODUCTS], product),
        "fee": np.where(paid, units * cat.COMMISSION_BP // 10_000 * scale, NULL_INT),
        "refunded_amount": np.zeros(n, dtype=np.int64),
        "created_at": created,
        "updated_at": np.where(done, settled, np.where(is_open, opened, created)),
        "expires_at": expires,
        "paid_at": np.where(paid, paid_at, NULL_INT),
        "closed_at": np.where(canceled, canceled_at, NULL_INT),
    }
    return columns, units


def _where_text(mask: np.ndarray, values: np.ndarray, prefix: str) -> np.ndarray:
    """prefix + value where mask, else None; only the kept values are formatted."""
    column = np.full(len(values), None, dtype=object)
    column[mask] = as_text(values[mask], prefix)
    return column


def empty_orders() -> Columns:
    return {"id": np.zeros(0, dtype=np.int64), "status": objects([])}
