"""A storm of notifications: every notification delivered 1 to 3 times, shuffled, by four
receivers at once, for orders, refunds, payout batches and lines, and debits. The final state
(statuses, amounts, lines, claim deadlines) equals the state that in-order delivery gives.
Both stores."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import SQLModel, col, select

from data.models import (
    DebitNotice, DirectDebit, Mandate, Order, PayoutBatch, PayoutLine, Refund, WebhookDelivery,
)
from services.mandates import debits
from services.orders import payment_requests
from services.refunds import commands as refunds
from services.entrypoints.bootstrap import Services
from services.payouts import sending
from services.providers.base import Certificate
from services.providers.binance_pay.sandbox import CollectingSink
from services.providers.binance_pay.inbound import BinancePayEvents
from services.inbound.receiver import WebhookReceiver
from tests.integration.money_helpers import paid_order, signed_mandate
from tests.integration.test_payout_flow import (  # noqa: F401 - fixtures
    _cheap_password_hashing, approved_upload, csv_bytes, staff,
)

FOLLOWED: tuple[type[SQLModel], ...] = (
    Order, Refund, PayoutBatch, PayoutLine, Mandate, DebitNotice, DirectDebit)


def _scenario(services: Services, staff) -> list[tuple[dict[str, str], bytes]]:  # type: ignore[no-untyped-def]
    """Every kind of money news, collected by the sandbox instead of delivered."""
    sandbox = services.sandbox
    assert sandbox is not None
    sink = CollectingSink()
    sandbox.set_webhook_sink(sink)
    olga = staff["olga"]
    for amount in ("11", "12.5"):
        made = payment_requests.create_request(services, olga, amount=amount, currency="USDT",
                                               product="Widget", customer_email="a@example.com")
        assert made.kind == "success", made.message
        sandbox.pay_order(merchant_trade_no=made.request.merchant_order_id)
    order = paid_order(services, "100")
    for part in ("30", "20"):
        refunds.request_refund(services, olga, order_ref=order.merchant_order_id, amount=part,
                               reason="REQUESTED_BY_CUSTOMER")
    sandbox.fail_party("354678999")
    ref = approved_upload(services, staff, csv_bytes(
        "BINANCE_ID,354678912,10,USDT,paid,", "BINANCE_ID,354678999,5,USDT,fails,",
        "EMAIL,late@example.com,7,USDT,claims late,", "EMAIL,never@example.com,3,USDT,never,"))
    sending.send_upload(services, staff["anna"], ref)
    mandate = signed_mandate(services, limit="50")
    debits.debit_now(services, olga, mandate_ref=mandate.id, amount="20", product_name="Pro")
    sandbox.advance(10)
    sandbox.register_receiver("late@example.com")
    sandbox.advance(72 * 3600 + 60)
    return list(sink.received)


def _state(services: Services) -> dict[str, list[dict[str, Any]]]:
    with services.uow() as uow:
        return {model.__tablename__: [row.model_dump() for row in uow.session.exec(
            select(model).order_by(col(model.id)))] for model in FOLLOWED}  # type: ignore[attr-defined]


def _restore(services: Services, state: dict[str, list[dict[str, Any]]]) -> None:
    with services.uow() as uow:
        uow.session.execute(update(WebhookDelivery).values(duplicate_of_id=None))
        uow.session.execute(delete(WebhookDelivery))
        for model in FOLLOWED:
            for row in state[model.__tablename__]:  # type: ignore[attr-defined]
                uow.session.execute(update(model).where(model.id == row["id"]).values(**row))
        uow.commit()


def _receiver(services: Services) -> WebhookReceiver:
    cert = services.sandbox.certificate
    keys = lambda: (Certificate(cert["certSerial"], cert["certPublic"]),)  # noqa: E731
    return WebhookReceiver(services, {"binance_pay": BinancePayEvents(keys, min_refresh_seconds=0)})


def _deliver(services: Services, deliveries: list[tuple[dict[str, str], bytes]],
             receivers: int) -> None:
    queue = list(deliveries)
    lock = threading.Lock()
    failures: list[object] = []

    def work() -> None:
        receiver = _receiver(services)
        while True:
            with lock:
                if not queue:
                    return
                headers, body = queue.pop(0)
            status, answer = receiver.handle("binance_pay", headers, body)
            if status != 200:
                failures.append((status, answer, body[:120]))

    threads = [threading.Thread(target=work) for _ in range(receivers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


def test_a_storm_of_notifications_ends_where_in_order_delivery_ends(
    services: Services, staff
) -> None:
    start = datetime.now(UTC)
    services.clock = lambda: start  # our own times are then equal in both deliveries
    news = _scenario(services, staff)
    kinds = {body.split(b'"bizType":"')[1].split(b'"')[0] for _, body in news}
    assert kinds >= {b"PAY", b"PAY_REFUND", b"PAYOUT", b"PAYOUT_NON_BN"}
    before = _state(services)

    _deliver(services, news, receivers=1)
    in_order = _state(services)
    assert {ln["status"] for ln in in_order["payout_lines"]} == {"SUCCESS", "FAIL", "REFUNDED"}
    assert any(ln["claim_deadline"] for ln in in_order["payout_lines"])
    assert {d["status"] for d in in_order["direct_debits"]} == {"SUCCESS"}
    assert {r["status"] for r in in_order["refunds"]} == {"SUCCESS"}

    _restore(services, before)
    assert _state(services) == before
    rng = random.Random(14)
    storm = [item for item in news for _ in range(rng.randint(1, 3))]
    rng.shuffle(storm)
    _deliver(services, storm, receivers=4)
    assert _state(services) == in_order
