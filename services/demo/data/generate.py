"""The whole demo data set from (orders, days, seed, end, now), in memory, without a database."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np

from services.demo.data.mandates import generate_mandates, mandate_count
from services.demo.data.orders import generate_orders
from services.demo.data.payouts import batch_count, generate_payouts
from services.demo.data.refunds import generate_refunds
from services.demo.data.tables import DemoData
from services.demo.data.timeline import make_window


def generate(*, orders: int, days: int, seed: int, end: date, now: datetime) -> DemoData:
    if orders < 0:
        raise ValueError("orders must not be negative")
    if seed < 0:
        raise ValueError("seed must not be negative")
    window = make_window(days, end, now)
    # Independent streams: changing how payouts are drawn must not reshuffle the orders.
    order_rng, refund_rng, payout_rng, mandate_rng = (
        np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(4)
    )
    data = DemoData()
    if orders == 0:
        return data
    order_columns, units = generate_orders(order_rng, orders, window)
    refund_columns = generate_refunds(refund_rng, window, order_columns, units)
    data.tables["orders"] = order_columns
    data.tables["refunds"] = refund_columns
    batches = batch_count(orders)
    if batches:
        data.tables["payout_batches"], data.tables["payout_lines"] = generate_payouts(
            payout_rng, window, batches
        )
    count = mandate_count(orders)
    if count:
        data.tables["mandates"], data.tables["direct_debits"] = generate_mandates(
            mandate_rng, window, count
        )
    return data
