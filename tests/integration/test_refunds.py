"""Refunds end to end against the in-process sandbox: limits, refusals, approval, UNKNOWN
resolved by sync with the same id, and webhooks early, twice or out of order."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select

from data.models import Approval, AuditEntry, Order, Refund
from services.refunds import events as refund_updates
from tests.binance_news import refund_news
from services.refunds import sync as refund_sync
from services.refunds import commands as refunds
from services.entrypoints.bootstrap import Services
from services.core.errors import (
    ConflictError, InputError, LimitExceededError, NotFoundError, PermissionDeniedError,
)
from services.providers.binance_pay.sandbox import FaultKind
from services.providers.errors import UnknownOutcomeError
from tests.integration.money_helpers import attach_sink, paid_order, staff


@pytest.fixture
def people(services: Services):
    return staff(services)


def _refund(services: Services, ref: str) -> Refund:
    with services.uow() as uow:
        row = uow.session.exec(select(Refund).where(Refund.refund_request_id == ref)).one()
        uow.session.expunge(row)
        return row


def _order(services: Services, order_id: int) -> Order:
    with services.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        uow.session.expunge(order)
        return order


def _sandbox_refunds(services: Services) -> list[dict[str, Any]]:
    assert services.sandbox is not None
    return [e for e in services.sandbox.events() if e["event"] == "refund_requested"]


def ask(services: Services, actor, order, amount: str | None = "10", **kw):
    return refunds.request_refund(services, actor, order_ref=order.merchant_order_id,
                                  amount=amount, reason=kw.pop("reason", "REQUESTED_BY_CUSTOMER"),
                                  **kw)


def test_partial_refunds_settle_by_webhook_and_the_order_follows(services, people) -> None:
    sink = attach_sink(services)
    order = paid_order(services, "100")
    first = ask(services, people["olga"], order, "30")
    assert first.status == "REFUNDING"
    position = refunds.refund_position(services, people["vic"], order.provider_order_id)
    assert (position.refundable, position.in_progress, position.attempts_left) == (
        Decimal("70"), Decimal("30"), 9)
    assert _order(services, order.id).status == "REFUNDING"
    services.sandbox.advance(10)
    assert "refund_success" in sink.outcomes
    assert _refund(services, first.refund_request_id).status == "SUCCESS"
    after = _order(services, order.id)
    assert (after.refunded_amount, after.status) == (Decimal("30"), "REFUNDED")
    rest = ask(services, people["olga"], order, None, reason="DUPLICATE", full=True)
    assert rest.amount == Decimal("70")
    services.sandbox.advance(10)
    after = _order(services, order.id)
    assert (after.refunded_amount, after.status) == (Decimal("100"), "FULL_REFUNDED")
    with services.uow() as uow:
        actions = uow.session.exec(select(AuditEntry.action).where(
            AuditEntry.target_id == first.refund_request_id)).all()
    assert {"refund.requested", "refund.sent", "refund.webhook"} <= set(actions)


def test_every_refusal_says_why(services, people) -> None:
    order = paid_order(services, "50")
    with pytest.raises(PermissionDeniedError):
        ask(services, people["vic"], order)
    with pytest.raises(InputError, match="reason"):
        ask(services, people["olga"], order, reason="BORED")
    with pytest.raises(InputError, match="note"):
        ask(services, people["olga"], order, reason="OTHER")
    with pytest.raises(InputError, match="decimal places"):
        ask(services, people["olga"], order, "1.123456789")
    with pytest.raises(InputError, match="greater than zero"):
        ask(services, people["olga"], order, "0")
    with pytest.raises(LimitExceededError, match="more than the 50 still refundable"):
        ask(services, people["olga"], order, "50.01")
    with pytest.raises(NotFoundError):
        refunds.request_refund(services, people["olga"], order_ref="nope", amount="1",
                               reason="DUPLICATE")
    unpaid = paid_order(services, "5", status="EXPIRED")
    with pytest.raises(ConflictError, match="only paid orders"):
        ask(services, people["olga"], unpaid, "1")
    done = paid_order(services, "5", status="FULL_REFUNDED", refunded="5")
    with pytest.raises(ConflictError, match="nothing left"):
        ask(services, people["olga"], done, "1")
    assert _sandbox_refunds(services) == []


def test_the_provider_refusing_frees_the_hold(services, people) -> None:
    order = paid_order(services, "40")
    services.sandbox.set_balance("USDT", Decimal("0"))
    services.sandbox.world.wallets.available[("FUNDING_WALLET", "USDT")] = Decimal("-40")
    outcome = ask(services, people["olga"], order, "10")
    assert outcome.status == "FAIL" and "400304" in outcome.message
    assert refunds.refund_position(services, people["olga"], order.id).refundable == Decimal("40")


def test_last_attempt_refunds_the_whole_remainder_only_when_confirmed(services, people) -> None:
    order = paid_order(services, "100")
    for _ in range(9):
        ask(services, people["olga"], order, "1")
    position = refunds.refund_position(services, people["olga"], order.id)
    assert position.last_attempt and position.refundable == Decimal("91")
    with pytest.raises(ConflictError, match="whole remaining 91"):
        ask(services, people["olga"], order, "1")
    last = ask(services, people["olga"], order, "1", accept_whole_remainder=True)
    assert last.amount == Decimal("91")
    with pytest.raises(ConflictError, match="nothing left"):
        ask(services, people["olga"], order, "1")


def test_large_refunds_wait_for_a_second_person(services, people) -> None:
    order = paid_order(services, "5000")
    outcome = ask(services, people["olga"], order, "2000")
    assert outcome.status == "NEEDS_APPROVAL" and _sandbox_refunds(services) == []
    assert refunds.refund_position(services, people["olga"], order.id).refundable == Decimal(
        "3000")
    with pytest.raises(PermissionDeniedError):
        refunds.decide_refund(services, people["oscar"], refund_request_id=outcome.refund_request_id,
                              approve=True, comment="ok")
    sent = refunds.decide_refund(services, people["anna"],
                                 refund_request_id=outcome.refund_request_id, approve=True,
                                 comment="customer ticket 42")
    assert sent.status == "REFUNDING" and len(_sandbox_refunds(services)) == 1
    other = ask(services, people["olga"], order, "1500")
    rejected = refunds.decide_refund(services, people["anna"],
                                     refund_request_id=other.refund_request_id, approve=False,
                                     comment="no ticket")
    assert rejected.status == "REJECTED"
    assert refunds.refund_position(services, people["olga"], order.id).refundable == Decimal(
        "3000")
    with services.uow() as uow:
        assert len(uow.session.exec(select(Approval)).all()) == 2


def test_timeout_leaves_unknown_and_sync_resolves_it_without_a_second_refund(
    services, people
) -> None:
    order = paid_order(services, "80")
    services.sandbox.set_fault("/binancepay/openapi/order/refund",
                               FaultKind.TIMEOUT_AFTER_PROCESSING)
    outcome = ask(services, people["olga"], order, "20")
    assert outcome.status == "UNKNOWN"
    # While UNKNOWN the amount stays held: nobody can refund it a second time meanwhile.
    assert refunds.refund_position(services, people["olga"], order.id).refundable == Decimal("60")
    print(refund_sync.sync_refund(services, outcome.refund_request_id))
    assert _refund(services, outcome.refund_request_id).status == "REFUNDING"
    services.sandbox.advance(10)
    refund_sync.sync_open_refunds(services, older_than_seconds=0)
    assert _refund(services, outcome.refund_request_id).status == "SUCCESS"
    assert len(_sandbox_refunds(services)) == 1
    assert _order(services, order.id).refunded_amount == Decimal("20")


def test_unknown_that_never_arrived_is_resent_with_the_same_id(
    services, people, monkeypatch
) -> None:
    order = paid_order(services, "80")

    def lost(**kw):
        raise UnknownOutcomeError("connection dropped", merchant_request_id=kw["refund_request_id"])

    with monkeypatch.context() as patch:
        patch.setattr(services.provider, "refund", lost)
        outcome = ask(services, people["olga"], order, "5")
    assert outcome.status == "UNKNOWN" and _sandbox_refunds(services) == []
    refund_sync.sync_refund(services, outcome.refund_request_id)
    assert _refund(services, outcome.refund_request_id).status == "REFUNDING"
    refund_sync.sync_refund(services, outcome.refund_request_id)  # queried, not resent
    assert [e["refundRequestId"] for e in _sandbox_refunds(services)] == [
        outcome.refund_request_id]


def test_webhook_before_the_call_returns_is_not_undone(services, people, monkeypatch) -> None:
    sink = attach_sink(services)
    order = paid_order(services, "60")
    real = services.provider.refund

    def refund_then_webhook_first(**kw):
        result = real(**kw)
        services.sandbox.advance(10)  # the PAY_REFUND webhook lands before we record the answer
        return result

    monkeypatch.setattr(services.provider, "refund", refund_then_webhook_first)
    outcome = ask(services, people["olga"], order, "15")
    assert sink.outcomes and sink.outcomes[0] == "refund_success"
    assert outcome.status == "SUCCESS"
    row = _refund(services, outcome.refund_request_id)
    assert row.status == "SUCCESS" and row.provider_refund_id
    assert _order(services, order.id).refunded_amount == Decimal("15")


def test_duplicate_and_out_of_order_webhooks(services, people) -> None:
    sink = attach_sink(services)
    path = "/binancepay/openapi/order/refund"
    services.sandbox.set_fault(path, FaultKind.DUPLICATE_WEBHOOKS, times=None)
    services.sandbox.set_fault(path, FaultKind.OUT_OF_ORDER_WEBHOOKS, times=None)
    order = paid_order(services, "60")
    a = ask(services, people["olga"], order, "10")
    b = ask(services, people["olga"], order, "20")
    services.sandbox.advance(10)
    services.sandbox.clear_faults()
    assert sum("refund_duplicate" in o for o in sink.outcomes) >= 2
    assert {_refund(services, r.refund_request_id).status for r in (a, b)} == {"SUCCESS"}
    after = _order(services, order.id)
    assert (after.refunded_amount, after.status) == (Decimal("30"), "REFUNDED")
    # A late failure notice cannot move a settled refund backwards.
    with services.uow() as uow:
        said = refund_updates.on_refund(services, uow, refund_news("REFUND_REJECTED", a.refund_request_id))
        uow.commit()
    assert said == "refund_duplicate" and _refund(services, a.refund_request_id).status == (
        "SUCCESS")
    with services.uow() as uow:
        unknown = refund_updates.on_refund(services, uow, refund_news("REFUND_SUCCESS", "RFnotours"))
    assert unknown is None


def test_seeded_refunds_count_against_what_is_refundable(services, people) -> None:
    order = paid_order(services, "100", status="REFUNDED", refunded="70")
    with services.uow() as uow:
        uow.session.add(Refund(order_id=order.id, refund_request_id="RFseed1",
                               amount=Decimal("70"), currency="USDT", reason="GOODWILL",
                               status="SUCCESS", provider_refund_id="1"))
        uow.commit()
    with pytest.raises(LimitExceededError):
        ask(services, people["olga"], order, "31")
    ok = ask(services, people["olga"], order, "30")
    assert ok.status == "REFUNDING"
    with services.uow() as uow:
        total = sum(r.amount for r in uow.session.exec(
            select(Refund).where(col(Refund.order_id) == order.id)).all())
    assert total == Decimal("100")
