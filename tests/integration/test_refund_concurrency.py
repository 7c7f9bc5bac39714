"""Two (or three) people refunding the same order at the same moment can never refund more than
was paid: 200 trials with threads released together by a barrier, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from data.models import Refund
from services.refunds import commands as refunds
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError
from services.providers.base import RefundResult, RefundState
from tests.integration.money_helpers import fast_commits, paid_order, staff

TRIALS = 200


def _race(services: Services, actors, order, amounts: list[str]) -> list[object]:
    barrier = threading.Barrier(len(amounts))
    results: list[object] = [None] * len(amounts)

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = refunds.request_refund(
                services, actors[i % len(actors)], order_ref=order.merchant_order_id,
                amount=amounts[i], reason="DUPLICATE")
        except ConflictError as error:  # LimitExceededError included: the refusal we expect
            results[i] = error
        except Exception as error:  # noqa: BLE001 - anything else fails the test below
            results[i] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(amounts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


class InstantProvider:
    """Accepts every refund at once: the race under test is in our intent transaction, and a
    network-free provider keeps 200 trials within a few seconds. (The sandbox's own limit is a
    second line of defence exercised in test_refunds.py.)"""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Decimal]] = []
        self._lock = threading.Lock()

    def refund(self, *, refund_request_id: str, provider_order_id: str, amount: Decimal,
               **_: object) -> RefundResult:
        with self._lock:
            self.calls.append((refund_request_id, provider_order_id, amount))
        return RefundResult(refund_request_id, "1" + refund_request_id[-8:].translate(
            str.maketrans("abcdef", "123456")), provider_order_id, Decimal(0), amount, amount,
            None, RefundState.PENDING)


def test_concurrent_refunds_never_exceed_the_order_total(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_commits(services)
    provider = InstantProvider()
    monkeypatch.setattr(Services, "provider", property(lambda _self: provider))
    monkeypatch.setattr(Services, "provider_for", lambda _self, _name: provider)
    people = staff(services)
    actors = [people["olga"], people["oscar"]]
    rng = random.Random(7)
    started = time.perf_counter()
    accepted_total = 0
    for trial in range(TRIALS):
        order = paid_order(services, "100")
        # Each alone fits; together they do not.
        amounts = (["60", "60"] if trial % 2 == 0
                   else [str(rng.randint(34, 60)) for _ in range(3)])
        results = _race(services, actors, order, amounts)
        unexpected = [r for r in results
                      if isinstance(r, Exception) and not isinstance(r, ConflictError)]
        assert not unexpected, unexpected
        accepted = [r for r in results if isinstance(r, refunds.RefundOutcome)]
        assert accepted, f"trial {trial}: every refund was refused"
        with services.uow() as uow:
            held = uow.session.exec(select(func.sum(Refund.amount)).where(
                Refund.order_id == order.id, col(Refund.status).not_in(("FAIL", "REJECTED")))
            ).one()
        assert held <= Decimal("100"), f"trial {trial}: {held} refunded on an order of 100"
        sent = sum(a for _, p, a in provider.calls if p == order.provider_order_id)
        assert sent <= Decimal("100"), f"trial {trial}: {sent} sent to the provider"
        accepted_total += len(accepted)
    elapsed = time.perf_counter() - started
    print(f"{services.engine.dialect.name}: {TRIALS} trials, {accepted_total} refunds accepted, "
          f"{elapsed:.1f}s")
