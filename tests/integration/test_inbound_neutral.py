"""The provider-neutral receiver: routing by provider, news it must not act on, and weakly signed
news that only a query may confirm."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal

from sqlmodel import col, select

from data.models import Order, WebhookDelivery
from services.entrypoints.bootstrap import Services
from services.inbound.dispatch import UNKNOWN_STATUS, UNMATCHED, dispatch
from services.inbound.receiver import WebhookReceiver
from services.providers.base import OrderState
from services.providers.events import EventKind, InboundEvent
from services.providers.juicyway.webhooks import JuicywayEvents, envelope


class WeakReader:
    """A provider whose signature proves little: every event it reads needs confirming."""

    provider = "binance_pay"

    def __init__(self, event: InboundEvent) -> None:
        self.event = event

    def parse_event(self, headers: Mapping[str, str], body: bytes) -> InboundEvent:
        return self.event

    def answer(self, accepted: bool, reason: str = "") -> bytes:
        return b"ok" if accepted else b"no"


def _sandbox_order(services: Services, merchant_order_id: str) -> str:
    created = services.provider.create_order(
        merchant_order_id=merchant_order_id, amount=Decimal("3.50000000"), currency="USDT",
        description="test", goods_name="Widget")
    with services.uow() as uow:
        uow.session.add(Order(merchant_order_id=merchant_order_id,
                              provider_order_id=created.provider_order_id, amount=Decimal("3.50000000"),
                              currency="USDT", status="INITIAL", expires_at=created.expires_at,
                              created_at=services.now()))
        uow.commit()
    return created.provider_order_id


def _status(services: Services, merchant_order_id: str) -> str:
    with services.uow() as uow:
        return uow.session.exec(select(Order.status).where(
            Order.merchant_order_id == merchant_order_id)).one()


def _outcomes(services: Services) -> list[str | None]:
    with services.uow() as uow:
        return list(uow.session.exec(
            select(WebhookDelivery.outcome).order_by(col(WebhookDelivery.id))))


def _paid_news(provider_order_id: str, merchant_order_id: str, *,
               weak: bool = False, state: OrderState | None = OrderState.PAID) -> InboundEvent:
    return InboundEvent(
        provider="binance_pay", kind=EventKind.PAYMENT, provider_status="SAID_PAID",
        state=state, merchant_id=merchant_order_id, provider_id=provider_order_id,
        raw_body=json.dumps({"id": provider_order_id, "weak": weak}).encode(),
        amount=Decimal("3.5"), currency="USDT", needs_confirmation=weak)


def test_a_provider_this_deployment_does_not_run_gets_404_and_nothing_is_stored(
        services: Services) -> None:
    receiver = WebhookReceiver(services, {})
    status, _ = receiver.handle("acme_pay", {}, b'{"paid": true}')
    assert status == 404
    assert _outcomes(services) == []


def test_a_status_the_provider_never_documented_changes_nothing(services: Services) -> None:
    prepay = _sandbox_order(services, "NEUTRAL1")
    with services.uow() as uow:
        outcome = dispatch(services, uow, _paid_news(prepay, "NEUTRAL1", state=None))
        uow.commit()
    assert outcome == UNKNOWN_STATUS
    assert _status(services, "NEUTRAL1") == "INITIAL"


def test_news_kept_for_the_record_is_never_applied(services: Services) -> None:
    other = InboundEvent(provider="binance_pay", kind=EventKind.OTHER, provider_status="QR_SCAN",
                         state=None, merchant_id=None, provider_id="1", raw_body=b"{}")
    with services.uow() as uow:
        assert dispatch(services, uow, other) == UNMATCHED


def test_weak_news_of_a_payment_the_provider_denies_moves_nothing(services: Services) -> None:
    prepay = _sandbox_order(services, "WEAK1")
    receiver = WebhookReceiver(services, {"binance_pay": WeakReader(
        _paid_news(prepay, "WEAK1", weak=True))})
    status, answer = receiver.handle("binance_pay", {}, b"{}")
    assert (status, answer) == (200, b"ok")
    # The notice said paid; the provider, asked, says the customer has not paid.
    assert _status(services, "WEAK1") == "INITIAL"
    [outcome] = _outcomes(services)
    assert outcome is not None and outcome.startswith("confirmed:") and "paid" not in outcome


def test_weak_news_confirmed_by_the_provider_is_applied_once(services: Services) -> None:
    sandbox = services.sandbox
    assert sandbox is not None
    sandbox.set_webhook_sink(None)  # only the weak notice speaks, not the sandbox's own webhook
    prepay = _sandbox_order(services, "WEAK2")
    sandbox.pay_order(prepay_id=prepay)
    sandbox.advance(5)
    receiver = WebhookReceiver(services, {"binance_pay": WeakReader(
        _paid_news(prepay, "WEAK2", weak=True))})
    for _ in range(3):  # repeated: stored as duplicates, confirmed once
        assert receiver.handle("binance_pay", {}, b"{}")[0] == 200
    assert _status(services, "WEAK2") == "PAID"
    assert _outcomes(services) == ["confirmed:paid", "duplicate", "duplicate"]


def test_juicyway_news_reaches_its_own_route_and_waits_for_confirmation(
        services: Services) -> None:
    from services.entrypoints.webhooks_app import create_app
    from tests.integration.test_webhook_receiver import AsgiPoster

    business = "biz_123"
    receiver = WebhookReceiver(services, {"juicyway": JuicywayEvents(business)})
    client = AsgiPoster(create_app(services, receiver))
    data = {"id": "pay_1", "reference": "JW-ORDER-1", "status": "succeeded", "amount": 350,
            "currency": "USD", "created_at": "2026-12-01T10:00:00Z"}
    body = envelope("payment.session.succeeded", data, business)
    response = client.post("/webhooks/juicyway", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 200
    with services.uow() as uow:
        [row] = uow.session.exec(select(WebhookDelivery)).all()
        assert (row.provider, row.signature_valid) == ("juicyway", True)
    forged = client.post("/webhooks/juicyway", content=body.replace(b"350", b"999"),
                         headers={"content-type": "application/json"})
    assert forged.status_code == 401
    assert client.post("/webhooks/acme-pay", content=body, headers={}).status_code == 404
