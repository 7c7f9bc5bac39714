"""lock_order serialises a webhook and a sync pass on the same order on both stores: the second
waits for the first to commit and then decides on what it committed, never on a stale status."""

from __future__ import annotations

import threading
import time

import pytest

from services.orders import events as order_updates
from services.entrypoints.bootstrap import Services
from tests.integration.money_helpers import paid_order


@pytest.mark.parametrize("key", ["order_id", "provider_order_id", "merchant_order_id"])
def test_a_second_locker_reads_what_the_first_committed(services: Services, key: str) -> None:
    order = paid_order(services, "10", status="PENDING")
    ref = {"order_id": order.id, "provider_order_id": order.provider_order_id,
           "merchant_order_id": order.merchant_order_id}[key]
    locked, failures = threading.Event(), []

    def first() -> None:
        try:
            with services.uow() as uow:
                row = order_updates.lock_order(uow, **{key: ref}, now=services.now())
                assert row is not None
                row.status = "PAID"
                uow.session.add(row)
                uow.session.flush()
                locked.set()
                time.sleep(0.4)  # a slow handler: the second one must wait, not read around it
                uow.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)
            locked.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert locked.wait(10)
    with services.uow() as uow:
        row = order_updates.lock_order(uow, **{key: ref})
        assert row is not None
        seen = row.status
        verdict = order_updates.decide(seen, "EXPIRED")
    thread.join(10)
    assert failures == []
    assert seen == "PAID"
    assert verdict == order_updates.STALE  # an expiry after the payment is not applied


def test_locking_an_unknown_order_finds_nothing(services: Services) -> None:
    with services.uow() as uow:
        assert order_updates.lock_order(uow, provider_order_id="nope") is None
        assert order_updates.lock_order(uow, order_id=987654, now=services.now()) is None
        assert order_updates.lock_order(uow) is None
