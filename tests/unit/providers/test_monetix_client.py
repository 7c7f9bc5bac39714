"""The Gate client on the wire: signed bodies equal to the reference vectors, typed errors, and
retries only while nothing can have reached Monetix."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from services.providers import errors as neutral
from services.providers.monetix import errors
from services.providers.monetix.client import Customer, MonetixClient, ReceiveType, ReturnUrls
from services.providers.monetix.signature import sign

SECRET = "paydesk-test-secret"
CUSTOMER = Customer("customer_123", "198.51.100.47", "John", "Doe", "johndoe@example.com")
ACCEPTED = {"project_id": 1234, "payment_id": "payment_47", "status": "success",
            "request_id": "req-1"}


class Script:
    """A transport that plays a list of answers (responses or exceptions) and records bodies."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.bodies: list[bytes] = []
        self.paths: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(request.content)
        self.paths.append(request.url.path)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)


def client_for(script: Script, **kwargs) -> MonetixClient:
    return MonetixClient(1234, SECRET, base_url="https://gate.test",
                         transport=httpx.MockTransport(script), sleep=lambda _s: None, **kwargs)


def general_signature(body: bytes) -> str:
    return json.loads(body)["general"]["signature"]


def test_sale_request_is_the_seed_example_signed_as_vector_mv1():
    script = Script(ACCEPTED)
    accepted = client_for(script).sale(
        payment_id="payment_47", amount=Decimal("100.00"), currency="EUR", customer=CUSTOMER,
        return_urls=ReturnUrls("https://example.com/success/", "https://example.com/decline/",
                               "https://example.com/return/"),
        register_cof=True,
    )
    assert accepted.request_id == "req-1"
    assert script.paths == ["/v2/payment/unify/sale"]
    assert general_signature(script.bodies[0]) == (
        "ge+fRCVktBUkdYnRD9ckKzMFDCzRk8l8NkQE3Nds7CkERQjILcXVmDSWbgDFKxtCQR+YYGipfcHc396PcSU/iA==")
    assert b"null" not in script.bodies[0]


def test_partial_refund_payout_and_status_requests_match_mv2_mv3_mv5():
    script = Script(ACCEPTED, {**ACCEPTED, "payment_id": "payout_48"},
                    {"payment": {"id": "payment_47", "status": "success"}, "operations": []})
    client = client_for(script)
    client.refund(payment_id="payment_47", description="Refund description.",
                  amount=Decimal("50"), currency="EUR")
    client.payout(payment_id="payout_48", amount=Decimal("100"), currency="EUR",
                  customer=CUSTOMER, account="1234567890")
    client.status(payment_id="payment_47")
    assert [general_signature(b) for b in script.bodies] == [
        "n+D7axIEo5DkV5BK93FR/kWcvneQqOgkcRfIyv47pHw2ms+hOFWTCmY8+C+YhMSfr91h411TeOzWxAw73+y6cg==",
        "SGCWJC+MJjXTcbwjYzw1en2WOmuxrlKbaZG4nG016pP+a1egY5yh/BsK3RTjm0LWe6r8cupkBSuNQ/Mj24u0ZQ==",
        "OSr8ocFCPVDWb2qRNgQcrA/lu2r3O08HKPu8sWrgIxtlIlOHhLpmNhNezs153lQWEzOQP0k6rx/fEyqLdGXmbw==",
    ]


def test_full_refund_sends_neither_amount_nor_currency():
    script = Script(ACCEPTED)
    client_for(script).refund(payment_id="payment_47", description="Customer asked")
    payment = json.loads(script.bodies[0])["payment"]
    assert set(payment) == {"description", "by_method"}


def test_connection_failures_before_sending_are_retried_with_the_same_bytes():
    script = Script(httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), ACCEPTED)
    client_for(script).refund(payment_id="payment_47", description="r")
    assert len(script.bodies) == 3 and len(set(script.bodies)) == 1


def test_never_connected_is_unreachable_and_not_unknown():
    script = Script(*[httpx.ConnectError("refused")] * 3)
    with pytest.raises(errors.Unreachable) as caught:
        client_for(script).sale(payment_id="p1", amount=Decimal("1"), currency="EUR",
                                customer=CUSTOMER)
    assert caught.value.outcome_unknown is False


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("read"), httpx.RemoteProtocolError("dropped"),
     httpx.WriteTimeout("half sent"), httpx.ReadError("reset")],
)
def test_a_money_request_that_may_have_arrived_is_unknown_and_never_repeated(failure):
    script = Script(failure, ACCEPTED)
    with pytest.raises(errors.UnknownOutcome) as caught:
        client_for(script).refund(payment_id="payment_47", description="r")
    assert caught.value.outcome_unknown and caught.value.merchant_request_id == "payment_47"
    assert len(script.bodies) == 1


def test_unknown_after_a_refused_connection_stays_unknown():
    script = Script(httpx.ConnectError("refused"), httpx.ReadTimeout("read"), ACCEPTED)
    with pytest.raises(errors.UnknownOutcome):
        client_for(script).payout(payment_id="po1", amount=Decimal("5"), currency="EUR",
                                  customer=CUSTOMER, account="12345678")
    assert len(script.bodies) == 2


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(502, text="<html>bad gateway</html>"),
     httpx.Response(500, json={"status": "error", "code": "3261", "message": "bad sign"}),
     httpx.Response(200, json={"status": "weird"})],
)
def test_server_failures_and_odd_answers_on_money_requests_are_unknown(answer):
    script = Script(answer, ACCEPTED)
    with pytest.raises(neutral.ProviderError) as caught:
        client_for(script).recurring_charge(payment_id="c1", recurring_id="12345",
                                            amount=Decimal("10"), currency="EUR",
                                            customer=CUSTOMER)
    assert caught.value.outcome_unknown
    assert len(script.bodies) == 1


