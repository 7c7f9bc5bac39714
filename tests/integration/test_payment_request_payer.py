"""Who pays, per provider: Monetix and Juicyway must be told before the payment exists; the
payment request asks, keeps it on the order and sends the same payer on every repeat. Juicyway
through its sandbox: a success after our own expiry is booked and reviewed, and an echoed amount
or currency other than ours is a visible conflict (issue #13 points 3 and 4)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, select

from data.models import AuditEntry, Order, WebhookDelivery
from data.queries.reconciliation import NEEDS_REVIEW, ledger_rows
from services.entrypoints.bootstrap import Services
from services.orders import payment_requests as requests
from services.providers import base
from services.providers.errors import NotFoundError, TransientServerError
from tests.integration.money_helpers import staff

ADA = {"customer_first_name": "Ada", "customer_last_name": "Lovelace",
       "customer_phone": "+44 7700 900123", "customer_country": "GB"}


@pytest.fixture
def people(services: Services):
    return staff(services)


def _orders(services: Services) -> list[Order]:
    with services.uow() as uow:
        rows = list(uow.session.exec(select(Order).order_by(col(Order.id))))
        uow.session.expunge_all()
        return rows


def _actions(services: Services, order_id: int) -> list[str]:
    with services.uow() as uow:
        return list(uow.session.exec(select(AuditEntry.action).where(
            AuditEntry.target_type == "order", AuditEntry.target_id == str(order_id))
            .order_by(col(AuditEntry.id))))


def _juicyway(services: Services, people, *, expiry_minutes: int = 30,
              currency: str = "USD") -> requests.RequestOutcome:
    return requests.create_request(
        services, people["olga"], amount="12.50", currency=currency, product="Widget",
        customer_email="ada@example.com", expiry_minutes=expiry_minutes, provider="juicyway",
        **ADA)


def test_each_provider_asks_only_what_it_needs(services: Services) -> None:
    binance, monetix, juicyway = (requests.payment_terms(services, name)
                                  for name in ("binance_pay", "monetix", "juicyway"))
    assert not binance.needs_payer
    assert [str(f) for f in monetix.payer_fields] == ["first_name", "last_name", "email"]
    assert [str(f) for f in juicyway.payer_fields] == [
        "first_name", "last_name", "email", "phone_number", "country"]
    assert juicyway.asks("customer_phone") and not monetix.asks("customer_phone")


def test_a_missing_payer_is_refused_by_field_before_anything_is_stored(
        services: Services, people) -> None:
    with pytest.raises(requests.PaymentRequestInvalid) as refused:
        requests.create_request(
            services, people["olga"], amount="12.50", currency="USD", product="Widget",
            customer_email="ada@example.com", expiry_minutes=30, provider="juicyway",
            customer_first_name="Ada", customer_phone="07700 900123", customer_country="Britain")
    problems = refused.value.problems
    assert set(problems) == {"customer_last_name", "customer_phone", "customer_country"}
    assert "Juicyway needs it" in problems["customer_last_name"]
    assert "+ and the country code" in problems["customer_phone"]
    assert "two letters of ISO 3166" in problems["customer_country"]
    with pytest.raises(requests.PaymentRequestInvalid) as refused:
        requests.create_request(
            services, people["olga"], amount="12.50", currency="EUR", product="Widget",
            customer_email="ada@example.com", expiry_minutes=20, provider="monetix",
            customer_first_name="Ada", customer_last_name="L0velace")
    assert list(refused.value.problems) == ["customer_last_name"]
    assert "letters, spaces, hyphens and apostrophes" in refused.value.problems[
        "customer_last_name"]
    assert _orders(services) == []


def test_binance_pay_is_sent_no_payer_and_keeps_none(services: Services, people,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    provider = services.provider_for("binance_pay")
    sent: list[object] = []
    real = provider.create_order

    def spy(**kwargs):  # type: ignore[no-untyped-def]
        sent.append(kwargs["payer"])
        return real(**kwargs)

    monkeypatch.setattr(provider, "create_order", spy)
    outcome = requests.create_request(
        services, people["olga"], amount="5", currency="USDT", product="Widget",
        customer_email="ada@example.com", expiry_minutes=15, provider="binance_pay", **ADA)
    assert outcome.kind == "success", outcome.message
    assert sent == [None]
    [order] = _orders(services)
    assert (order.customer_first_name, order.customer_phone, order.customer_country) == (
        None, None, None)


def test_a_repeat_after_no_answer_sends_the_very_same_payer(
        services: Services, people, monkeypatch: pytest.MonkeyPatch) -> None:
    provider = services.provider_for("juicyway")
    calls: list[dict[str, object]] = []

    def create(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs)
        if len(calls) == 1:
            raise TransientServerError("HTTP 502 after sending")
        return base.CreatedOrder(
            provider_order_id="jw-1", merchant_order_id=kwargs["merchant_order_id"],
            amount=Decimal("12.50"), currency="USD", expires_at=None,
            links=base.CheckoutLinks(checkout_url="https://checkout.example/jw-1"))

    def not_there(**_):  # type: ignore[no-untyped-def]
        raise NotFoundError("no payment with this reference")

    monkeypatch.setattr(provider, "create_order", create)
    monkeypatch.setattr(provider, "get_order", not_there)
    outcome = _juicyway(services, people)
    assert outcome.kind == "success", outcome.message
    assert len(calls) == 2 and calls[0] == calls[1]
    assert calls[0]["payer"] == base.Payer(
        first_name="Ada", last_name="Lovelace", email="ada@example.com",
        phone_number="+447700900123", country="GB")


def test_a_monetix_request_is_simulated_paid_through_the_neutral_sandbox_call(
        services: Services, people) -> None:
    outcome = requests.create_request(
        services, people["olga"], amount="12.50", currency="EUR", product="Widget",
        customer_email="ada@example.com", expiry_minutes=20, provider="monetix",
        customer_first_name="Ada", customer_last_name="Lovelace")
    assert outcome.kind == "success", outcome.message
    message = requests.simulate_customer_payment(services, people["olga"], outcome.request.id)
    assert "Monetix reports it" in message
    services.sandbox_for("monetix").advance(30)
    assert _orders(services)[0].status == "PAID"
    with pytest.raises(Exception, match="sandbox refused"):  # paid already: the sandbox says so
        requests.simulate_customer_payment(services, people["olga"], outcome.request.id)


def _expire_locally(services: Services, order_id: int) -> None:
    """Our own expiry passes (a 5-minute request), while Juicyway keeps the session open."""
    with services.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        order.expires_at = services.now() - timedelta(minutes=1)
        uow.session.add(order)
        uow.commit()


def test_a_juicyway_success_after_our_expiry_is_booked_and_reviewed(
        services: Services, people) -> None:
    outcome = _juicyway(services, people, expiry_minutes=5)
    assert outcome.kind == "success", outcome.message
    order = outcome.request
    assert order.expires_at is not None
    # Juicyway answered a longer session: our 5 minutes stay the hard stop.
    assert order.expires_at <= services.now() + timedelta(minutes=5)
    _expire_locally(services, order.id)
    requests.simulate_customer_payment(services, people["olga"], order.id)
    services.sandbox_for("juicyway").advance(30)
    [paid] = _orders(services)
    assert paid.status == "PAID"  # the customer's money is never lost
    assert paid.review_note and "paid late" in paid.review_note
    assert "order.late_payment" in _actions(services, order.id)
    with services.uow() as uow:
        outcomes = list(uow.session.exec(select(WebhookDelivery.outcome).where(
            WebhookDelivery.provider == "juicyway")))
        assert "confirmed:late_paid" in outcomes
        rows = ledger_rows(uow.session, paid.created_at - timedelta(days=1),
                           services.now() + timedelta(days=1))
    # Reconciliation: the order is a break until someone has reviewed it.
    assert [r[8] for r in rows if r[2] == paid.merchant_order_id] == [NEEDS_REVIEW]


def test_a_juicyway_success_after_its_own_expiry_reopens_nothing_silently(
        services: Services, people) -> None:
    outcome = _juicyway(services, people, expiry_minutes=30)
    order = outcome.request
    sandbox = services.sandbox_for("juicyway")
    sandbox.advance(31 * 60)  # Juicyway expires the session and says so
    assert _orders(services)[0].status == "EXPIRED"
    _expire_locally(services, order.id)
    sandbox.pay(order.provider_order_id, late=True)  # a Binance order completing late
    sandbox.advance(30)
    [paid] = _orders(services)
    assert paid.status == "PAID" and paid.review_note and "paid late" in paid.review_note


def test_a_juicyway_echo_of_another_currency_is_never_captured(
        services: Services, people) -> None:
    """Juicyway's public example asks NGN and answers USD: no checkout is made for a sum we did
    not ask, and the operator reads both figures."""
    sandbox = services.sandbox_for("juicyway")
    sandbox.echo_override = ("USD", 1250)
    outcome = _juicyway(services, people, currency="NGN")
    assert outcome.kind == "error"
    assert "12.50 USD" in outcome.message and "NGN" in outcome.message
    [order] = _orders(services)
    assert order.checkout_url is None and order.status != "PAID"
    assert sandbox.find(order.merchant_order_id).captures == 0


def test_juicyway_news_of_another_currency_is_a_visible_conflict(
        services: Services, people) -> None:
    """The session was asked and answered in NGN; the payment Juicyway later reports (and the
    query confirms) is in USD: nothing is booked, the order needs review, reconciliation shows
    it, and the conflict is audited once however often the news comes."""
    sandbox = services.sandbox_for("juicyway")
    outcome = _juicyway(services, people, currency="NGN")
    assert outcome.kind == "success", outcome.message
    order = outcome.request
    sandbox.find(order.merchant_order_id).currency = "USD"
    sandbox.webhook_copies = 2
    sandbox.pay(order.provider_order_id)
    sandbox.advance(30)
    [after] = _orders(services)
    assert after.status in ("INITIAL", "PENDING") and after.paid_at is None
    assert (after.amount, after.currency) == (Decimal("12.50"), "NGN")  # ours, never theirs
    assert after.review_note and "USD" in after.review_note and "NGN" in after.review_note
    assert _actions(services, order.id).count("order.currency_mismatch") == 1
    with services.uow() as uow:
        outcomes = list(uow.session.exec(select(WebhookDelivery.outcome).where(
            WebhookDelivery.provider == "juicyway").order_by(col(WebhookDelivery.id))))
        rows = ledger_rows(uow.session, after.created_at - timedelta(days=1),
                           services.now() + timedelta(days=1))
    # The second copy is a duplicate delivery: recorded, never applied again.
    assert outcomes[0] == "confirmed:needs_review" and "duplicate" in outcomes
    assert [r[8] for r in rows if r[2] == after.merchant_order_id] == [NEEDS_REVIEW]
