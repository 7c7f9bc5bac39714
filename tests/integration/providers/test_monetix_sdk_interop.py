"""Interoperability with the ecommpay SDK from PyPI (``ecommpay-sdk``, package
``payment_page_sdk``): it verifies every callback the sandbox sends, and the sandbox accepts
Gate requests and Payment Page links that it signs."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from payment_page_sdk.callback import Callback
from payment_page_sdk.gate import Gate
from payment_page_sdk.payment import Payment
from payment_page_sdk.process_exception import ProcessException
from payment_page_sdk.signature_handler import SignatureHandler

from services.providers.monetix import endpoints as ep
from services.providers.monetix.sandbox import SandboxTransport
from tests.integration.providers.mx_harness import CUSTOMER, PROJECT, SECRET, make_sandbox


@pytest.fixture
def sb():
    return make_sandbox()


def every_kind_of_callback(sb) -> None:
    sb.paid_sale("sdk-1", "100.00", register_cof=True)  # QR with display_data, then paid
    cof = sb.events_for("sdk-1")[-1].details["mandate_id"]
    sb.client.refund(payment_id="sdk-1", description="part", amount=Decimal("10"),
                     currency="EUR")
    sb.sandbox.advance(3)
    sb.sandbox.fail_next_refund("sdk-1")
    sb.client.refund(payment_id="sdk-1", description="declined")
    sb.sandbox.advance(3)
    sb.client.payout(payment_id="sdk-po", amount=Decimal("5"), currency="EUR",
                     customer=CUSTOMER, account="payee@example.com", receive_type="EMAIL")
    sb.client.recurring_charge(payment_id="sdk-m2", recurring_id=cof, amount=Decimal("1"),
                               currency="EUR", customer=CUSTOMER)  # declined, errors list
    sb.sandbox.advance(4)
    sb.client.recurring_cancel(payment_id="sdk-cancel", recurring_id=cof)
    sb.client.sale(payment_id="sdk-exp", amount=Decimal("3"), currency="JPY", customer=CUSTOMER)
    sb.sandbox.advance(21 * 60)


def test_the_sdk_verifies_every_callback_the_sandbox_sends(sb):
    every_kind_of_callback(sb)
    bodies = sb.sink.received
    kinds = {(b["operation"]["type"], b["operation"]["status"]) for b in sb.sink.bodies()}
    assert {("sale", "awaiting customer action"), ("sale", "success"), ("sale", "decline"),
            ("refund", "success"), ("refund", "decline"), ("payout", "success"),
            ("recurring", "decline"), ("recurring_cancel", "success")} <= kinds
    assert any("display_data" in b for b in sb.sink.bodies())
    assert any("errors" in b for b in sb.sink.bodies())
    handler = SignatureHandler(SECRET)
    for body in bodies:
        callback = Callback(body.decode(), handler)  # raises ProcessException if invalid
        assert callback.get_payment_id() == json.loads(body)["payment"]["id"]
    # Nothing the SDK from PyPI would sign differently: it writes None for a null.
    assert all(b"null" not in body for body in bodies)


def test_the_sdk_rejects_a_tampered_sandbox_callback(sb):
    sb.paid_sale("sdk-2")
    body = json.loads(sb.sink.received[-1])
    body["operation"]["sum_initial"]["amount"] += 1
    with pytest.raises(ProcessException):
        Callback(json.dumps(body), SignatureHandler(SECRET))


def sdk_signed(body: dict) -> bytes:
    body["general"]["signature"] = SignatureHandler(SECRET).sign(body)
    return json.dumps(body).encode()


def post(sb, path: str, content: bytes) -> dict:
    transport = SandboxTransport(sb.sandbox)
    response = transport.handle_request(
        httpx.Request("POST", f"https://gate.sandbox.test{path}", content=content,
                      headers={"Content-Type": "application/json"}))
    return json.loads(response.read())


def test_gate_requests_signed_by_the_sdk_are_accepted(sb):
    general = {"project_id": PROJECT, "payment_id": "sdk-sale"}
    sale = {"general": dict(general), "customer": CUSTOMER.wire(),
            "payment": {"amount": 1000, "currency": "EUR", "by_method": "BinancePay",
                        # The SDK sorts by path, Monetix's own SDK by whole item: these keys
                        # put the two orders apart, and the sandbox must take both.
                        "extra": "a", "extra-info": "b"},
            "recurring": {"register": True}}
    assert post(sb, ep.SALE, sdk_signed(sale))["status"] == "success"
    sb.sandbox.advance(2)
    sb.sandbox.pay("sdk-sale")
    refund = {"general": dict(general),
              "payment": {"amount": 100, "currency": "EUR", "description": "sdk refund",
                          "by_method": "BinancePay"}}
    assert post(sb, ep.REFUND, sdk_signed(refund))["status"] == "success"
    status = post(sb, ep.STATUS, sdk_signed({"general": dict(general)}))
    assert [op["type"] for op in status["operations"]] == ["sale", "refund"]
    Callback(json.dumps(status), SignatureHandler(SECRET))  # the answer verifies with the SDK too
    forged = sdk_signed({"general": {"project_id": PROJECT, "payment_id": "sdk-x"}})
    tampered = forged.replace(b"sdk-x", b"sdk-y")
    assert post(sb, ep.STATUS, tampered)["code"] == "3261"


def test_payment_page_links_built_by_the_sdk_open_a_purchase(sb):
    payment = Payment(str(PROJECT), "sdk-page")
    payment.payment_amount = 2500
    payment.payment_currency = "EUR"
    payment.customer_id = "customer_123"
    payment.customer_first_name = "John"
    payment.customer_last_name = "Doe"
    payment.customer_email = "johndoe@example.com"
    payment.force_payment_method = "unify_Binance_Pay"
    link = Gate(SECRET, "https://paymentpage.sandbox.test/payment").get_purchase_payment_page_url(
        payment)
    transport = SandboxTransport(sb.sandbox)
    answer = transport.handle_request(httpx.Request("GET", link))
    assert answer.status_code == 200, answer.read()
    status = sb.client.status(payment_id="sdk-page")
    assert status.of_type("sale")[0].sum_initial.amount == Decimal("25.00")
    bad = transport.handle_request(httpx.Request("GET", link.replace("2500", "2600")))
    assert bad.status_code == 400


def test_our_signatures_equal_the_sdks_on_every_sandbox_body(sb):
    every_kind_of_callback(sb)
    from services.providers.monetix.signature import sign

    handler = SignatureHandler(SECRET)
    for body in sb.sink.bodies():
        given = body.pop("signature")
        assert sign(body, SECRET) == handler.sign(body) == given
