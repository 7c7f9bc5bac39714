"""Faults: what may have been applied stays unknown, and the status request tells the truth.
Callbacks: repeated, delayed and reordered deliveries, and the platform's retry curve."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.providers.base import OrderState, RefundState
from services.providers.events import EventKind
from services.providers.monetix import endpoints as ep
from services.providers.monetix import errors
from services.providers.monetix.sandbox import (
    CollectingSink,
    FaultKind,
    IdSource,
    MonetixSandbox,
    SandboxClock,
    retry_delay_s,
)
from tests.integration.providers.mx_harness import CUSTOMER, PROJECT, SECRET, T0, make_sandbox


@pytest.fixture
def sb():
    return make_sandbox()


def sale(sb, payment_id: str):
    return sb.client.sale(payment_id=payment_id, amount=Decimal("10.00"), currency="EUR",
                          customer=CUSTOMER)


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT_AFTER_APPLYING,
                                  FaultKind.HTTP_5XX_AFTER_APPLYING])
def test_applied_then_failed_is_unknown_and_status_finds_the_payment(sb, kind):
    sb.sandbox.set_fault(ep.SALE, kind)
    with pytest.raises(errors.MonetixError) as caught:
        sale(sb, "f-1")
    assert caught.value.outcome_unknown
    assert sb.client.status(payment_id="f-1").of_type("sale")  # it was applied
    with pytest.raises(errors.PaymentIdTaken):  # and a blind repeat would not fix anything
        sale(sb, "f-1")


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT_BEFORE_APPLYING, FaultKind.HTTP_5XX])
def test_failed_before_applying_is_still_unknown_to_the_client(sb, kind):
    # The client cannot tell "before" from "after": both stay unknown until status says.
    sb.sandbox.set_fault(ep.SALE, kind)
    with pytest.raises(errors.MonetixError) as caught:
        sale(sb, "f-2")
    assert caught.value.outcome_unknown
    with pytest.raises(errors.TransactionNotFound):
        sb.client.status(payment_id="f-2")
    sale(sb, "f-2")  # nothing was applied, so the same id goes through now


def test_refused_connections_are_retried_and_then_reported_as_not_sent(sb):
    sb.sandbox.set_fault(ep.SALE, FaultKind.REFUSE_CONNECTION, times=2)
    sale(sb, "f-3")  # two refusals, third attempt succeeds
    sb.sandbox.set_fault(ep.SALE, FaultKind.REFUSE_CONNECTION, times=3)
    with pytest.raises(errors.Unreachable) as caught:
        sale(sb, "f-4")
    assert not caught.value.outcome_unknown
    with pytest.raises(errors.TransactionNotFound):
        sb.client.status(payment_id="f-4")


def test_refund_applied_then_timed_out_is_never_repeated_by_the_client(sb):
    sb.paid_sale("f-5")
    sb.sandbox.set_fault(ep.REFUND, FaultKind.TIMEOUT_AFTER_APPLYING)
    with pytest.raises(errors.UnknownOutcome):
        sb.client.refund(payment_id="f-5", description="r", amount=Decimal("10"),
                         currency="EUR")
    sb.sandbox.advance(3)
    refunds = sb.client.status(payment_id="f-5").of_type("refund")
    assert [(op.status, op.sum_initial.amount) for op in refunds] == [("success",
                                                                       Decimal("10.00"))]


def test_refused_connection_then_timeout_stays_unknown(sb):
    sb.paid_sale("f-6")
    sb.sandbox.set_fault(ep.REFUND, FaultKind.REFUSE_CONNECTION)
    sb.sandbox.set_fault(ep.REFUND, FaultKind.TIMEOUT_AFTER_APPLYING)
    with pytest.raises(errors.UnknownOutcome):
        sb.client.refund(payment_id="f-6", description="r")
    assert len(sb.client.status(payment_id="f-6").of_type("refund")) == 1


def test_status_survives_transient_faults(sb):
    sb.paid_sale("f-7")
    sb.sandbox.set_fault(ep.STATUS, FaultKind.HTTP_5XX)
    sb.sandbox.set_fault(ep.STATUS, FaultKind.TIMEOUT_BEFORE_APPLYING)
    assert sb.client.status(payment_id="f-7").payment.status == "success"


def test_bad_signatures_are_refused_with_the_platform_codes():
    wrong = make_sandbox(secret="not-the-project-secret")
    with pytest.raises(errors.InvalidSignature) as caught:
        wrong.client.status(payment_id="x")
    assert caught.value.code == "3261"


def test_duplicate_and_out_of_order_callbacks_parse_to_the_same_events(sb):
    sb.sandbox.set_fault(ep.SALE, FaultKind.DUPLICATE_CALLBACKS, times=None)
    sale(sb, "f-8")
    sb.sandbox.advance(2)
    sb.sandbox.pay("f-8")
    sb.sandbox.advance(2)
    keys = [(e.provider_id, e.provider_status, e.identity) for e in sb.events_for("f-8")]
    assert len(keys) == 4 and len(set(keys)) == 2
    sb.sandbox.clear_faults()
    sb.sandbox.set_fault(ep.REFUND, FaultKind.OUT_OF_ORDER_CALLBACKS)
    sb.client.refund(payment_id="f-8", description="a", amount=Decimal("1"), currency="EUR")
    sb.sandbox.advance(10)
    states = {e.provider_id: e.state for e in sb.events_for("f-8") if e.kind is EventKind.REFUND}
    assert list(states.values()) == [RefundState.SUCCEEDED]


def test_delayed_callbacks_arrive_later(sb):
    sb.sandbox.set_fault(ep.SALE, FaultKind.DELAY_CALLBACKS, delay_s=300)
    sale(sb, "f-9")
    sb.sandbox.advance(2)
    assert sb.events_for("f-9") == []
    sb.sandbox.advance(300)
    assert [e.state for e in sb.events_for("f-9")] == [OrderState.PENDING]


def test_callbacks_are_retried_until_acknowledged_with_http_200():
    sink = CollectingSink(status=500)
    sandbox = MonetixSandbox(PROJECT, SECRET, clock=SandboxClock(frozen_at_ms=T0),
                             callback_sink=sink)
    h = make_sandbox(sandbox=sandbox)
    sale(h, "f-10")
    h.sandbox.advance(2)
    for _ in range(3):
        h.sandbox.advance(10)
    assert len(sink.received) == 4 and len(set(sink.received)) == 1
    sink.status = 200
    h.sandbox.advance(10)
    h.sandbox.advance(10)
    (delivery,) = h.sandbox.deliveries()
    assert delivery["done"] and delivery["attempts"] == 5


def test_retry_curve_matches_the_platform_schedule():
    assert [retry_delay_s(n) for n in range(2, 8)] == [10, 10, 10, 10, 10, 84]
    assert retry_delay_s(200) == 4 * 3600
    total = sum(retry_delay_s(n) for n in range(2, 121))
    assert 9 * 86400 < total < 11 * 86400  # 120 attempts within 11 days


def test_operation_ids_never_repeat_across_restarts():
    first = IdSource(wall_us=lambda: 5_000_000)  # a burst faster than the clock moves
    issued = {first.next() for _ in range(500)}
    restarted = IdSource(wall_us=lambda: 5_000_000 + 10_000)
    assert not issued & {restarted.next() for _ in range(500)}
    a = make_sandbox()
    sale(a, "same-id")
    a_ids = {op.id for op in a.client.status(payment_id="same-id").operations}
    b = make_sandbox()  # a new process with the same merchant ids
    sale(b, "same-id")
    b_ids = {op.id for op in b.client.status(payment_id="same-id").operations}
    assert a_ids and b_ids and not a_ids & b_ids
