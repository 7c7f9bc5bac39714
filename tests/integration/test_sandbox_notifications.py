"""In sandbox mode every provider's notifications reach the one receiver in-process, are
verified by that provider's own code and move the order the customer paid."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from data.models import Order, WebhookDelivery
from services.entrypoints.bootstrap import Services
from services.orders import payment_requests as requests
from tests.integration.money_helpers import staff


@pytest.fixture
def people(services: Services):
    return staff(services)


def _order(services: Services, order_id: int) -> Order:
    with services.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        uow.session.expunge(order)
        return order


def _deliveries(services: Services, provider: str) -> list[WebhookDelivery]:
    with services.uow() as uow:
        rows = list(uow.session.exec(select(WebhookDelivery).where(
            WebhookDelivery.provider == provider).order_by(col(WebhookDelivery.id))))
        uow.session.expunge_all()
        return rows


def test_a_monetix_payment_is_paid_by_its_signed_callback(services: Services, people) -> None:
    outcome = requests.create_request(
        services, people["olga"], amount="12.50", currency="EUR", product="Widget",
        customer_email="ada@example.com", expiry_minutes=20, provider="monetix",
        customer_first_name="Ada", customer_last_name="Lovelace")
    assert outcome.kind == "success", outcome.message
    order = outcome.request
    sandbox = services.sandbox_for("monetix")
    sandbox.pay(order.provider_order_id)
    sandbox.advance(30)
    assert _order(services, order.id).status == "PAID"
    rows = _deliveries(services, "monetix")
    assert rows and all(r.signature_valid for r in rows)
    assert "paid" in [r.outcome for r in rows]


def test_a_juicyway_payment_is_paid_only_once_a_query_confirms_it(
        services: Services, people) -> None:
    outcome = requests.create_request(
        services, people["olga"], amount="12.50", currency="USD", product="Widget",
        customer_email="ada@example.com", expiry_minutes=30, provider="juicyway",
        customer_first_name="Ada", customer_last_name="Lovelace",
        customer_phone="+447700900123", customer_country="GB")
    assert outcome.kind == "success", outcome.message
    order = outcome.request
    sandbox = services.sandbox_for("juicyway")
    sandbox.pay(order.provider_order_id)
    sandbox.advance(30)
    assert _order(services, order.id).status == "PAID"
    rows = _deliveries(services, "juicyway")
    assert rows and rows[0].signature_valid
    assert rows[0].outcome == "confirmed:paid"
