"""The Juicyway client against its sandbox: payment requests, queries, webhooks and faults."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import uvicorn

from services.providers import errors as neutral
from services.providers.base import OrderState
from services.providers.events import InboundEvent
from services.providers.juicyway import errors, webhooks
from services.providers.juicyway.client import JuicywayClient
from services.providers.juicyway.models import Customer
from services.providers.juicyway.sandbox import (
    CollectingSink,
    FaultKind,
    JuicywaySandbox,
    SandboxTransport,
    create_app,
)

API_KEY = "test_sandbox_key_0001"
BUSINESS_ID = "3d6c9e2e-1caf-4807-97ff-bbd35fc4dc1b"
CUSTOMER = Customer(first_name="Tolu", last_name="Adébáyọ̀", email="t@example.com",
                    phone_number="+2348012345678", country="NG")


@pytest.fixture
def sink() -> CollectingSink:
    return CollectingSink()


@pytest.fixture
def sandbox(sink: CollectingSink) -> JuicywaySandbox:
    return JuicywaySandbox(API_KEY, BUSINESS_ID, sink=sink)


def client_for(sandbox: JuicywaySandbox, **kwargs) -> JuicywayClient:  # type: ignore[no-untyped-def]
    return JuicywayClient(API_KEY, base_url="http://juicyway.test",
                          transport=SandboxTransport(sandbox), sleep=lambda _s: None, **kwargs)


def request(client: JuicywayClient, reference: str = "PD-0001", amount: str = "12.50"):  # type: ignore[no-untyped-def]
    return client.create_payment_request(
        reference=reference, amount=Decimal(amount), currency="USD", customer=CUSTOMER,
        description="Annual plan", order_identifier=reference, item_name="Annual plan",
    )


def events(sink: CollectingSink) -> list[InboundEvent]:
    return [webhooks.parse_event({}, body, business_id=BUSINESS_ID) for body in sink.received]


def test_a_payment_request_is_initialised_and_captured_once(sandbox: JuicywaySandbox) -> None:
    created = request(client_for(sandbox))
    assert created.amount == Decimal("12.50") and created.currency == "USD"
    assert created.links.qr_url and created.links.deeplink.startswith("bnc://")
    assert created.links.checkout_url and created.links.payment_url
    assert created.expires_at == sandbox.find("PD-0001").expires_at
    assert sandbox.find("PD-0001").captures == 1


@pytest.mark.parametrize("bearer", [False, True])
def test_both_documented_auth_header_forms_are_accepted(sandbox, bearer: bool) -> None:
    assert request(client_for(sandbox, bearer=bearer)).provider_payment_id


def test_a_wrong_key_is_an_authentication_error(sandbox: JuicywaySandbox) -> None:
    client = JuicywayClient("test_wrong", base_url="http://j.test",
                            transport=SandboxTransport(sandbox))
    with pytest.raises(neutral.AuthenticationError):
        request(client)


def test_paid_session_sends_a_verified_success_confirmed_by_query(sandbox, sink) -> None:
    client = client_for(sandbox)
    created = request(client)
    sandbox.pay(created.provider_payment_id)
    sandbox.tick()
    [event] = events(sink)
    assert event.state is OrderState.PAID and event.merchant_id == "PD-0001"
    confirmed = client.get_payment(event.provider_id)
    assert webhooks.state_of(confirmed) is OrderState.PAID
    assert (confirmed.amount, confirmed.currency) == (Decimal("12.50"), "USD")


def test_validation_errors_name_the_field(sandbox: JuicywaySandbox) -> None:
    bad = Customer(first_name="T0lu", last_name="A", email="nope", phone_number="080",
                   country="NG")
    with pytest.raises(errors.ValidationFailed) as caught:
        client_for(sandbox).create_payment_request(
            reference="PD-9", amount=Decimal("0.50"), currency="USD", customer=bad,
            description="x")
    fields = {name for name, _ in caught.value.fields}
    assert fields == {"amount", "customer.first_name", "customer.email",
                      "customer.phone_number"}


def test_a_reused_reference_is_refused(sandbox: JuicywaySandbox) -> None:
    client = client_for(sandbox)
    request(client)
    with pytest.raises(errors.ValidationFailed):
        client.initialise_session(reference="PD-0001", amount=Decimal(2), currency="USD",
                                  customer=CUSTOMER, description="again")


def test_echo_mismatch_is_a_conflict_never_a_request(sandbox: JuicywaySandbox) -> None:
    sandbox.echo_override = ("USD", 100)
    with pytest.raises(errors.EchoMismatch) as caught:
        client_for(sandbox).create_payment_request(
            reference="PD-NGN", amount=Decimal("1000.00"), currency="NGN", customer=CUSTOMER,
            description="Annual plan")
    assert (caught.value.asked_amount, caught.value.asked_currency) == (Decimal("1000.00"), "NGN")
    assert (caught.value.echoed_amount, caught.value.echoed_currency) == (Decimal("1.00"), "USD")
    assert sandbox.find("PD-NGN").captures == 0  # nothing captured on a mismatched session


def test_capture_after_expiry_is_payment_expired_and_expiry_sends_failed(sandbox, sink) -> None:
    client = client_for(sandbox)
    session = client.initialise_session(reference="PD-E", amount=Decimal(5), currency="USD",
                                        customer=CUSTOMER, description="x")
    client.capture_session(provider_payment_id=session.payment.id, reference="PD-E")
    sandbox.advance(31 * 60)
    [event] = events(sink)
    assert event.state is OrderState.EXPIRED
    assert client.get_payment(session.payment.id).cancellation_reason == "expired"
    with pytest.raises(errors.PaymentExpired):
        client.capture_session(provider_payment_id=session.payment.id, reference="PD-E2")


def test_a_cancelled_session_cannot_be_captured(sandbox: JuicywaySandbox) -> None:
    client = client_for(sandbox)
    session = client.initialise_session(reference="PD-C", amount=Decimal(5), currency="USD",
                                        customer=CUSTOMER, description="x")
    sandbox.cancel(session.payment.id)
    with pytest.raises(errors.PaymentCancelled):
        client.capture_session(provider_payment_id=session.payment.id, reference="PD-C")


def test_a_late_success_after_expiry_is_delivered(sandbox, sink) -> None:
    created = request(client_for(sandbox))
    sandbox.advance(3600)
    sandbox.pay(created.provider_payment_id, late=True)
    sandbox.tick()
    states = [e.state for e in events(sink)]
    assert states == [OrderState.EXPIRED, OrderState.PAID]


def test_without_success_webhooks_only_polling_finds_the_payment(sandbox, sink) -> None:
    sandbox.success_webhooks = False
    client = client_for(sandbox)
    created = request(client)
    sandbox.pay(created.provider_payment_id)
    sandbox.tick()
    assert sink.received == []
    assert client.get_payment(created.provider_payment_id).status == "settled"


def test_duplicate_webhooks_are_identical_and_retried_until_acknowledged(sandbox) -> None:
    answers = iter([500, 0, 200, 200])
    received: list[bytes] = []

    def flaky(headers, body):  # type: ignore[no-untyped-def]
        received.append(body)
        return next(answers)

    sandbox.sink = flaky
    sandbox.webhook_copies = 2
    created = request(client_for(sandbox))
    sandbox.pay(created.provider_payment_id)
    for _ in range(4):
        sandbox.advance(3600)
    assert len(received) == 4 and len(set(received)) == 1
    assert all(d.done for d in sandbox.outbox.deliveries)


def test_refused_connections_are_retried_and_never_unknown(sandbox: JuicywaySandbox) -> None:
    sandbox.faults.set("/payment-sessions", FaultKind.REFUSE_CONNECTION, times=None)
    with pytest.raises(neutral.TransientServerError) as caught:
        request(client_for(sandbox))
    assert not caught.value.outcome_unknown
    assert sandbox.find("PD-0001") is None


def test_rate_limit_is_waited_out(sandbox: JuicywaySandbox) -> None:
    waits: list[float] = []
    sandbox.faults.set("/payment-sessions", FaultKind.RATE_LIMITED, delay_s=7)
    client = JuicywayClient(API_KEY, base_url="http://j.test", transport=SandboxTransport(sandbox),
                            sleep=waits.append)
    assert request(client).provider_payment_id
    assert waits and waits[0] >= 7


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT_AFTER_APPLYING,
                                  FaultKind.HTTP_5XX_AFTER_APPLYING])
def test_initialise_applied_then_lost_is_found_by_reference(sandbox, kind) -> None:
    client = client_for(sandbox)
    sandbox.faults.set("/payment-sessions", kind)  # the initialise only (exact path)
    since = sandbox.clock.now() - timedelta(minutes=1)
    created = client.create_payment_request(
        reference="PD-L", amount=Decimal("3.00"), currency="USD", customer=CUSTOMER,
        description="x", since=since)
    record = sandbox.find("PD-L")
    assert created.provider_payment_id == record.id and record.captures == 1


@pytest.mark.parametrize("kind", [FaultKind.TIMEOUT_AFTER_APPLYING,
                                  FaultKind.HTTP_5XX_AFTER_APPLYING])
def test_capture_applied_then_lost_is_never_sent_twice(sandbox, kind) -> None:
    client = client_for(sandbox)
    session = client.initialise_session(reference="PD-K", amount=Decimal(3), currency="USD",
                                        customer=CUSTOMER, description="x")
    sandbox.faults.set(f"/payment-sessions/{session.payment.id}", kind)
    since = sandbox.clock.now() - timedelta(minutes=1)
    created = client.create_payment_request(
        reference="PD-K", amount=Decimal(3), currency="USD", customer=CUSTOMER,
        description="x", since=since)
    assert created.links.qr_url
    assert sandbox.find("PD-K").captures == 1


def test_a_lost_initialise_that_never_arrived_stays_unknown(sandbox: JuicywaySandbox) -> None:
    sandbox.faults.set("/payment-sessions", FaultKind.TIMEOUT_BEFORE_APPLYING)
    with pytest.raises(neutral.UnknownOutcomeError):
        request(client_for(sandbox))
    # Nothing was created; the caller's later look-up says so and only then may it send again.
    assert sandbox.find("PD-0001") is None
    assert request(client_for(sandbox)).provider_payment_id


def test_reads_are_retried_after_a_5xx(sandbox: JuicywaySandbox) -> None:
    client = client_for(sandbox)
    created = request(client)
    sandbox.faults.set("/payments", FaultKind.HTTP_5XX, times=2)
    assert client.get_payment(created.provider_payment_id).status == "pending"


def test_listing_follows_the_cursor_and_date_filters(sandbox: JuicywaySandbox) -> None:
    client = client_for(sandbox)
    start = sandbox.clock.now() - timedelta(seconds=1)
    for n in range(130):
        client.initialise_session(reference=f"PD-{n:04d}", amount=Decimal(1), currency="USD",
                                  customer=CUSTOMER, description="x")
    listed = list(client.iter_payments(created_after=start))
    assert len(listed) == 130 and len({s.payment.id for s in listed}) == 130
    assert client.find_by_reference("PD-0007", since=start).payment.reference == "PD-0007"
    assert list(client.iter_payments(created_before=start)) == []


def test_payment_ids_never_repeat_across_sandbox_restarts() -> None:
    first = request(client_for(JuicywaySandbox(API_KEY, BUSINESS_ID)))
    second = request(client_for(JuicywaySandbox(API_KEY, BUSINESS_ID)))
    assert first.provider_payment_id != second.provider_payment_id


@pytest.fixture
def served(sandbox: JuicywaySandbox) -> Iterator[str]:
    """The sandbox's ASGI app under uvicorn on 127.0.0.1 (a free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(sandbox, tick_interval_s=60),
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_over_http_with_the_control_api(sandbox: JuicywaySandbox, served: str) -> None:
    with JuicywayClient(API_KEY, base_url=served) as client, httpx.Client(base_url=served) as http:
        created = request(client)
        assert created.links.qr_url
        answer = http.post(f"/sandbox/payments/{created.provider_payment_id}/pay", json={})
        assert answer.status_code == 200 and answer.json()["payment"]["status"] == "settled"
        assert http.post("/sandbox/clock/advance", json={"seconds": 1}).status_code == 200
        assert [d["event"] for d in http.get("/sandbox/deliveries").json()] == [
            "payment.session.succeeded"]
        assert client.get_payment(created.provider_payment_id).status == "settled"
        assert http.get(f"/payments/{created.provider_payment_id}").status_code == 401
        assert http.post("/sandbox/payments/nope/pay", json={}).status_code == 400
        faulty = http.post("/sandbox/faults", json={"path": "/payments", "kind": "http_5xx"})
        assert faulty.status_code == 200
        assert client.get_payment(created.provider_payment_id).status == "settled"  # retried
