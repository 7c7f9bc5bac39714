"""Two people debiting the same contract at the same moment: at most one debit is open per
contract, so the contract is never charged more than its single upper limit at once, and a
periodic contract's notice pays for one debit only. 200 trials per database."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from data.models import DebitNotice, DirectDebit
from services.mandates import debits
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError
from services.providers.base import DebitResult, DebitState
from tests.integration.money_helpers import fast_commits, signed_mandate, staff

TRIALS = 200


class InstantProvider:
    """Accepts every debit at once; the race under test is in our intent transaction."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Decimal]] = []
        self._lock = threading.Lock()

    def debit(self, *, merchant_request_id: str, provider_contract_id: str, amount: Decimal,
              **_: object) -> DebitResult:
        with self._lock:
            self.calls.append((provider_contract_id, amount))
        return DebitResult(merchant_request_id, "1", "2", DebitState.PROCESSING, "PROCESSING")


def _race(services: Services, actors, mandate_id: int, amounts: list[str]) -> list[object]:
    barrier = threading.Barrier(len(amounts))
    results: list[object] = [None] * len(amounts)

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = debits.debit_now(services, actors[i % 2], mandate_ref=mandate_id,
                                          amount=amounts[i], product_name="race")
        except Exception as error:  # noqa: BLE001 - classified by the caller
            results[i] = error

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(amounts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_debits_on_one_contract_never_exceed_its_limit(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_commits(services)
    provider = InstantProvider()
    monkeypatch.setattr(Services, "provider", property(lambda _self: provider))
    monkeypatch.setattr(Services, "provider_for", lambda _self, _name: provider)
    people = staff(services)
    actors = [people["olga"], people["oscar"]]
    started = time.perf_counter()
    for trial in range(TRIALS):
        periodic = trial % 4 == 3
        mandate = signed_mandate(services, limit="50", periodic=periodic)
        if periodic:
            with services.uow() as uow:
                uow.session.add(DebitNotice(
                    mandate_id=mandate.id, merchant_request_id=f"DN{trial}x{mandate.id}",
                    provider_notice_id="1", estimated_amount=Decimal("50"), currency="USDT",
                    status="SENT", notified_at=services.now().replace(microsecond=0)
                    - debits.NOTICE_MIN_AGE - debits.FREEZE))
                uow.commit()
        results = _race(services, actors, mandate.id, ["40", "40"] if trial % 2 else ["50", "30"])
        unexpected = [r for r in results
                      if isinstance(r, Exception) and not isinstance(r, ConflictError)]
        assert not unexpected, unexpected
        assert sum(isinstance(r, debits.DebitOutcome) for r in results) == 1, results
        with services.uow() as uow:
            charged = uow.session.exec(select(func.sum(DirectDebit.amount)).where(
                DirectDebit.mandate_id == mandate.id, col(DirectDebit.status) != "FAIL")).one()
        assert charged <= Decimal("50"), f"trial {trial}: {charged} on a limit of 50"
        sent = sum(a for c, a in provider.calls if c == mandate.contract_id)
        assert sent <= Decimal("50")
    elapsed = time.perf_counter() - started
    print(f"{services.engine.dialect.name}: {TRIALS} debit trials, {elapsed:.1f}s")
