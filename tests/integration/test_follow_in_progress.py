"""Items in progress reach their end while a page is open, on SQLite and PostgreSQL: the sandbox
adopts refunds and payout batches the store knew before it started (so no demo item waits for
ever), and a page's check moves what the provider settled even when no webhook arrives."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import select

from data.models import DirectDebit, PayoutBatch, Refund
from services.mandates import debits
from services.desk import follow
from services.refunds import sync as refund_sync
from services.entrypoints.bootstrap import Services
from services.demo.data import seed_demo_data
from services.inbound.sync_runner import run_pass
from tests.integration.money_helpers import paid_order, signed_mandate, staff


def _statuses(services: Services, model: type) -> Counter[str]:
    with services.uow() as uow:
        return Counter(uow.session.exec(select(model.status)).all())  # type: ignore[attr-defined]


def test_no_demo_item_stays_in_progress(services: Services) -> None:
    seed_demo_data(services, orders=4000, days=30, seed=11)
    assert _statuses(services, Refund)["REFUNDING"] > 0  # the demo has refunds in flight
    first = run_pass(services)
    assert not any("exception" in r.outcomes for r in first.kinds.values()), first.summary()
    assert services.sandbox is not None
    services.sandbox.advance(120)
    run_pass(services)
    assert _statuses(services, Refund)["REFUNDING"] == 0
    batches = _statuses(services, PayoutBatch)
    assert batches["PROCESSING"] == batches["ACCEPTED"] == 0, batches


def test_a_refund_only_the_store_knew_settles_in_the_sandbox(services: Services) -> None:
    order = paid_order(services, amount="40", status="REFUNDING", refunded="15")
    request_id = f"RF{uuid.uuid4().hex[:12]}"
    with services.uow() as uow:
        uow.session.add(Refund(
            order_id=order.id, refund_request_id=request_id, provider_refund_id="284000000000000777",
            amount=Decimal("15"), currency="USDT", reason="DUPLICATE", status="REFUNDING",
            created_at=datetime.now(UTC) - timedelta(minutes=5),
            updated_at=datetime.now(UTC) - timedelta(minutes=5)))
        uow.commit()
    assert services.sandbox is not None
    services.sandbox.set_webhook_sink(None)  # only the query can tell
    refund_sync.sync_refund(services, request_id)
    assert _statuses(services, Refund)["REFUNDING"] == 1  # accepted, settling
    services.sandbox.advance(10)
    refund_sync.sync_refund(services, request_id)
    assert _statuses(services, Refund) == Counter({"SUCCESS": 1})


def test_a_page_check_moves_a_debit_the_provider_settled_without_a_webhook(
    services: Services
) -> None:
    people = staff(services)
    mandate = signed_mandate(services, limit="20")
    assert services.sandbox is not None
    services.sandbox.set_webhook_sink(None)
    outcome = debits.debit_now(services, people["olga"], mandate_ref=mandate.id, amount="12",
                               product_name="June")
    assert outcome.status == "PROCESSING"
    assert follow.open_items(services, people["vic"], "debits").count == 1
    services.clock = lambda: datetime.now(UTC) + timedelta(seconds=30)
    services.sandbox.advance(30)
    assert follow.check_open(services, people["vic"], "debits") is True
    assert _statuses(services, DirectDebit) == Counter({"SUCCESS": 1})
    assert follow.open_items(services, people["vic"], "debits").count == 0
    assert follow.check_open(services, people["vic"], "debits") is False  # nothing left


def test_a_page_check_never_resends_a_refund_that_may_still_be_in_its_first_call(
    services: Services
) -> None:
    people = staff(services)
    order = paid_order(services, amount="40")
    request_id = f"RF{uuid.uuid4().hex[:12]}"
    now = datetime.now(UTC)
    with services.uow() as uow:
        uow.session.add(Refund(
            order_id=order.id, refund_request_id=request_id, amount=Decimal("10"),
            currency="USDT", reason="DUPLICATE", status="PENDING", created_at=now,
            updated_at=now))
        uow.commit()
    assert services.sandbox is not None
    assert follow.check_open(services, people["vic"], "refunds") is False
    assert request_id not in services.sandbox.world.refunds  # nothing sent
    services.clock = lambda: datetime.now(UTC) + timedelta(seconds=31)
    assert follow.check_open(services, people["vic"], "refunds") is True
    assert request_id in services.sandbox.world.refunds  # sent again under the same id
    assert _statuses(services, Refund)["PENDING"] == 0
