"""Fault injection, idempotency by merchant id, webhook delivery and the control API."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from services.providers import errors as neutral
from services.providers.binance_pay import endpoints as ep
from services.providers.binance_pay import errors
from services.providers.binance_pay.sandbox import FaultKind, SandboxTransport
from services.providers.binance_pay.webhooks import parse_webhook
from tests.integration.providers.bp_harness import GOODS, make_sandbox


@pytest.fixture
def sbx():
    return make_sandbox()


def usdt(sbx):
    return sbx.client.wallet_balance(currency="USDT").balance[0].available


def create(sbx, trade_no, amount="10"):
    return sbx.client.create_order_v3(merchant_trade_no=trade_no, order_amount=Decimal(amount),
                                      currency="USDT", description="d", goods_details=[GOODS])


def test_timeout_after_processing_then_retry_with_same_id_refunds_once(sbx):
    prepay = sbx.paid_order("ONCE", "100")
    before = usdt(sbx)
    sbx.engine.set_fault(ep.REFUND, FaultKind.TIMEOUT_AFTER_PROCESSING)
    with pytest.raises(neutral.UnknownOutcomeError) as exc:
        sbx.client.refund(refund_request_id="RONCE", prepay_id=prepay, refund_amount=Decimal(25))
    assert exc.value.merchant_request_id == "RONCE" and exc.value.outcome_unknown
    assert usdt(sbx) == before - 25  # it was executed despite the timeout
    again = sbx.client.refund(refund_request_id="RONCE", prepay_id=prepay,
                              refund_amount=Decimal(25))
    assert again.duplicateRequest == "Y" and again.refundedAmount == Decimal(25)
    assert usdt(sbx) == before - 25
    assert sbx.client.query_order(prepay_id=prepay).status == "REFUNDING"


def test_same_refund_id_with_other_amount_is_refused(sbx):
    prepay = sbx.paid_order("DIFF", "100")
    sbx.client.refund(refund_request_id="RD", prepay_id=prepay, refund_amount=Decimal(5))
    with pytest.raises(errors.InvalidParamWrongValue):
        sbx.client.refund(refund_request_id="RD", prepay_id=prepay, refund_amount=Decimal(6))


def test_http_5xx_fault_changes_nothing_and_is_not_retried(sbx):
    sbx.engine.set_fault(ep.ORDER_V3, FaultKind.HTTP_5XX, http_status=502)
    with pytest.raises(neutral.TransientServerError) as exc:
        create(sbx, "FIVEXX")
    assert exc.value.http_status == 502
    with pytest.raises(errors.OrderNotFound):
        sbx.client.query_order(merchant_trade_no="FIVEXX")
    assert create(sbx, "FIVEXX").prepayId


def test_code_400000_is_retried_with_the_same_ids(sbx):
    sbx.engine.set_fault(ep.PAYOUT_TRANSFER, FaultKind.CODE_400000, times=2)
    line = {"merchantSendId": "A", "receiveType": "BINANCE_ID", "receiver": "123",
            "transferAmount": Decimal(1)}
    r = sbx.client.batch_payout(request_id="RETRY400000", batch_name="b", currency="USDT",
                                total_amount=Decimal(1), total_number=1,
                                transfer_detail_list=[line])
    assert r.status == "ACCEPTED" and sbx.engine.faults.list() == []


def test_code_400000_that_persists_surfaces_as_transient(sbx):
    sbx.engine.set_fault(ep.BALANCE_V2, FaultKind.CODE_400000, times=None)
    with pytest.raises(errors.UnknownError) as exc:
        sbx.client.wallet_balance()
    assert isinstance(exc.value, neutral.TransientServerError)
    sbx.engine.clear_faults(ep.BALANCE_V2)
    assert sbx.client.wallet_balance().balance


def test_connection_refused_is_retried_then_reported_as_unreachable():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers["BinancePay-Nonce"])
        raise httpx.ConnectError("refused", request=request)

    from services.providers.binance_pay import BinancePayClient

    client = BinancePayClient("k", "s", transport=httpx.MockTransport(handler),
                              max_retries=2, sleep=lambda _s: None)
    with pytest.raises(errors.Unreachable) as exc:
        client.refund(refund_request_id="R", prepay_id="1", refund_amount=Decimal(1))
    assert len(calls) == 3 and len(set(calls)) == 3
    assert not exc.value.outcome_unknown and exc.value.merchant_request_id == "R"


def test_read_timeout_is_never_retried():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.content)
        raise httpx.ReadTimeout("slow", request=request)

    from services.providers.binance_pay import BinancePayClient

    client = BinancePayClient("k", "s", transport=httpx.MockTransport(handler),
                              sleep=lambda _s: None)
    with pytest.raises(errors.UnknownOutcome):
        client.pay_apply(merchant_request_id="M1", contract_id="9", amount=Decimal(1),
                         product_name="p")
    assert len(calls) == 1


def test_same_merchant_trade_no_and_params_returns_the_same_order(sbx):
    first = create(sbx, "IDEM1")
    assert create(sbx, "IDEM1").prepayId == first.prepayId
    with pytest.raises(neutral.DuplicateRequestError):
        create(sbx, "IDEM1", amount="11")


def test_timeout_on_create_order_then_retry_returns_the_original_order(sbx):
    sbx.engine.set_fault(ep.ORDER_V3, FaultKind.TIMEOUT_AFTER_PROCESSING)
    with pytest.raises(errors.UnknownOutcome):
        create(sbx, "TMO")
    original = sbx.client.query_order(merchant_trade_no="TMO").prepayId
    assert create(sbx, "TMO").prepayId == original


def test_payout_and_debit_ids_are_idempotent(sbx):
    line = {"merchantSendId": "A", "receiveType": "BINANCE_ID", "receiver": "123",
            "transferAmount": Decimal(2)}
    kwargs = {"request_id": "PIDEM", "batch_name": "b", "currency": "USDT",
              "total_amount": Decimal(2), "total_number": 1, "transfer_detail_list": [line]}
    before = usdt(sbx)
    sbx.client.batch_payout(**kwargs)
    sbx.client.batch_payout(**kwargs)
    assert usdt(sbx) == before - 2
    contract_id = sbx.signed_contract("DDIDEM")
    a = sbx.client.pay_apply(merchant_request_id="DD1", contract_id=contract_id,
                             amount=Decimal(3), product_name="x")
    b = sbx.client.pay_apply(merchant_request_id="DD1", contract_id=contract_id,
                             amount=Decimal(3), product_name="x")
    assert a == b


def test_duplicate_webhooks_fault_delivers_twice(sbx):
    sbx.engine.set_fault("*", FaultKind.DUPLICATE_WEBHOOKS)
    sbx.paid_order("DUPHOOK")
    bodies = [body for _, body in sbx.sink.received]
    assert len(bodies) == 2 and bodies[0] == bodies[1]
    nonces = {h["BinancePay-Nonce"] for h, _ in sbx.sink.received}
    assert len(nonces) == 2


def test_out_of_order_webhooks_fault_reverses_a_tick(sbx):
    prepay = sbx.paid_order("OOO")  # PAY_SUCCESS delivered
    sbx.sink.received.clear()
    sbx.client.refund(refund_request_id="OOO1", prepay_id=prepay, refund_amount=Decimal(1))
    sbx.engine.clock.advance(1)
    sbx.client.refund(refund_request_id="OOO2", prepay_id=prepay, refund_amount=Decimal(2))
    sbx.engine.set_fault(ep.REFUND, FaultKind.OUT_OF_ORDER_WEBHOOKS)
    sbx.engine.advance(10)
    ids = [parse_refund_id(e) for e in sbx.sink.envelopes()]
    assert ids == ["OOO2", "OOO1"]


def parse_refund_id(envelope):
    from services.providers.binance_pay import wire

    return wire.loads(envelope["data"])["refundInfo"]["refundRequestId"]


def test_webhooks_verify_with_the_published_certificate(sbx):
    sbx.paid_order("VERIFY")
    [cert] = sbx.client.certificates()
    headers, body = sbx.sink.received[0]
    env, data = parse_webhook(headers, body, {cert.certSerial: cert.certPublic})
    assert env.bizType == "PAY" and data["totalFee"] == Decimal("100")


def test_failed_deliveries_are_retried_up_to_six_times(sbx):
    attempts = []

    def flaky(headers, body):
        attempts.append(body)
        return (500, b"") if len(attempts) < 3 else (200, b'{"returnCode":"SUCCESS"}')

    sbx.engine.set_webhook_sink(flaky)
    sbx.paid_order("FLAKY")
    sbx.engine.advance(20)
    sbx.engine.advance(40)
    [delivery] = sbx.engine.deliveries()
    assert delivery["attempts"] == 3 and delivery["done"]

    sbx.engine.set_webhook_sink(lambda h, b: (200, b'{"returnCode":"FAIL"}'))
    sbx.paid_order("NEVER")
    for _ in range(8):
        sbx.engine.advance(3600)
    never = sbx.engine.deliveries()[-1]
    assert never["attempts"] == 7 and never["givenUp"]


def test_control_api_over_http(sbx):
    http = httpx.Client(transport=SandboxTransport(sbx.engine), base_url="http://sbx")
    order = create(sbx, "CTRL")
    assert http.post("/sandbox/orders/pay", json={"prepayId": order.prepayId}).json()["ok"]
    assert http.post("/sandbox/clock/advance", json={"seconds": 5}).json()["offsetMs"] == 5000
    assert sbx.client.query_order(prepay_id=order.prepayId).status == "PAID"
    http.post("/sandbox/balances", json={"asset": "USDT", "available": "1.5"})
    assert usdt(sbx) == Decimal("1.5")
    r = http.post("/sandbox/faults", json={"path": ep.BALANCE_V2, "kind": "http_5xx"})
    assert r.json()["fault"]["kind"] == "http_5xx"
    assert len(http.get("/sandbox/faults").json()["faults"]) == 1
    assert http.post("/sandbox/faults/clear", json={}).json()["cleared"] == 1
    events = http.get("/sandbox/events").json()["events"]
    assert {"order_created", "order_paid"} <= {e["event"] for e in events}
    assert http.get("/sandbox/webhooks").json()["deliveries"][0]["bizType"] == "PAY"
    assert http.post("/sandbox/orders/pay", json={"prepayId": "1"}).status_code == 409
    assert http.post("/sandbox/clock/advance", json={}).status_code == 400
    assert http.get("/sandbox/nothing").status_code == 404
    contract = sbx.client.create_contract(merchant_contract_code="CTRLC", service_name="s",
                                          scenario_code="Others", single_upper_limit=Decimal(1))
    signed = http.post("/sandbox/contracts/sign", json={"preContractId": contract.preContractId})
    assert signed.json()["status"] == "CONTRACT_SIGNED"
    page = http.get(f"/sandbox/checkout/{create(sbx, 'PAGE').prepayId}")
    assert page.status_code == 200 and "<form" in page.text
