"""The official binance-pay-connector 1.0.0 against the sandbox served by uvicorn on 127.0.0.1.

If Binance's own client is happy with our sandbox, the sandbox speaks the real wire format
(default json.dumps separators, floats, requests' headers) and not just our client's dialect.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from decimal import Decimal

import httpx
import pytest
import uvicorn
from binance.pay.merchant import Merchant

from services.providers.binance_pay import BinancePayClient, errors
from services.providers.binance_pay import endpoints as ep
from services.providers.binance_pay.sandbox import FaultKind, SandboxEngine, create_app
from tests.integration.providers.bp_harness import KEY, SECRET


@pytest.fixture(scope="module")
def served():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    engine = SandboxEngine(KEY, SECRET, timestamp_window_ms=5000, public_base_url=base_url)
    config = uvicorn.Config(create_app(engine, tick_interval_s=0.05), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield engine, base_url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    engine.close()


@pytest.fixture
def merchant(served):
    return Merchant(KEY, SECRET, base_url=served[1])


@pytest.fixture
def control(served):
    with httpx.Client(base_url=served[1], timeout=5) as http:
        yield http


def ok(answer):
    assert isinstance(answer, dict), answer
    assert (answer["status"], answer["code"]) == ("SUCCESS", "000000"), answer
    return answer["data"]


def new_id() -> str:
    return uuid.uuid4().hex[:20]


def new_order(merchant, trade_no, amount=25.17):
    return ok(
        merchant.new_order(
            {
                "env": {"terminalType": "APP"},
                "merchantTradeNo": trade_no,
                "orderAmount": amount,
                "currency": "USDT",
                "goods": {
                    "goodsType": "01",
                    "goodsCategory": "D000",
                    "referenceGoodsId": "7876763A3B",
                    "goodsName": "Ice Cream",
                    "goodsDetail": "Greentea ice cream cone",
                },
            }
        )
    )


def paid_order(merchant, control, amount=25.17):
    data = new_order(merchant, new_id(), amount)
    assert control.post("/sandbox/orders/pay", json={"prepayId": data["prepayId"]}).json()["ok"]
    control.post("/sandbox/clock/advance", json={"seconds": 5})
    return data["prepayId"]


def test_new_order_and_get_order(merchant):
    trade_no = new_id()
    data = new_order(merchant, trade_no)
    assert data["totalFee"] == "25.17000000" and data["checkoutUrl"]
    order = ok(merchant.get_order(merchantTradeNo=trade_no))
    assert (order["prepayId"], order["status"]) == (data["prepayId"], "INITIAL")
    assert ok(merchant.get_order(prepayId=data["prepayId"]))["merchantTradeNo"] == trade_no


def test_cancel_order(merchant):
    trade_no = new_id()
    new_order(merchant, trade_no)
    assert ok(merchant.cancel_order(merchantTradeNo=trade_no)) is True
    assert ok(merchant.get_order(merchantTradeNo=trade_no))["status"] == "CANCELED"


def test_refund_order_and_get_refund_order(merchant, control):
    prepay = paid_order(merchant, control)
    refund_id = new_id()
    data = ok(merchant.refund_order(refund_id, prepay, 1.5, refundReason="melted"))
    assert (data["refundAmount"], data["duplicateRequest"]) == ("1.50000000", "N")
    assert (
        ok(merchant.refund_order(refund_id, prepay, 1.5, refundReason="melted"))["duplicateRequest"]
        == "Y"
    )
    assert ok(merchant.get_refund_order(refund_id))["refundStatus"] == "REFUND_PENDING"


def test_batch_payout_and_get_payout(merchant):
    request_id = new_id()
    details = [
        {
            "merchantSendId": new_id(),
            "receiveType": "BINANCE_ID",
            "receiver": "123456",
            "transferAmount": 1.5,
            "transferMethod": "FUNDING_WALLET",
            "remark": "one",
        },
        {
            "merchantSendId": new_id(),
            "receiveType": "EMAIL",
            "receiver": "x@example.com",
            "transferAmount": 2,
            "transferMethod": "FUNDING_WALLET",
            "remark": "two",
        },
    ]
    data = ok(
        merchant.batch_payout(request_id, "batch", "USDT", 3.5, 2, details, bizScene="SETTLEMENT")
    )
    assert data == {"requestId": request_id, "status": "ACCEPTED"}
    query = ok(merchant.get_payout(request_id, detailStatus="ALL"))
    assert query["totalNumber"] == 2 and len(query["transferDetailList"]) == 2


def test_get_wallet_balance(merchant):
    [row] = ok(merchant.get_wallet_balance("FUNDING_WALLET", "USDT"))["balance"]
    assert row["asset"] == "USDT" and Decimal(str(row["available"])) > 0


def test_transfer_fund_and_get_transfer_result(merchant):
    request_id = new_id()
    data = ok(merchant.transfer_fund(request_id, "USDT", "10", "TO_MAIN"))
    assert data["status"] == "SUCCESS"
    assert ok(merchant.get_transfer_result(request_id))["tranId"] == request_id
    spot = ok(merchant.get_wallet_balance("SPOT_WALLET", "USDT"))["balance"][0]
    assert Decimal(str(spot["available"])) >= 10


def test_new_sub_merchant(merchant):
    name = "Shop " + new_id()
    assert ok(merchant.new_sub_merchant(name, 4, "5411", "SG"))["subMerchantId"]
    answer = merchant.new_sub_merchant(name, 4, "5411", "SG")
    assert (answer["status"], answer["code"]) == ("FAIL", "400205")


def test_connector_with_a_wrong_secret_gets_the_gateway_error(served):
    answer = Merchant(KEY, "wrong", base_url=served[1]).get_order(merchantTradeNo="x")
    assert answer == {"code": "400002", "msg": "Signature for this request is not valid."}


def test_unknown_path_is_a_403_page(served):
    response = httpx.post(served[1] + "/binancepay/openapi/v9/none", content=b"{}")
    assert response.status_code == 403 and "could not be satisfied" in response.text


def test_our_client_over_real_http_and_a_timeout_fault(served):
    engine, base_url = served
    client = BinancePayClient(KEY, SECRET, base_url=base_url, timeout=0.5)
    assert client.wallet_balance(currency="USDT").balance[0].asset == "USDT"
    engine.set_fault(ep.BALANCE_V2, FaultKind.TIMEOUT_AFTER_PROCESSING, hang_seconds=1)
    with pytest.raises(errors.UnknownOutcome):
        client.wallet_balance()
    client.close()


def test_background_ticker_delivers_webhooks(served, merchant, control):
    engine, _ = served
    received = []

    def sink(headers, body):
        received.append(body)
        return 200, b'{"returnCode":"SUCCESS","returnMessage":null}'

    engine.set_webhook_sink(sink)
    try:
        prepay = paid_order(merchant, control)
        deadline = time.monotonic() + 5
        while not any(prepay.encode() in body for body in received):
            assert time.monotonic() < deadline, "the background ticker never delivered"
            time.sleep(0.05)
    finally:
        engine.set_webhook_sink(None)


def test_webhooks_are_posted_to_an_http_url(served, merchant, control):
    """A merchant receiver on another 127.0.0.1 port gets signed webhooks via HttpSink."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from services.providers.binance_pay.webhooks import parse_webhook

    engine, _ = served
    got = []

    async def receive(request):
        got.append((dict(request.headers), await request.body()))
        return JSONResponse({"returnCode": "SUCCESS", "returnMessage": None})

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/binance"
    receiver = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/webhooks/binance", receive, methods=["POST"])]),
            log_level="warning",
            lifespan="off",
        )
    )
    thread = threading.Thread(target=receiver.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    engine.set_webhook_sink(url)
    try:
        prepay = paid_order(merchant, control)
        deadline = time.monotonic() + 5
        while not any(prepay.encode() in body for _, body in got):
            assert time.monotonic() < deadline, "no webhook reached the HTTP receiver"
            time.sleep(0.05)
        keys = {engine.certificate["certSerial"]: engine.certificate["certPublic"]}
        headers, body = next((h, b) for h, b in got if prepay.encode() in b)
        envelope, data = parse_webhook(headers, body, keys)
        assert envelope.bizStatus == "PAY_SUCCESS" and data["currency"] == "USDT"
    finally:
        engine.set_webhook_sink(None)
        receiver.should_exit = True
        thread.join(timeout=10)
        sock.close()
