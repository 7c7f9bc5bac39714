"""The Monetix client against the in-process sandbox, one flow per operation, and the
platform's refusals (codes of providers.md §5)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.providers.base import (
    ContractState,
    DebitState,
    OrderState,
    PayoutLineState,
    RefundState,
)
from services.providers.events import EventKind
from services.providers.monetix import ReceiveType, display_of, errors
from services.providers.monetix.sandbox import ApiFail
from tests.integration.providers.mx_harness import CUSTOMER, T0, make_sandbox


@pytest.fixture
def sb():
    return make_sandbox()


def test_sale_shows_a_qr_then_pays(sb):
    accepted = sb.client.sale(payment_id="order-1", amount=Decimal("100.00"), currency="EUR",
                              customer=CUSTOMER)
    assert accepted.payment_id == "order-1" and accepted.request_id
    assert sb.sink.received == []  # accepted is not paid: nothing has happened yet
    sb.sandbox.advance(2)
    (qr,) = sb.events_for("order-1")
    assert qr.state is OrderState.PENDING and display_of(qr) is not None
    assert display_of(qr).links.qr_code_link and display_of(qr).links.deeplink.startswith("bnc://")
    assert display_of(qr).expires_at == datetime.fromtimestamp(T0 // 1000 + 1200, tz=UTC)
    sb.sandbox.pay("order-1")
    sb.sandbox.advance(1)
    paid = sb.events_for("order-1")[-1]
    assert paid.state is OrderState.PAID and paid.amount == Decimal("100.00")
    assert paid.provider_id == qr.provider_id  # one operation, two statuses
    status = sb.client.status(payment_id="order-1")
    assert status.payment.status == "success"
    assert [(op.type, op.status) for op in status.operations] == [("sale", "success")]


def test_unpaid_qr_expires_after_twenty_minutes_with_a_decline(sb):
    sb.client.sale(payment_id="order-2", amount=Decimal("5"), currency="USD", customer=CUSTOMER)
    sb.sandbox.advance(19 * 60)
    assert sb.events_for("order-2")[-1].state is OrderState.PENDING
    sb.sandbox.advance(61)
    expired = sb.events_for("order-2")[-1]
    assert expired.state is OrderState.EXPIRED and expired.details["code"] == "20602"
    with pytest.raises(ApiFail, match="already decline"):
        sb.sandbox.pay("order-2")


def test_declined_sale(sb):
    sb.client.sale(payment_id="order-3", amount=Decimal("5"), currency="EUR", customer=CUSTOMER)
    sb.sandbox.decline("order-3", "20105")
    sb.sandbox.advance(2)
    event = sb.events_for("order-3")[-1]
    assert event.state is OrderState.ERROR and event.details["reason"] == "Not enough funds"


def test_partial_then_full_refund_with_remainders(sb):
    sb.paid_sale("order-4", "100.00")
    sb.client.refund(payment_id="order-4", description="damaged", amount=Decimal("30.00"),
                     currency="EUR", merchant_refund_id="rf-1")
    sb.sandbox.advance(3)
    partial = sb.events_for("order-4")[-1]
    assert (partial.kind, partial.state, partial.amount) == (
        EventKind.REFUND, RefundState.SUCCEEDED, Decimal("30.00"))
    assert partial.details["payment_status"] == "partially refunded"
    sb.client.refund(payment_id="order-4", description="the rest")
    sb.sandbox.advance(3)
    full = sb.events_for("order-4")[-1]
    assert full.amount == Decimal("70.00") and full.details["payment_status"] == "refunded"
    status = sb.client.status(payment_id="order-4")
    assert status.payment.sum.amount == Decimal("0.00")
    assert [op.sum_initial.amount for op in status.of_type("refund")] == [
        Decimal("30.00"), Decimal("70.00")]
    with pytest.raises(errors.ActionNotAllowed):
        sb.client.refund(payment_id="order-4", description="again")


def test_declined_refund_keeps_the_payment_paid(sb):
    sb.paid_sale("order-5")
    sb.sandbox.fail_next_refund("order-5")
    sb.client.refund(payment_id="order-5", description="r")
    sb.sandbox.advance(3)
    event = sb.events_for("order-5")[-1]
    assert event.state is RefundState.FAILED and event.details["payment_status"] == "success"
    assert sb.client.status(payment_id="order-5").payment.sum.amount == Decimal("100.00")


def test_refund_refusals(sb):
    sb.paid_sale("order-6", "10.00")
    with pytest.raises(errors.InvalidField) as too_much:
        sb.client.refund(payment_id="order-6", description="r", amount=Decimal("10.01"),
                         currency="EUR")
    assert too_much.value.code == "3283"
    with pytest.raises(errors.InvalidField) as currency:
        sb.client.refund(payment_id="order-6", description="r", amount=Decimal("1"),
                         currency="USD")
    assert currency.value.code == "3284"
    sb.client.refund(payment_id="order-6", description="r", amount=Decimal("1"),
                     currency="EUR", merchant_refund_id="rf-6")
    with pytest.raises(errors.RefundBlocked) as in_flight:
        sb.client.refund(payment_id="order-6", description="r", amount=Decimal("1"),
                         currency="EUR")
    assert in_flight.value.code == "3285"
    sb.sandbox.advance(3)
    with pytest.raises(errors.DuplicateOperation) as reused:
        sb.client.refund(payment_id="order-6", description="r", amount=Decimal("1"),
                         currency="EUR", merchant_refund_id="rf-6")
    assert reused.value.code == "3230" and reused.value.outcome_unknown
    with pytest.raises(errors.TransactionNotFound):
        sb.client.refund(payment_id="nobody", description="r")


def test_sale_with_a_used_payment_id_is_unknown_not_refused(sb):
    sb.client.sale(payment_id="order-7", amount=Decimal("1"), currency="EUR", customer=CUSTOMER)
    with pytest.raises(errors.PaymentIdTaken) as caught:
        sb.client.sale(payment_id="order-7", amount=Decimal("1"), currency="EUR",
                       customer=CUSTOMER)
    assert caught.value.outcome_unknown and caught.value.code == "3041"


@pytest.mark.parametrize(
    ("account", "receive_type", "state", "code"),
    [("123456789", ReceiveType.BINANCE_ID, PayoutLineState.SUCCEEDED, "0"),
     ("payee@example.com", ReceiveType.EMAIL, PayoutLineState.SUCCEEDED, "0"),
     ("87654321", ReceiveType.BINANCE_ID, PayoutLineState.FAILED, "20106")],
)
def test_payouts(sb, account, receive_type, state, code):
    sb.sandbox.fail_account("87654321")
    sb.client.payout(payment_id=f"po-{account}", amount=Decimal("25.00"), currency="EUR",
                     customer=CUSTOMER, account=account, receive_type=receive_type)
    sb.sandbox.advance(4)
    event = sb.events_for(f"po-{account}")[-1]
    assert (event.kind, event.state, event.details["code"]) == (EventKind.PAYOUT_LINE, state, code)
    assert event.details["account"] == account and event.amount == Decimal("25.00")


def test_payout_needs_merchant_balance(sb):
    sb.sandbox.set_balance("EUR", 1000)
    with pytest.raises(errors.MerchantBalanceTooLow) as caught:
        sb.client.payout(payment_id="po-big", amount=Decimal("10.01"), currency="EUR",
                         customer=CUSTOMER, account="123456789")
    assert caught.value.code == "3028" and not caught.value.outcome_unknown


def test_cof_register_charge_decline_and_cancel(sb):
    sb.paid_sale("sub-1", "9.99", register_cof=True)
    registered = sb.events_for("sub-1")[-1]
    assert registered.state is OrderState.PAID and registered.details["mandate_id"]
    cof = registered.details["mandate_id"]
    sb.client.recurring_charge(payment_id="sub-1-m2", recurring_id=cof, amount=Decimal("9.99"),
                               currency="EUR", customer=CUSTOMER)
    sb.sandbox.advance(3)
    charge = sb.events_for("sub-1-m2")[-1]
    assert (charge.kind, charge.state, charge.details["mandate_id"]) == (
        EventKind.DEBIT, DebitState.SUCCEEDED, cof)
    sb.client.recurring_charge(payment_id="sub-1-m3", recurring_id=cof, amount=Decimal("20"),
                               currency="EUR", customer=CUSTOMER)
    sb.sandbox.advance(3)
    declined = sb.events_for("sub-1-m3")[-1]
    assert declined.state is DebitState.FAILED and declined.details["payment_status"] == "success"
    assert declined.details["code"] == "2701"
    sb.client.recurring_cancel(payment_id="sub-1-cancel", recurring_id=cof)
    sb.sandbox.advance(2)
    cancel = sb.events_for("sub-1")[-1]
    assert (cancel.kind, cancel.state) == (EventKind.MANDATE, ContractState.TERMINATED)
    with pytest.raises(errors.CofInactive):
        sb.client.recurring_charge(payment_id="sub-1-m4", recurring_id=cof,
                                   amount=Decimal("9.99"), currency="EUR", customer=CUSTOMER)
    with pytest.raises(errors.CofNotFound):
        sb.client.recurring_cancel(payment_id="x", recurring_id="424242")


def test_customer_cancels_the_registration_from_binance(sb):
    sb.paid_sale("sub-2", register_cof=True)
    cof = sb.events_for("sub-2")[-1].details["mandate_id"]
    sb.sandbox.customer_cancels(cof)
    sb.sandbox.advance(2)
    event = sb.events_for("sub-2")[-1]
    assert event.state is ContractState.TERMINATED and event.details["payment_status"] == "success"


def test_status_of_an_unknown_payment_is_not_found(sb):
    with pytest.raises(errors.TransactionNotFound):
        sb.client.status(payment_id="never-sent")


def test_unsupported_currency_is_refused_by_the_platform_too(sb):
    import httpx

    from services.providers.monetix.auth import signed_body
    from services.providers.monetix.wire import encode

    body = signed_body({"general": {"project_id": 1234, "payment_id": "ngn-1"},
                        "customer": CUSTOMER.wire(),
                        "payment": {"amount": 100, "currency": "NGN",
                                    "by_method": "BinancePay"}}, "paydesk-test-secret")
    transport = sb.client._http._transport  # the sandbox transport
    answer = transport.handle_request(httpx.Request("POST", "https://g/v2/payment/unify/sale",
                                                    content=encode(body)))
    assert answer.status_code == 400 and b'"3023"' in answer.read()
