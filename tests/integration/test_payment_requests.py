"""Payment requests against the in-process sandbox on both stores: paid by webhook, expired by
the sandbox clock, closed, a timed-out create resolved with the same merchantTradeNo, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import AuditEntry, Order
from services.orders import payment_requests as pr
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError, InputError, PermissionDeniedError
from services.providers.binance_pay import endpoints as ep
from services.providers.binance_pay.sandbox import FaultKind
from tests.integration.money_helpers import staff


@pytest.fixture
def people(services: Services):
    return staff(services)


def _create(services: Services, actor, **overrides) -> pr.RequestOutcome:
    form = {"amount": "12.5", "currency": "USDT", "product": "Consulting, 1 hour",
            "customer_email": "buyer@example.com", "expiry_minutes": 15, **overrides}
    return pr.create_request(services, actor, **form)


def _created_at_sandbox(services: Services) -> list[dict]:
    assert services.sandbox is not None
    return [e for e in services.sandbox.events() if e["event"] == "order_created"]


def _actions(services: Services, order_id: int) -> list[str]:
    with services.uow() as uow:
        return list(uow.session.exec(select(AuditEntry.action).where(
            AuditEntry.target_id == str(order_id)).order_by(AuditEntry.id)).all())


def test_create_then_paid_by_the_sandbox_webhook(services, people) -> None:
    outcome = _create(services, people["olga"])
    request = outcome.request
    assert outcome.kind == "success"
    assert request.status == "INITIAL" and request.provider_order_id
    assert request.amount == Decimal("12.5") and request.created_by == "olga"
    assert request.checkout_url and request.deeplink.startswith("bnc://")
    assert request.universal_url and request.qr_content and request.expires_at
    assert len(request.merchant_order_id) <= 32 and request.merchant_order_id.isalnum()
    services.sandbox.pay_order(prepay_id=request.provider_order_id)
    services.sandbox.advance(3)  # settles, then delivers PAY_SUCCESS in-process
    paid = pr.get_request(services, people["vic"], request.id)
    assert paid.status == "PAID" and paid.paid_at is not None
    assert _actions(services, request.id)[:2] == ["payment_request.created",
                                                  "payment_request.sent"]
    assert [r.id for r in pr.recent_requests(services, people["vic"])] == [request.id]


def test_expiry_by_the_sandbox_clock_arrives_by_webhook(services, people) -> None:
    request = _create(services, people["olga"], expiry_minutes="1").request
    services.sandbox.advance(70)  # past the expiry, and past the webhook's delivery delay
    followed = pr.get_request(services, people["vic"], request.id)
    assert followed.status == "EXPIRED" and followed.closed_at is None


def test_expiry_is_found_by_query_when_the_webhook_is_lost(services, people) -> None:
    request = _create(services, people["olga"], expiry_minutes="1").request
    services.sandbox.set_webhook_sink(None)
    services.sandbox.advance(61)
    assert pr.get_request(services, people["vic"], request.id).status == "INITIAL"
    followed = pr.refresh_request(services, people["vic"], request.id).request
    assert followed.status == "EXPIRED" and followed.closed_at is None
    # Refreshing a final order asks nobody and changes nothing.
    assert pr.refresh_request(services, people["olga"], request.id).request.status == "EXPIRED"


def test_close_an_unpaid_request(services, people) -> None:
    request = _create(services, people["olga"]).request
    outcome = pr.close_request(services, people["oscar"], request.merchant_order_id)
    assert outcome.kind == "success"
    assert outcome.request.status == "CANCELED" and outcome.request.closed_at
    services.sandbox.advance(2)  # the PAY_CLOSED webhook arrives after the query: no change
    assert pr.get_request(services, people["vic"], request.id).status == "CANCELED"
    actions = _actions(services, request.id)
    assert actions.index("order.close_requested") < actions.index("order.close_sent")
    with pytest.raises(ConflictError, match="only an unpaid"):
        pr.close_request(services, people["oscar"], request.id)


def test_close_refused_once_paid(services, people) -> None:
    request = _create(services, people["olga"]).request
    services.sandbox.pay_order(prepay_id=request.provider_order_id)  # payment in flight at Binance
    outcome = pr.close_request(services, people["olga"], request.id)
    assert outcome.kind == "error" and "cannot close" in outcome.message
    services.sandbox.advance(3)
    assert pr.get_request(services, people["vic"], request.id).status == "PAID"


def test_timeout_is_resolved_with_the_same_trade_no_and_one_order(services, people) -> None:
    services.sandbox.set_fault(ep.ORDER_V3, FaultKind.TIMEOUT_AFTER_PROCESSING)
    outcome = _create(services, people["olga"])
    request = outcome.request
    assert outcome.kind == "success" and "no answer" in outcome.message
    assert request.provider_order_id and request.checkout_url and request.status == "INITIAL"
    created = _created_at_sandbox(services)
    assert [e["merchantTradeNo"] for e in created] == [request.merchant_order_id]
    with services.uow() as uow:
        assert len(uow.session.exec(select(Order)).all()) == 1
    services.sandbox.pay_order(merchant_trade_no=request.merchant_order_id)
    services.sandbox.advance(3)
    assert pr.get_request(services, people["vic"], request.id).status == "PAID"


def test_timeout_with_the_query_down_too_keeps_the_row_for_later(services, people) -> None:
    services.sandbox.set_fault(ep.ORDER_V3, FaultKind.TIMEOUT_AFTER_PROCESSING)
    services.sandbox.set_fault(ep.ORDER_QUERY_V2, FaultKind.HTTP_5XX)
    outcome = _create(services, people["olga"])
    assert outcome.kind == "warning" and "never re-created" in outcome.message
    assert outcome.request.provider_order_id is None and outcome.request.status == "INITIAL"
    later = pr.refresh_request(services, people["olga"], outcome.request.id)
    assert later.request.provider_order_id and later.request.checkout_url
    assert len(_created_at_sandbox(services)) == 1


def test_refusals_name_the_field(services, people) -> None:
    with pytest.raises(pr.PaymentRequestInvalid) as caught:
        _create(services, people["olga"], amount="1.123456789", product=' "quoted" ',
                customer_email="not-an-email", expiry_minutes="90")
    assert set(caught.value.problems) == {"amount", "product", "customer_email",
                                          "expiry_minutes"}
    assert "8 decimal places" in caught.value.problems["amount"]
    with pytest.raises(InputError) as caught:
        _create(services, people["olga"], currency="EUR")
    assert caught.value.field == "currency"
    with pytest.raises(InputError) as caught:
        _create(services, people["olga"], amount="0")
    assert caught.value.field == "amount"
    with pytest.raises(PermissionDeniedError):
        _create(services, people["vic"])
    with services.uow() as uow:
        assert uow.session.exec(select(Order)).all() == []
    assert _created_at_sandbox(services) == []
