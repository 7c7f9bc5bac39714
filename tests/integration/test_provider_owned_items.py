"""Services call the provider that owns an item and refuse, in words and before sending
anything, what that provider does not offer (issue #11 point 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import AuditEntry, Order, Refund
from services.core.errors import ConflictError, InputError, NotOfferedError
from services.entrypoints.bootstrap import Services
from services.mandates import contracts as mandates
from services.orders import payment_requests as requests
from services.orders.sync import OrderSync
from services.payouts.terms import payout_terms
from services.providers import base
from services.refunds import commands as refunds
from tests.integration.money_helpers import paid_order, staff


@pytest.fixture
def people(services: Services):
    return staff(services)


def _owned_by(services: Services, order: Order, provider: str, **changes: object) -> Order:
    with services.uow() as uow:
        row = uow.session.get(Order, order.id)
        assert row is not None
        row.provider = provider
        for name, value in changes.items():
            setattr(row, name, value)
        uow.session.add(row)
        uow.commit()
        uow.session.expunge(row)
        return row


class _Spy:
    """Replaces one port method of one registered provider and records its calls."""

    def __init__(self, answer: object = None) -> None:
        self.calls: list[dict[str, object]] = []
        self.answer = answer

    def __call__(self, **kwargs: object) -> object:
        self.calls.append(kwargs)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer(**kwargs) if callable(self.answer) else self.answer


def _never(monkeypatch: pytest.MonkeyPatch, services: Services, method: str) -> list[_Spy]:
    """Every enabled provider's ``method`` spied on: a refusal must reach none of them."""
    spies = []
    for entry in services.providers:
        spy = _Spy(AssertionError(f"{entry.name}.{method} must not be called"))
        monkeypatch.setattr(entry.provider, method, spy)
        spies.append(spy)
    return spies


def test_a_juicyway_order_cannot_be_refunded_and_the_reason_is_juicyways(
        services: Services, people, monkeypatch: pytest.MonkeyPatch) -> None:
    order = _owned_by(services, paid_order(services, "40", currency="USD"), "juicyway")
    spies = _never(monkeypatch, services, "refund")
    position = refunds.refund_position(services, people["olga"], order.id)
    assert position.refusal is not None and "Juicyway offers no refunds" in position.refusal
    assert "Refund the customer outside PayDesk" in position.refusal
    with pytest.raises(ConflictError, match="Juicyway offers no refunds"):
        refunds.request_refund(services, people["olga"], order_ref=order.id, amount="10",
                               reason="REQUESTED_BY_CUSTOMER")
    assert not any(spy.calls for spy in spies)
    with services.uow() as uow:
        assert uow.session.exec(select(Refund)).all() == []


def test_a_monetix_refund_goes_to_monetix_one_at_a_time(
        services: Services, people, monkeypatch: pytest.MonkeyPatch) -> None:
    order = _owned_by(services, paid_order(services, "50", currency="EUR"), "monetix")

    def answer(**call: object) -> base.RefundResult:
        return base.RefundResult(str(call["refund_request_id"]), "m-refund-1",
                                 order.provider_order_id,
                                 Decimal("50"), Decimal("10"), Decimal("10"), None,
                                 base.RefundState.PENDING)

    monetix = _Spy(answer)
    monkeypatch.setattr(services.provider_for("monetix"), "refund", monetix)
    monkeypatch.setattr(services.provider_for("binance_pay"), "refund",
                        _Spy(AssertionError("Binance Pay must not refund a Monetix order")))
    first = refunds.request_refund(services, people["olga"], order_ref=order.id, amount="10",
                                   reason="REQUESTED_BY_CUSTOMER")
    assert [c["provider_order_id"] for c in monetix.calls] == [order.provider_order_id]
    assert first.status == "REFUNDING"
    position = refunds.refund_position(services, people["olga"], order.id)
    # Monetix has no limit on refunds per payment, but takes one at a time.
    assert position.attempts_left is None and position.provider_title == "Monetix"
    assert position.refusal is not None and "one refund of a payment at a time" in position.refusal


def test_binance_pay_keeps_its_ten_refunds_from_its_capabilities(services: Services,
                                                                 people) -> None:
    order = paid_order(services, "100")
    position = refunds.refund_position(services, people["olga"], order.id)
    assert (position.max_attempts, position.attempts_left, position.provider_title) == (
        10, 10, "Binance Pay")


def test_closing_is_refused_for_providers_without_close(
        services: Services, people, monkeypatch: pytest.MonkeyPatch) -> None:
    spies = _never(monkeypatch, services, "close_order")
    for provider, words in (("juicyway", "no way to cancel"), ("monetix", "cannot cancel")):
        order = _owned_by(services, paid_order(services, "5", status="PENDING"), provider)
        request = requests.get_request(services, people["olga"], order.id)
        assert words in (requests.close_refusal(services, request) or "")
        with pytest.raises(NotOfferedError, match=words):
            requests.close_request(services, people["olga"], order.id)
    assert not any(spy.calls for spy in spies)
    with services.uow() as uow:
        actions = {e.action for e in uow.session.exec(select(AuditEntry)).all()}
    assert "order.close_requested" not in actions


