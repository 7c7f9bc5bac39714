"""Refund outcomes the provider's answer does not settle by itself: unknown codes and 5xx answers
stay UNKNOWN, a refusal we concluded gives way to the provider's SUCCESS, the four-eyes threshold
counts the whole order, a request token makes asking twice harmless, and refunds never move an
order's status backwards. Both stores."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import Approval, AuditEntry, Order, Refund
from services.refunds import bulk as bulk_refunds
from services.refunds import events as refund_updates
from tests.binance_news import refund_news
from services.refunds import commands as refunds
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError, MoneyError
from services.providers.binance_pay import errors as bp_errors
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


def _sandbox_refunds(services: Services) -> list[str]:
    assert services.sandbox is not None
    return [e["refundRequestId"] for e in services.sandbox.events()
            if e["event"] == "refund_requested"]


def ask(services: Services, actor, order, amount: str | None = "10", **kw):
    return refunds.request_refund(services, actor, order_ref=order.merchant_order_id,
                                  amount=amount, reason="REQUESTED_BY_CUSTOMER", **kw)


def _executed_then(services: Services, monkeypatch, error_factory) -> None:
    """The provider executes the refund, but what comes back is `error_factory(request_id)`."""
    real = services.provider.refund

    def refund(**kw):  # type: ignore[no-untyped-def]
        real(**kw)
        raise error_factory(kw["refund_request_id"])

    monkeypatch.setattr(services.provider, "refund", refund)


@pytest.mark.parametrize(("code", "http_status"), [("499999", 400), ("499999", 500),
                                                    ("400304", 502)])
def test_an_unreadable_or_5xx_answer_keeps_the_refund_unknown_and_held(
    services, people, monkeypatch, code, http_status
) -> None:
    sink = attach_sink(services)
    order = paid_order(services, "100")
    _executed_then(services, monkeypatch, lambda rid: bp_errors.error_for_code(
        code, "internal", http_status=http_status, merchant_request_id=rid))
    outcome = ask(services, people["olga"], order, "40")
    monkeypatch.undo()
    assert outcome.status == "UNKNOWN"
    # Still held: nobody can refund these 40 a second time while the provider pays them out.
    assert refunds.refund_position(services, people["olga"], order.id).refundable == Decimal("60")
    services.sandbox.advance(10)
    assert "refund_success" in sink.outcomes
    assert _refund(services, outcome.refund_request_id).status == "SUCCESS"
    assert _order(services, order.id).refunded_amount == Decimal("40")
    assert _sandbox_refunds(services) == [outcome.refund_request_id]


def test_a_refusal_we_concluded_gives_way_to_the_providers_success(
    services, people, monkeypatch
) -> None:
    sink = attach_sink(services)
    order = paid_order(services, "100")
    _executed_then(services, monkeypatch, lambda rid: bp_errors.error_for_code(
        "400304", "remaining amount not enough", http_status=400, merchant_request_id=rid))
    outcome = ask(services, people["olga"], order, "40")
    monkeypatch.undo()
    assert outcome.status == "FAIL"
    assert refunds.refund_position(services, people["olga"], order.id).refundable == Decimal(
        "100")
    services.sandbox.advance(10)  # the provider's REFUND_SUCCESS arrives
    assert "refund_success" in sink.outcomes
    row = _refund(services, outcome.refund_request_id)
    assert row.status == "SUCCESS" and row.error_code is None
    position = refunds.refund_position(services, people["olga"], order.id)
    assert position.refundable == Decimal("60")
    after = _order(services, order.id)
    assert (after.refunded_amount, after.status) == (Decimal("40"), "REFUNDED")
    with services.uow() as uow:
        actions = uow.session.exec(select(AuditEntry.action).where(
            AuditEntry.target_id == outcome.refund_request_id,
            AuditEntry.outcome == "conflict")).all()
    assert list(actions) == ["refund.fail_overturned"]


def test_a_failure_the_provider_reported_stays_final(services, people) -> None:
    order = paid_order(services, "100")
    outcome = ask(services, people["olga"], order, "10")
    rid = outcome.refund_request_id
    now = services.now()
    with services.uow() as uow:
        refund_updates.on_refund(services, uow, refund_news("REFUND_FAIL", rid))
        uow.commit()
    with services.uow() as uow:
        said = refund_updates.on_refund(services, uow, refund_news("REFUND_SUCCESS", rid))
        uow.commit()
    assert said == "refund_duplicate" and _refund(services, rid).status == "FAIL"


def test_four_eyes_counts_the_orders_earlier_refunds(services, people) -> None:
    threshold = services.settings.refund_approval_threshold  # 1000 by default
    order = paid_order(services, str(threshold * 5))
    part = threshold / 2
    first = ask(services, people["olga"], order, str(part))
    second = ask(services, people["olga"], order, str(part))
    assert (first.status, second.status) == ("REFUNDING", "REFUNDING")
    # Together with the two before, this small one passes the threshold: an approver decides.
    third = ask(services, people["olga"], order, "1")
    assert third.status == "NEEDS_APPROVAL"
    plan = refunds.plan_refund(services, people["olga"], order_ref=order.merchant_order_id,
                               amount="1", reason="DUPLICATE")
    assert plan.needs_approval
    with services.uow() as uow:
        assert [a.item_id for a in uow.session.exec(select(Approval)).all()] == [
            third.refund_request_id]
    # Refunds that were refused or rejected hold nothing and so count for nothing.
    other = paid_order(services, str(threshold * 5))
    with services.uow() as uow:
        uow.session.add(Refund(
            order_id=other.id, refund_request_id="RFrejectedbefore", amount=threshold,
            currency="USDT", reason="DUPLICATE", status="REJECTED",
            created_at=now_utc(), updated_at=now_utc()))
        uow.commit()
    assert ask(services, people["olga"], other, "1").status == "REFUNDING"


def test_a_btc_refund_above_its_own_threshold_waits_for_an_approver(services, people) -> None:
    threshold = services.settings.refund_threshold_for("BTC")
    order = paid_order(services, "3", currency="BTC")
    small = ask(services, people["olga"], order, str(threshold))
    assert small.status == "REFUNDING"
    # 0.01 BTC more would have passed under the shared 1,000 threshold.
    big = ask(services, people["olga"], order, "1")
    assert big.status == "NEEDS_APPROVAL"
    assert f"above {threshold.normalize():f} BTC" in big.message.replace(",", "")


def now_utc() -> datetime:
    return datetime.now(UTC)


def test_bulk_preview_warns_when_the_order_total_passes_the_threshold(services, people) -> None:
    threshold = services.settings.refund_approval_threshold
    order = paid_order(services, str(threshold * 5))
    ask(services, people["olga"], order, str(threshold))
    text = f"merchantTradeNo,amount,reason\n{order.merchant_order_id},1,duplicate\n".encode()
    preview = bulk_refunds.preview(services, people["olga"], text, "r.csv")
    assert ("needs_approval" in {f.code for f in preview.findings})


def test_the_same_request_token_refunds_once(services, people) -> None:
    order = paid_order(services, "100")
    first = ask(services, people["olga"], order, "10", request_token="form-7f3a")
    again = ask(services, people["olga"], order, "10", request_token="form-7f3a")
    assert again.refund_request_id == first.refund_request_id
    assert _sandbox_refunds(services) == [first.refund_request_id]
    assert refunds.refund_position(services, people["olga"], order.id).refundable == Decimal("90")
    other = paid_order(services, "100")
    with pytest.raises(ConflictError, match="another order"):
        ask(services, people["olga"], other, "10", request_token="form-7f3a")
    # No token, no deduplication: two requests are two refunds.
    ask(services, people["olga"], order, "1")
    ask(services, people["olga"], order, "1")
    assert len(_sandbox_refunds(services)) == 3


def test_applying_a_bulk_file_twice_with_its_token_refunds_once(services, people) -> None:
    a, b = paid_order(services, "100"), paid_order(services, "50")
    text = (f"merchantTradeNo,amount,reason\n{a.merchant_order_id},30,duplicate\n"
            f"{b.merchant_order_id},full,duplicate\n").encode()
    preview = bulk_refunds.preview(services, people["olga"], text, "r.csv")
    first = bulk_refunds.apply(services, people["olga"], preview, request_token="upload-1")
    second = bulk_refunds.apply(services, people["olga"], preview, request_token="upload-1")
    assert [r.status for r in first] == ["REFUNDING", "REFUNDING"]
    assert [r.status for r in second] == ["REFUNDING", "REFUNDING"]
    assert len(_sandbox_refunds(services)) == 2
    assert refunds.refund_position(services, people["olga"], a.id).refundable == Decimal("70")


def _insert_refund(services: Services, order: Order, rid: str, status: str,
                   amount: str) -> None:
    with services.uow() as uow:
        uow.session.add(Refund(
            order_id=order.id, refund_request_id=rid, amount=Decimal(amount), currency="USDT",
            reason="DUPLICATE", status=status, created_at=now_utc(), updated_at=now_utc()))
        uow.commit()


def test_refund_news_never_moves_an_order_backwards(services) -> None:
    now = services.now()
    # A fully refunded order (seeded without its refund rows) stays so when a refund moves.
    done = paid_order(services, "50", status="FULL_REFUNDED", refunded="50")
    _insert_refund(services, done, "RFlatenews", "UNKNOWN", "5")
    with services.uow() as uow:
        refund_updates.transition(uow, "RFlatenews", "REFUNDING", now)
        uow.commit()
    assert _order(services, done.id).status == "FULL_REFUNDED"
    # A refund failing does not take a REFUNDING order back to PAID.
    busy = paid_order(services, "50", status="REFUNDING")
    _insert_refund(services, busy, "RFwillfail", "REFUNDING", "5")
    with services.uow() as uow:
        refund_updates.transition(uow, "RFwillfail", "FAIL", now)
        uow.commit()
    after = _order(services, busy.id)
    assert (after.status, after.refunded_amount) == ("REFUNDING", Decimal("0"))
    # Forward moves still happen: REFUNDING -> REFUNDED when a refund succeeds.
    _insert_refund(services, busy, "RFsucceeds", "REFUNDING", "7")
    with services.uow() as uow:
        refund_updates.transition(uow, "RFsucceeds", "SUCCESS", now)
        uow.commit()
    after = _order(services, busy.id)
    assert (after.status, after.refunded_amount) == ("REFUNDED", Decimal("7"))


@pytest.mark.parametrize("amount", ["12345678901234567890123", "1" * 30])
def test_a_huge_amount_is_a_finding_in_a_bulk_file_and_a_field_error_in_the_dialog(
    services, people, amount
) -> None:
    order = paid_order(services, "100")
    text = f"merchantTradeNo,amount,reason\n{order.merchant_order_id},{amount},duplicate\n"
    preview = bulk_refunds.preview(services, people["olga"], text.encode(), "r.csv")
    assert {(f.line, f.code) for f in preview.findings} == {(2, "too_large")}
    assert preview.lines == () or list(preview.lines) == []
    with pytest.raises(MoneyError) as exc:
        ask(services, people["olga"], order, amount)
    assert exc.value.field == "amount"
    with pytest.raises(MoneyError):
        refunds.plan_refund(services, people["olga"], order_ref=order.merchant_order_id,
                            amount=amount, reason="DUPLICATE")
