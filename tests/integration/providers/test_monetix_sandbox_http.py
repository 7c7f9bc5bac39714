"""The Monetix sandbox served over HTTP by uvicorn on 127.0.0.1: the client, the control API,
callbacks posted to an HTTP receiver, a held connection, and ``paydesk sandbox monetix``."""

from __future__ import annotations

import socket
import threading
import time
from decimal import Decimal

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.entrypoints.cli import build_parser
from services.providers.base import OrderState
from services.providers.monetix import CallbackParser, MonetixClient, errors
from services.providers.monetix import endpoints as ep
from services.providers.monetix import payment_page as pp
from services.providers.monetix.sandbox import FaultKind, MonetixSandbox, create_app
from services.providers.monetix.server import credentials
from tests.integration.providers.mx_harness import CUSTOMER, ENCRYPTION_KEY, PROJECT, SECRET


class Served:
    """A Starlette app under uvicorn on a free 127.0.0.1 port, in a thread."""

    def __init__(self, app, **config) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", **config))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture(scope="module")
def receiver():
    got: list[bytes] = []

    async def receive(request: Request) -> Response:
        got.append(await request.body())
        return Response(b'{"status":"ok"}', media_type="application/json")

    served = Served(Starlette(routes=[Route("/webhooks/monetix", receive, methods=["POST"])]),
                    lifespan="off")
    yield got, f"{served.url}/webhooks/monetix"
    served.stop()


@pytest.fixture(scope="module")
def served(receiver):
    sandbox = MonetixSandbox(PROJECT, SECRET, encryption_key=ENCRYPTION_KEY,
                             callback_sink=receiver[1])
    server = Served(create_app(sandbox, tick_interval_s=0.05))
    yield sandbox, server.url
    server.stop()
    sandbox.close()


@pytest.fixture
def client(served):
    with MonetixClient(PROJECT, SECRET, base_url=served[1], max_retries=0,
                       timeout=httpx.Timeout(2.0)) as c:
        yield c


def wait_for(predicate, what: str):
    deadline = time.monotonic() + 10
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)
    return found


def test_sale_paid_through_the_control_api_reaches_the_http_receiver(served, receiver, client):
    got, _ = receiver
    parser = CallbackParser(SECRET, project_id=PROJECT)
    client.sale(payment_id="http-1", amount=Decimal("12.50"), currency="EUR", customer=CUSTOMER)
    with httpx.Client(base_url=served[1], timeout=5) as control:
        assert control.post("/sandbox/clock/advance", json={"seconds": 2}).json()["ok"]
        paid = control.post("/sandbox/payments/pay", json={"paymentId": "http-1"}).json()
        assert paid["payment"]["payment"]["status"] == "success"
        refused = control.post("/sandbox/payments/pay", json={"paymentId": "http-1"})
        assert refused.status_code == 409 and refused.json()["code"] == "3060"

    def paid_event():
        events = [parser.parse_event({}, body) for body in list(got) if b'"http-1"' in body]
        return next((e for e in events if e.state is OrderState.PAID), None)

    event = wait_for(paid_event, "the paid callback")
    assert event.amount == Decimal("12.50")
    assert client.status(payment_id="http-1").payment.status == "success"


def test_a_held_connection_after_applying_is_unknown(served, client):
    sandbox, url = served
    with httpx.Client(base_url=url, timeout=5) as control:
        answer = control.post("/sandbox/faults", json={
            "path": ep.SALE, "kind": FaultKind.TIMEOUT_AFTER_APPLYING.value, "hangSeconds": 3})
        assert answer.json()["ok"]
        assert control.post("/sandbox/faults", json={
            "kind": "refuse_connection"}).status_code == 400
    with pytest.raises(errors.UnknownOutcome):
        client.sale(payment_id="http-2", amount=Decimal("1"), currency="EUR", customer=CUSTOMER)
    assert client.status(payment_id="http-2").of_type("sale")


def test_encrypted_payment_page_link_opens_a_purchase(served, client):
    params = pp.binance_pay_params(project_id=PROJECT, payment_id="http-page",
                                   amount=Decimal("7.00"), currency="USD",
                                   customer_id="c-1", first_name="Ada", last_name="L",
                                   email="ada@example.com")
    plain = pp.url(params, SECRET, base_url=f"{served[1]}/payment")
    link = pp.encrypt(plain, PROJECT, ENCRYPTION_KEY)
    assert httpx.get(link, timeout=5).status_code == 200
    assert client.status(payment_id="http-page").payment.sum.amount == Decimal("7.00")


def test_cli_offers_the_monetix_sandbox(monkeypatch):
    args = build_parser().parse_args(["sandbox", "monetix", "--port", "9999"])
    assert (args.provider, args.port) == ("monetix", 9999)
    assert build_parser().parse_args(["sandbox"]).provider == "binance_pay"
    monkeypatch.setenv("MONETIX_PROJECT_ID", "777")
    assert credentials()[0] == 777
    monkeypatch.setenv("MONETIX_PROJECT_ID", "seven")
    with pytest.raises(ValueError, match="numeric"):
        credentials()
