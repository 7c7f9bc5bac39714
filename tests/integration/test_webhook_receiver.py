"""The webhook receiver: signatures, certificate refresh, duplicates, order of events, sandbox."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlmodel import col, select
from starlette.applications import Starlette

from data.models import AuditEntry, Order, WebhookDelivery
from services.entrypoints.bootstrap import Services
from services.entrypoints.cli import build_parser
from services.providers.base import Certificate
from services.providers.binance_pay.sandbox.webhooks import WebhookSigner, envelope
from services.providers.errors import TransientServerError
from services.entrypoints.webhooks_app import WEBHOOK_PATH, create_app
from services.providers.binance_pay.inbound import BinancePayEvents
from services.inbound.receiver import WebhookReceiver

SUCCESS = {"returnCode": "SUCCESS", "returnMessage": None}
PREPAY = "29383937493038367292"  # above 2**63, like real Binance ids
SIGNER = WebhookSigner()
OTHER_SIGNER = WebhookSigner()
PAID_AT_MS = int(time.time() * 1000)


def _cert(signer: WebhookSigner) -> Certificate:
    return Certificate(signer.cert_serial, signer.public_pem)


class _Keys:
    """What the provider's certificates endpoint would answer; tests rotate it."""

    def __init__(self, *signers: WebhookSigner) -> None:
        self.signers = list(signers)
        self.calls = 0

    def __call__(self) -> tuple[Certificate, ...]:
        self.calls += 1
        return tuple(_cert(s) for s in self.signers)


@pytest.fixture
def keys() -> _Keys:
    return _Keys(SIGNER)


