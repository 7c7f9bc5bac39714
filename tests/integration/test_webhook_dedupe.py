"""One delivery given to several receivers at once is applied once: the delivery's identity is
inserted first, so the second receiver fails on it instead of both finding "not seen yet".
Both stores (SQLite had no lock at all here)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from sqlmodel import col, select

from data.models import Order, WebhookDelivery
from services.entrypoints.bootstrap import Services
from services.providers.base import Certificate
from services.providers.binance_pay.sandbox.webhooks import WebhookSigner, envelope
from services.inbound import receiver as receiver_module
from services.providers.binance_pay.inbound import BinancePayEvents
from services.inbound.receiver import WebhookReceiver

SIGNER = WebhookSigner()
PREPAY = "29383937493038367100"


def test_concurrent_receivers_apply_one_delivery_once(services: Services, monkeypatch) -> None:
    with services.uow() as uow:
        uow.session.add(Order(merchant_order_id="DD1", provider_order_id=PREPAY, amount=Decimal("5"),
                              currency="USDT", status="PENDING", created_at=services.now()))
        uow.commit()
    body = envelope("PAY", PREPAY, "PAY_SUCCESS", {
        "merchantTradeNo": "DD1", "totalFee": Decimal("5"), "currency": "USDT",
        "transactionId": "T9", "transactTime": int(time.time() * 1000)})
    headers = SIGNER.headers(body, int(time.time() * 1000))
    keys = lambda: (Certificate(SIGNER.cert_serial, SIGNER.public_pem),)  # noqa: E731

    # Whoever applies first waits (boundedly) for a second applier: with a check-then-insert
    # dedupe the second one gets here too and the event is applied twice; with insert-first it
    # is held at its insert until the first commits, and never gets here.
    real_dispatch = receiver_module.dispatch
    arrived = threading.Semaphore(0)
    applied: list[str] = []

    def dispatch(services_, uow, event):  # type: ignore[no-untyped-def]
        applied.append(event.provider_status)
        arrived.release()
        if len(applied) == 1:
            arrived.acquire()
            arrived.acquire(timeout=3)
        return real_dispatch(services_, uow, event)

    monkeypatch.setattr(receiver_module, "dispatch", dispatch)
    answers: list[int] = []

    def deliver() -> None:
        receiver = WebhookReceiver(services, {"binance_pay": BinancePayEvents(keys, min_refresh_seconds=0)})
        answers.append(receiver.handle("binance_pay", headers, body)[0])

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 4
    assert applied == ["PAY_SUCCESS"]
    with services.uow() as uow:
        rows = uow.session.exec(select(WebhookDelivery).order_by(col(WebhookDelivery.id))).all()
        originals = [r for r in rows if r.duplicate_of_id is None]
        assert len(rows) == 4 and len(originals) == 1
        assert {r.duplicate_of_id for r in rows if r is not originals[0]} == {originals[0].id}
        assert uow.session.exec(select(Order.status)).one() == "PAID"