def test_a_payment_request_goes_to_the_chosen_provider_with_its_terms(
        services: Services, people, monkeypatch: pytest.MonkeyPatch) -> None:
    now = datetime.now(UTC)
    created = base.CreatedOrder(
        provider_order_id="jw-pay-1", merchant_order_id="ignored", amount=Decimal("12.50"),
        currency="USD", expires_at=now + timedelta(minutes=30),
        links=base.CheckoutLinks(checkout_url="https://checkout.example/jw-pay-1"))
    juicyway = _Spy(created)
    monkeypatch.setattr(services.provider_for("juicyway"), "create_order", juicyway)
    monkeypatch.setattr(services.provider_for("binance_pay"), "create_order",
                        _Spy(AssertionError("Binance Pay must not get a Juicyway request")))
    outcome = requests.create_request(
        services, people["olga"], amount="12.50", currency="USD", product="Widget",
        customer_email="ada@example.com", expiry_minutes=30, provider="juicyway",
        customer_first_name="Ada", customer_last_name="Lovelace",
        customer_phone="+44 7700 900123", customer_country="gb")
    assert outcome.kind == "success", outcome.message
    assert outcome.request.provider == "juicyway"
    assert outcome.request.provider_order_id == "jw-pay-1"
    assert [c["currency"] for c in juicyway.calls] == ["USD"]
    assert juicyway.calls[0]["payer"] == base.Payer(
        first_name="Ada", last_name="Lovelace", email="ada@example.com",
        phone_number="+447700900123", country="GB")


def test_payment_request_terms_come_from_each_provider(services: Services, people) -> None:
    binance, monetix, juicyway = (requests.payment_terms(services, name)
                                  for name in ("binance_pay", "monetix", "juicyway"))
    assert binance.expiry_minutes_max == 60 and "USDT" in binance.currencies
    assert monetix.expiry_minutes_max == 20 and "EUR" in monetix.currencies
    assert juicyway.expiry_minutes_max == 30
    with pytest.raises(InputError) as refused:
        requests.create_request(services, people["olga"], amount="10", currency="USDT",
                                product="Widget", customer_email="ada@example.com",
                                expiry_minutes=45, provider="monetix")
    problems = refused.value.problems  # type: ignore[attr-defined]
    assert "Monetix takes" in problems["currency"]
    assert "between 1 and 20 minutes" in problems["expiry_minutes"]
    assert "Monetix ends an unpaid payment after at most 20 minutes" in problems["expiry_minutes"]


def test_the_order_sync_asks_the_owning_provider(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    order = _owned_by(services, paid_order(services, "5", status="PENDING", currency="EUR"),
                      "monetix")
    status = base.OrderStatus(order.provider_order_id, order.merchant_order_id,
                              base.OrderState.PENDING,
                              "processing", Decimal("5"), "EUR")
    monetix = _Spy(status)
    monkeypatch.setattr(services.provider_for("monetix"), "get_order", monetix)
    monkeypatch.setattr(services.provider_for("binance_pay"), "get_order",
                        _Spy(AssertionError("Binance Pay must not be asked")))
    with services.uow() as uow:
        ref = OrderSync.load(uow, order.id)
    assert OrderSync.query(services, ref) is status
    assert monetix.calls == [{"provider_order_id": order.provider_order_id,
                              "merchant_order_id": None}]


def test_recurring_and_payouts_are_refused_where_not_offered(services: Services,
                                                             people) -> None:
    request = mandates.ContractRequest(customer_email="sub@example.com", service_name="Pro",
                                       single_upper_limit="10", currency="USD",
                                       provider="juicyway")
    with pytest.raises(NotOfferedError, match="no recurring payments"):
        mandates.create_contract(services, people["olga"], request)
    with pytest.raises(NotOfferedError, match="saved bank or crypto beneficiaries"):
        payout_terms(services, "juicyway")
    assert payout_terms(services, "monetix").max_lines == 1
    assert "one recipient per request" in payout_terms(services, "monetix").batch_rule
    assert payout_terms(services, "binance_pay").max_lines == 500
    assert mandates.contract_currencies(services)[:2] == ("USDT", "USDC")
    with pytest.raises(InputError, match="Binance Pay debits contracts in USDT or USDC only"):
        mandates.create_contract(services, people["olga"], mandates.ContractRequest(
            customer_email="sub@example.com", service_name="Pro", single_upper_limit="10",
            currency="EUR"))


def test_a_batch_of_a_provider_without_payouts_is_refused_before_it_is_claimed(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from data.models import PayoutBatch
    from services.payouts import sending, states

    spies = _never(monkeypatch, services, "create_payout_batch")
    with services.uow() as uow:
        uow.session.add(PayoutBatch(request_id="PDJW0001B001", currency="USD",
                                    total_amount=Decimal("5"), line_count=1,
                                    provider="juicyway", status=states.APPROVED))
        uow.commit()
    with pytest.raises(NotOfferedError, match="not to Binance Pay users"):
        sending.send_batch(services, None, "PDJW0001B001")
    assert not any(spy.calls for spy in spies)
    with services.uow() as uow:
        batch = uow.session.exec(select(PayoutBatch)).one()
        assert batch.status == states.APPROVED  # not claimed, not marked as sending