def test_status_is_read_only_so_it_is_retried_after_timeouts_and_5xx():
    answer = {"project_id": 1234,
              "payment": {"id": "payment_47", "type": "purchase", "status": "partially refunded",
                          "sum": {"amount": 7500, "currency": "EUR"}},
              "operations": [
                  {"id": 1, "type": "sale", "status": "success",
                   "sum_initial": {"amount": 10000, "currency": "EUR"}},
                  {"id": 2, "type": "refund", "status": "success", "code": 0,
                   "sum_initial": {"amount": 2500, "currency": "EUR"}},
              ]}
    script = Script(httpx.ReadTimeout("t"), httpx.Response(503, text="busy"), answer)
    status = client_for(script).status(payment_id="payment_47")
    assert len(script.bodies) == 3
    assert [op.type for op in status.operations] == ["sale", "refund"]
    assert status.operation("2").sum_initial.amount == Decimal("25.00")
    assert status.payment.sum.amount == Decimal("75.00")


@pytest.mark.parametrize(
    ("code", "cls", "unknown"),
    [("3041", errors.PaymentIdTaken, True), ("3613", errors.DuplicateOperation, True),
     ("3061", errors.TransactionNotFound, False), ("3283", errors.InvalidField, False),
     ("3261", errors.InvalidSignature, False), ("3028", errors.MerchantBalanceTooLow, False),
     ("2147", errors.TryAgain, True), ("9999", errors.AwaitingProcessing, True),
     ("20000", errors.Declined, False), ("777777", errors.UnmappedCode, True)],
)
def test_platform_codes_become_typed_errors(code, cls, unknown):
    script = Script(httpx.Response(400, json={"status": "error", "code": code,
                                              "message": "from the platform"}))
    with pytest.raises(cls) as caught:
        client_for(script).sale(payment_id="p1", amount=Decimal("1"), currency="EUR",
                                customer=CUSTOMER)
    assert caught.value.outcome_unknown is unknown
    assert caught.value.code == code


def test_code_inside_an_errors_list_is_read_too():
    script = Script(httpx.Response(400, json={"status": "error",
                                              "errors": [{"code": 3024, "message": "bad id"}]}))
    with pytest.raises(errors.InvalidField, match="bad id"):
        client_for(script).status(payment_id="p1")


def test_an_answer_with_a_bad_signature_is_not_believed():
    body = {"payment": {"id": "payment_47", "status": "success"}, "operations": []}
    forged = {**body, "signature": sign(body, "someone-else")}
    script = Script(forged, forged, forged)
    with pytest.raises(errors.BadResponse, match="signature"):
        client_for(script).status(payment_id="payment_47")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c: c.sale(payment_id="p", amount=Decimal("10.005"), currency="EUR",
                          customer=CUSTOMER), "decimal places"),
        (lambda c: c.sale(payment_id="p", amount=Decimal("0"), currency="EUR",
                          customer=CUSTOMER), "more than zero"),
        (lambda c: c.sale(payment_id="p", amount=Decimal("10"), currency="NGN",
                          customer=CUSTOMER), "does not take NGN"),
        (lambda c: c.sale(payment_id="p", amount=10.5, currency="EUR",
                          customer=CUSTOMER), "Decimal"),
        (lambda c: c.payout(payment_id="p", amount=Decimal("1"), currency="EUR",
                            customer=CUSTOMER, account="1234"), "8 or more digits"),
        (lambda c: c.payout(payment_id="p", amount=Decimal("1"), currency="EUR",
                            customer=CUSTOMER, account="x", receive_type=ReceiveType.EMAIL),
         "e-mail"),
        (lambda c: c.refund(payment_id="p", description="r", amount=Decimal("1")), "both"),
        (lambda c: c.refund(payment_id="", description="r"), "payment_id"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(call, match):
    script = Script()
    with pytest.raises(neutral.InvalidParameterError, match=match):
        call(client_for(script))
    assert script.bodies == []


def test_payout_to_an_email_and_cof_cancel_bodies():
    script = Script(ACCEPTED, ACCEPTED)
    client = client_for(script)
    client.payout(payment_id="po2", amount=Decimal("12.34"), currency="USD", customer=CUSTOMER,
                  account="payee@example.com", receive_type="EMAIL")
    client.recurring_cancel(payment_id="cancel-1", recurring_id="12345")
    payout, cancel = (json.loads(b) for b in script.bodies)
    assert payout["payment_data"] == {"receive_type": "EMAIL"}
    assert payout["payment"]["amount"] == 1234
    assert cancel["recurring"] == {"id": "12345"}
    assert script.paths[1] == "/v2/payment/unify/recurring/cancel"


def test_capabilities_say_what_monetix_offers_and_why_not():
    from services.providers.capabilities import PayoutMode, RecurringMode
    from services.providers.monetix.capabilities import CAPABILITIES

    assert CAPABILITIES.payment_currencies["EUR"] == 2
    assert CAPABILITIES.payment_currencies["JPY"] == 0
    assert "NGN" not in CAPABILITIES.payment_currencies
    assert "XAU" not in CAPABILITIES.payment_currencies
    assert CAPABILITIES.max_refunds_in_flight == 1
    assert CAPABILITIES.payouts is PayoutMode.SINGLE
    assert CAPABILITIES.recurring is RecurringMode.STORED_CREDENTIAL
    assert CAPABILITIES.payout_receiver_types == {"BINANCE_ID", "EMAIL"}
    assert "20 minutes" in CAPABILITIES.why_not("close_payment")