class AsgiPoster:
    """Posts to the ASGI app in process (starlette's AsgiPoster wants another httpx)."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def post(self, path: str, *, content: bytes, headers: dict[str, str]) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await c.post(path, content=content, headers=headers)

        # A thread of its own: another test's event loop may be running on this one.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, send()).result()


@pytest.fixture
def client(services: Services, keys: _Keys) -> AsgiPoster:
    receiver = WebhookReceiver(services, {"binance_pay": BinancePayEvents(keys, min_refresh_seconds=0)})
    return AsgiPoster(create_app(services, receiver))


def _add_order(services: Services, status: str = "PENDING", **kw: object) -> int:
    with services.uow() as uow:
        order = Order(merchant_order_id="MT1", provider_order_id=PREPAY, amount=Decimal("25.17000000"),
                      currency="USDT", status=status, created_at=services.now(), **kw)
        uow.session.add(order)
        uow.commit()
        assert order.id is not None
        return order.id


def _body(status: str = "PAY_SUCCESS") -> bytes:
    data: dict[str, object] = {"merchantTradeNo": "MT1", "totalFee": Decimal("25.17000000"),
                               "currency": "USDT", "commission": Decimal("0.10068000"),
                               "openUserId": "U42"}
    if status == "PAY_SUCCESS":  # like Binance: a closed order has no transaction time
        data.update(transactionId="M_P_777", transactTime=PAID_AT_MS)
    return envelope("PAY", PREPAY, status, data)


def _post(client: AsgiPoster, body: bytes, signer: WebhookSigner = SIGNER,
          headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    headers = headers or signer.headers(body, int(time.time() * 1000))
    return client.post(WEBHOOK_PATH, content=body, headers=headers)


def _order(services: Services, order_id: int) -> Order:
    with services.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        uow.session.expunge(order)  # the unit of work rolls back on exit, which would expire it
        return order


def _deliveries(services: Services) -> list[WebhookDelivery]:
    with services.uow() as uow:
        rows = list(uow.session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))))
        uow.session.expunge_all()
        return rows


def _audit_actions(services: Services) -> list[str]:
    with services.uow() as uow:
        return list(uow.session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))))


def test_good_signature_is_applied_and_acknowledged(services: Services, client: AsgiPoster) -> None:
    order_id = _add_order(services)
    response = _post(client, _body())
    assert (response.status_code, response.json()) == (200, SUCCESS)
    order = _order(services, order_id)
    assert (order.status, order.transaction_id, order.payer_id, order.fee) == (
        "PAID", "M_P_777", "U42", Decimal("0.10068000"))
    assert order.paid_at is not None
    [row] = _deliveries(services)
    assert (row.signature_valid, row.outcome, row.provider_item_id, row.provider_status) == (
        True, "paid", PREPAY, "PAY_SUCCESS")
    assert "binancepay-signature" in row.headers_json and row.body == _body().decode()
    assert _audit_actions(services) == ["order.status"]


def test_one_changed_byte_is_refused_and_changes_nothing(
    services: Services, client: AsgiPoster
) -> None:
    order_id = _add_order(services)
    body = _body()
    headers = SIGNER.headers(body, int(time.time() * 1000))
    tampered = body.replace(b"25.17000000", b"25.17000001")
    assert len(tampered) == len(body) and tampered != body
    response = _post(client, tampered, headers=headers)
    assert response.status_code == 401 and response.json()["returnCode"] == "FAIL"
    assert _order(services, order_id).status == "PENDING"
    [row] = _deliveries(services)
    assert (row.signature_valid, row.outcome, row.processed_at is not None) == (
        False, "bad_signature", True)
    # A refused delivery keeps only its first bytes, its size and its hash.
    assert row.body == tampered.decode()[:256]
    assert f'"body-bytes": "{len(tampered)}"' in row.headers_json
    assert _audit_actions(services) == []


def test_replayed_delivery_is_stored_as_a_duplicate_and_not_applied_again(
    services: Services, client: AsgiPoster
) -> None:
    order_id = _add_order(services)
    body = _body()
    headers = SIGNER.headers(body, int(time.time() * 1000))
    first, replay = _post(client, body, headers=headers), _post(client, body, headers=headers)
    # A retry from Binance is signed afresh: same event, new nonce, still a duplicate.
    retry = _post(client, body)
    assert [r.json() for r in (first, replay, retry)] == [SUCCESS] * 3
    original, *copies = _deliveries(services)
    assert original.duplicate_of_id is None and original.outcome == "paid"
    assert [(c.duplicate_of_id, c.outcome) for c in copies] == [(original.id, "duplicate")] * 2
    assert _order(services, order_id).status == "PAID"
    assert _audit_actions(services) == ["order.status"]


def test_unknown_serial_refreshes_the_certificates_once(
    services: Services, keys: _Keys, client: AsgiPoster
) -> None:
    _add_order(services)
    assert _post(client, _body("PAY_CLOSED")).status_code == 200
    assert keys.calls == 1
    keys.signers.append(OTHER_SIGNER)  # the provider rotated its key
    response = _post(client, _body(), signer=OTHER_SIGNER)
    assert response.status_code == 200 and keys.calls == 2
    assert _post(client, _body(), signer=OTHER_SIGNER).status_code == 200
    assert keys.calls == 2  # known now: no further fetch


def test_serial_the_provider_does_not_know_is_refused(services: Services) -> None:
    order_id = _add_order(services)
    keys = _Keys(SIGNER)
    receiver = WebhookReceiver(services, {"binance_pay": BinancePayEvents(keys, min_refresh_seconds=3600)})
    body = _body()
    for _ in range(3):
        status, _answer = receiver.handle("binance_pay", OTHER_SIGNER.headers(body, 1), body)
        assert status == 401
    assert keys.calls == 1  # forged serials do not turn into a stream of certificate requests
    assert [r.outcome for r in _deliveries(services)] == ["unknown_certificate"] * 3
    assert _order(services, order_id).status == "PENDING"


def test_certificates_unavailable_asks_for_a_retry(services: Services) -> None:
    def down() -> tuple[Certificate, ...]:
        raise TransientServerError("HTTP 503")

    receiver = WebhookReceiver(services, {"binance_pay": BinancePayEvents(down)})
    body = _body()
    status, answer = receiver.handle("binance_pay", SIGNER.headers(body, 1), body)
    assert status == 503 and b"FAIL" in answer
    assert [r.outcome for r in _deliveries(services)] == ["certificates_unavailable"]


def test_payment_after_expiry_is_kept_and_flagged_for_review(
    services: Services, client: AsgiPoster
) -> None:
    """The customer's money arrived after our expiry: it is booked (never lost), and the order
    needs review (order page, inbox, reconciliation) until someone has looked."""
    paid_at = datetime.fromtimestamp(PAID_AT_MS / 1000, UTC)
    order_id = _add_order(services, expires_at=paid_at - timedelta(minutes=1))
    assert _post(client, _body("PAY_CLOSED")).status_code == 200
    assert _order(services, order_id).status == "EXPIRED"
    assert _post(client, _body("PAY_SUCCESS")).status_code == 200
    order = _order(services, order_id)
    assert order.status == "PAID" and order.paid_at is not None
    assert order.review_note and "paid late" in order.review_note
    assert [r.outcome for r in _deliveries(services)] == ["expired", "late_paid"]
    assert _audit_actions(services) == ["order.status", "order.status", "order.late_payment"]
    assert _post(client, _body("PAY_SUCCESS")).status_code == 200  # a repeat changes nothing
    assert _audit_actions(services) == ["order.status", "order.status", "order.late_payment"]


def test_close_arriving_after_the_payment_is_stale(services: Services, client: AsgiPoster) -> None:
    order_id = _add_order(services)
    assert _post(client, _body("PAY_SUCCESS")).status_code == 200
    assert _post(client, _body("PAY_CLOSED")).status_code == 200
    assert _order(services, order_id).status == "PAID"
    assert [r.outcome for r in _deliveries(services)] == ["paid", "stale"]


def test_event_for_an_order_we_do_not_hold_is_acknowledged(
    services: Services, client: AsgiPoster
) -> None:
    response = _post(client, envelope("BALANCE", "55", "BALANCE_SUCCESS", {"downloadId": "55"}))
    assert response.status_code == 200
    assert _post(client, _body()).status_code == 200
    assert [r.outcome for r in _deliveries(services)] == ["unmatched", "unmatched"]


def test_in_process_sandbox_payment_arrives_by_webhook(services: Services) -> None:
    created = services.provider.create_order(
        merchant_order_id="SBX1", amount=Decimal("3.50000000"), currency="USDT",
        description="test", goods_name="Widget")
    with services.uow() as uow:
        uow.session.add(Order(merchant_order_id="SBX1", provider_order_id=created.provider_order_id,
                              amount=Decimal("3.50000000"), currency="USDT", status="INITIAL",
                              expires_at=created.expires_at))
        uow.commit()
    sandbox = services.sandbox
    assert sandbox is not None
    sandbox.pay_order(prepay_id=created.provider_order_id, payer_id="PAYER9")
    sandbox.advance(5)
    with services.uow() as uow:
        order = uow.session.exec(select(Order).where(Order.merchant_order_id == "SBX1")).one()
        uow.session.expunge(order)
    assert (order.status, order.payer_id) == ("PAID", "PAYER9")
    assert order.transaction_id and order.fee is not None and order.paid_at is not None
    [row] = _deliveries(services)
    assert (row.signature_valid, row.outcome) == (True, "paid")
    assert [d["done"] for d in sandbox.deliveries()] == [True]


def test_cli_has_the_webhooks_command() -> None:
    args = build_parser().parse_args(["webhooks", "--host", "127.0.0.1", "--port", "8599"])
    assert (args.command, args.port) == ("webhooks", 8599)


def _sandbox_order(services: Services, merchant_order_id: str) -> str:
    created = services.provider.create_order(
        merchant_order_id=merchant_order_id, amount=Decimal("3.50000000"), currency="USDT",
        description="test", goods_name="Widget")
    with services.uow() as uow:
        uow.session.add(Order(merchant_order_id=merchant_order_id,
                              provider_order_id=created.provider_order_id, amount=Decimal("3.50000000"),
                              currency="USDT", status="INITIAL", expires_at=created.expires_at))
        uow.commit()
    return created.provider_order_id


def test_sandbox_duplicate_webhooks_are_applied_once(services: Services) -> None:
    from services.providers.binance_pay.sandbox import FaultKind

    sandbox = services.sandbox
    assert sandbox is not None
    sandbox.set_fault("/binancepay/openapi/v3/order", FaultKind.DUPLICATE_WEBHOOKS, times=None)
    prepay = _sandbox_order(services, "DUP1")
    sandbox.pay_order(prepay_id=prepay)
    sandbox.advance(5)
    rows = _deliveries(services)
    assert [(r.outcome, r.duplicate_of_id) for r in rows] == [
        ("paid", None), ("duplicate", rows[0].id)]
    nonces = [json.loads(r.headers_json)["binancepay-nonce"] for r in rows]
    assert nonces[0] != nonces[1]  # signed afresh, still recognised as the same event
    assert _audit_actions(services) == ["order.status"]


def test_paydesk_webhooks_app_over_http(services: Services) -> None:
    """The receiver app under uvicorn on 127.0.0.1, fed by the sandbox's HTTP sink."""
    import socket
    import threading

    import uvicorn

    sandbox = services.sandbox
    assert sandbox is not None
    cert = sandbox.certificate
    # Keys straight from the engine: fetching them through the in-process provider from the
    # server thread would wait on the very delivery that is waiting for this server.
    receiver = WebhookReceiver(services, {"binance_pay": BinancePayEvents(
        lambda: (Certificate(cert["certSerial"], cert["certPublic"]),))})
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}{WEBHOOK_PATH}"
    server = uvicorn.Server(uvicorn.Config(create_app(services, receiver), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        prepay = _sandbox_order(services, "HTTP1")
        sandbox.set_webhook_sink(url)
        sandbox.pay_order(prepay_id=prepay)
        sandbox.advance(5)
        assert [d["done"] for d in sandbox.deliveries()] == [True]
        assert _order_by_prepay(services, prepay).status == "PAID"
    finally:
        sandbox.set_webhook_sink(None)
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _order_by_prepay(services: Services, prepay: str) -> Order:
    with services.uow() as uow:
        order = uow.session.exec(select(Order).where(Order.provider_order_id == prepay)).one()
        uow.session.expunge(order)
        return order


def test_a_failed_application_is_kept_and_the_retry_applies_it(
    services: Services, client: AsgiPoster, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.inbound import receiver as receiver_module

    order_id = _add_order(services)
    real_dispatch = receiver_module.dispatch

    def broken(*args: object) -> str:
        raise RuntimeError("database went away")

    monkeypatch.setattr(receiver_module, "dispatch", broken)
    body = _body()
    failed = _post(client, body)
    assert failed.status_code == 500 and failed.json()["returnCode"] == "FAIL"
    assert _order(services, order_id).status == "PENDING"
    monkeypatch.setattr(receiver_module, "dispatch", real_dispatch)
    assert _post(client, body).status_code == 200  # Binance retries: not a duplicate of a failure
    assert _order(services, order_id).status == "PAID"
    assert [(r.outcome, r.duplicate_of_id) for r in _deliveries(services)] == [
        ("error", None), ("paid", None)]
