"""MonetixProvider against the in-process Monetix sandbox: what the shared contract suite does not
reach (who pays, repeats after "3041", every order state, refund and payout refusals, COF)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from services.providers import base
from services.providers import errors as neutral
from services.providers.base import ContractState, OrderState, RefundState
from services.providers.events import EventKind
from services.providers.monetix import MonetixClient
from services.providers.monetix.provider import MonetixProvider, customer_id_for
from services.providers.monetix.sandbox import (
    CollectingSink,
    MonetixSandbox,
    SandboxClock,
    SandboxTransport,
)
from tests.providers.faulty_transport import FaultyTransport

PROJECT, SECRET = 777, "provider-test-secret"
SALE, STATUS, REFUND = "/v2/payment/unify/sale", "/v2/payment/status", "/v2/payment/unify/refund"
PAYOUT = "/v2/payment/unify/payout"
PAYER = base.Payer(first_name="Ada", last_name="Okafor", email="Ada@Example.com",
                   phone_number="+49301234567", country="DE")


@dataclass
class World:
    sandbox: MonetixSandbox
    faults: FaultyTransport
    provider: MonetixProvider
    sink: CollectingSink

    def create(self, payment_id: str, amount: str = "40.00",
               payer: base.Payer | None = PAYER) -> base.CreatedOrder:
        return self.provider.create_order(
            merchant_order_id=payment_id, amount=Decimal(amount), currency="EUR",
            description="Invoice 7", goods_name="Consulting", payer=payer)

    def paid(self, payment_id: str, amount: str = "40.00") -> None:
        self.create(payment_id, amount)
        self.sandbox.advance(2)
        self.sandbox.pay(payment_id)
        self.sandbox.advance(2)

    def sent(self, path: str) -> int:
        return sum(1 for _, p in self.faults.applied if p == path)

    def state(self, payment_id: str) -> OrderState:
        return self.provider.get_order(merchant_order_id=payment_id).state


def _world(operator_ip: str | None = "203.0.113.7") -> World:
    sink = CollectingSink()
    sandbox = MonetixSandbox(PROJECT, SECRET, clock=SandboxClock(frozen_at_ms=1_700_000_000_000),
                             callback_sink=sink)
    faults = FaultyTransport(SandboxTransport(sandbox))
    client = MonetixClient(PROJECT, SECRET, base_url="https://gate.sandbox.test",
                           transport=faults, sleep=lambda _s: None)
    return World(sandbox, faults, MonetixProvider(client, operator_ip=operator_ip), sink)


@pytest.fixture
def world() -> World:
    return _world()


# -- who pays -----------------------------------------------------------------------------------


def test_the_customer_id_is_stable_per_e_mail_and_the_callers_own_id_wins(world: World) -> None:
    world.create("who-1")
    sent = world.sandbox.world.payments["who-1"].customer
    assert sent["id"] == customer_id_for(PAYER) == customer_id_for(
        base.Payer("A", "O", " ada@example.COM ", "", ""))
    assert "ada" not in sent["id"].lower()  # the id carries no personal data
    assert sent["ip_address"] == "203.0.113.7"  # nobody saw the payer: the operator's address
    own = base.Payer("Ada", "Okafor", "ada@example.com", "", "", customer_id="crm-991",
                     ip_address="198.51.100.47")
    world.create("who-2", payer=own)
    sent = world.sandbox.world.payments["who-2"].customer
    assert (sent["id"], sent["ip_address"]) == ("crm-991", "198.51.100.47")


def test_without_a_payer_or_any_ip_nothing_is_sent() -> None:
    world = _world(operator_ip=None)
    with pytest.raises(neutral.InvalidParameterError, match="IP address"):
        world.create("ip-1")
    with pytest.raises(neutral.InvalidParameterError, match="name and e-mail"):
        world.create("ip-2", payer=None)
    assert world.faults.applied == []
    with pytest.raises(ValueError):
        MonetixProvider(world.provider.client, operator_ip="not-an-ip")


# -- creating, and repeating a create -------------------------------------------------------


def test_a_repeated_create_is_the_same_payment_and_another_under_the_id_is_a_conflict(
        world: World) -> None:
    first = world.create("rep-1")
    again = world.create("rep-1")  # Monetix answers 3041; the status shows it is ours
    assert again == first and again.links_pending and world.sent(SALE) == 2
    with pytest.raises(neutral.DuplicateRequestError) as caught:
        world.create("rep-1", amount="41.00")
    assert not caught.value.outcome_unknown  # a different payment: a plain refusal


def test_a_repeated_payout_or_charge_is_the_same_one_and_not_a_second(world: World) -> None:
    line = _line("rp-1")
    first = world.provider.create_payout_batch(batch_request_id="rp-1", batch_name="May",
                                               currency="EUR", lines=[line])
    again = world.provider.create_payout_batch(batch_request_id="rp-1", batch_name="May",
                                               currency="EUR", lines=[line])
    assert again == first and world.sent(PAYOUT) == 2
    assert len(world.sandbox.world.payments["rp-1"].operations) == 1
    other = base.PayoutLineRequest(merchant_line_id="rp-1", receiver_type="BINANCE_ID",
                                   receiver="99999999", amount=Decimal("5.00"), payee=PAYER)
    with pytest.raises(neutral.DuplicateRequestError) as caught:
        world.provider.create_payout_batch(batch_request_id="rp-1", batch_name="May",
                                           currency="EUR", lines=[other])
    assert not caught.value.outcome_unknown  # another recipient: a plain refusal
    with pytest.raises(neutral.DuplicateRequestError):  # a charge cannot reuse a payout's id
        world.provider.debit(merchant_request_id="rp-1", provider_contract_id="1",
                             amount=Decimal("5.00"), currency="EUR", product_name="x",
                             payer=PAYER)


def test_the_qr_comes_on_the_intermediate_callback_with_its_expiry(world: World) -> None:
    created = world.create("qr-1")
    assert created.links == base.CheckoutLinks() and created.expires_at is None
    world.sandbox.advance(2)
    [event] = [world.provider.parse_event({}, body) for body in world.sink.received]
    assert (event.kind, event.state, event.merchant_id) == (EventKind.PAYMENT,
                                                            OrderState.PENDING, "qr-1")
    assert event.details["links"].qr_code_link.endswith("/qr.png")
    assert event.details["expires_at"] is not None


# -- order states from operations -------------------------------------------------------------


def test_an_unpaid_qr_expires_and_a_payer_who_cancels_cancels(world: World) -> None:
    world.create("exp-1")
    world.create("can-1")
    world.sandbox.advance(2)
    world.sandbox.decline("can-1", "20301")
    world.sandbox.advance(20 * 60)
    assert world.state("exp-1") is OrderState.EXPIRED
    assert world.state("can-1") is OrderState.CANCELED


def test_refund_states_come_from_the_operations_not_from_the_payment_status(
        world: World) -> None:
    world.paid("rf-1")
    world.sandbox.fail_next_refund("rf-1")
    result = world.provider.refund(refund_request_id="rf-1-r1", provider_order_id="rf-1",
                                   amount=Decimal("15.00"), reason="damaged")
    assert world.state("rf-1") is OrderState.REFUNDING
    world.sandbox.advance(5)
    # Declined: the payment still says "success" and the order is simply paid.
    declined = world.provider.get_refund(refund_request_id="rf-1-r1", provider_order_id="rf-1",
                                         provider_refund_id=result.provider_refund_id)
    assert declined.state is RefundState.FAILED and declined.refunded_total == 0
    assert world.state("rf-1") is OrderState.PAID
    world.provider.refund(refund_request_id="rf-1-r2", provider_order_id="rf-1",
                          amount=Decimal("40.00"))
    world.sandbox.advance(5)
    order = world.provider.get_order(provider_order_id="rf-1")
    assert (order.state, order.amount) == (OrderState.REFUNDED, Decimal("40.00"))


def test_refusing_a_refund_of_an_unpaid_payment_sends_nothing(world: World) -> None:
    world.create("up-1")
    with pytest.raises(neutral.InvalidStatusError):
        world.provider.refund(refund_request_id="up-1-r", provider_order_id="up-1",
                              amount=Decimal(1))
    assert world.sent(REFUND) == 0


def test_a_failed_check_before_a_refund_says_nothing_was_sent(world: World) -> None:
    world.paid("chk-1")
    world.faults.fail(STATUS, "lose_request", times=None)
    with pytest.raises(neutral.ProviderError) as caught:
        world.provider.refund(refund_request_id="chk-1-r", provider_order_id="chk-1",
                              amount=Decimal(1))
    assert not caught.value.outcome_unknown and world.sent(REFUND) == 0


def test_a_refund_is_found_only_through_its_payment(world: World) -> None:
    world.paid("gr-1")
    with pytest.raises(neutral.InvalidParameterError):
        world.provider.get_refund(refund_request_id="gr-1-r")
    with pytest.raises(neutral.NotFoundError):
        world.provider.get_refund(refund_request_id="gr-1-r", provider_order_id="gr-1")


# -- payouts -----------------------------------------------------------------------------------


def _line(batch: str, receiver: str = "12345678", kind: str = "BINANCE_ID",
          payee: base.Payer | None = PAYER) -> base.PayoutLineRequest:
    return base.PayoutLineRequest(merchant_line_id=batch, receiver_type=kind,
                                  receiver=receiver, amount=Decimal("5.00"), payee=payee)


def test_a_payout_by_e_mail_and_a_declined_one(world: World) -> None:
    world.provider.create_payout_batch(batch_request_id="po-1", batch_name="May",
                                       currency="EUR", lines=[_line("po-1", "bo@example.com",
                                                                    "EMAIL")])
    world.sandbox.fail_account("87654321")
    world.provider.create_payout_batch(batch_request_id="po-2", batch_name="May",
                                       currency="EUR", lines=[_line("po-2", "87654321")])
    world.sandbox.advance(10)
    ok = world.provider.get_payout_batch(batch_request_id="po-1")
    assert ok.state is base.PayoutBatchState.SUCCEEDED
    assert (ok.lines[0].receiver_type, ok.lines[0].receiver) == ("EMAIL", "bo@example.com")
    failed = world.provider.get_payout_batch(batch_request_id="po-2")
    assert failed.state is base.PayoutBatchState.FAILED
    assert failed.lines[0].state is base.PayoutLineState.FAILED and failed.total_paid == 0


@pytest.mark.parametrize("line, words", [
    (_line("other-id"), "one id"),
    (_line("po-x", kind="PHONE"), "not by PHONE"),
    (_line("po-x", payee=None), "recipient"),
])
def test_payouts_monetix_cannot_take_are_refused_before_sending(
        world: World, line: base.PayoutLineRequest, words: str) -> None:
    with pytest.raises(neutral.InvalidParameterError, match=words):
        world.provider.create_payout_batch(batch_request_id="po-x", batch_name="b",
                                           currency="EUR", lines=[line])
    assert world.sent(PAYOUT) == 0


# -- stored credentials ---------------------------------------------------------------------


def _contract(world: World, code: str, **extra: object) -> base.Contract:
    return world.provider.create_contract(merchant_contract_code=code, service_name="Gym",
                                          single_limit=Decimal("9.99"), currency="EUR",
                                          payer=PAYER, **extra)  # type: ignore[arg-type]


def test_a_registration_never_paid_expires_and_schedules_are_not_offered(world: World) -> None:
    _contract(world, "cof-1")
    world.sandbox.advance(20 * 60 + 5)
    assert world.provider.get_contract(merchant_contract_code="cof-1").state is (
        ContractState.EXPIRED)
    with pytest.raises(neutral.NotOfferedError, match="schedule"):
        _contract(world, "cof-2", periodic=True, cycle_type="MONTH", cycle_value=1)
    with pytest.raises(neutral.NotOfferedError, match="advance notice"):
        world.provider.notify_debit(merchant_request_id="n", provider_contract_id="1",
                                    estimated_amount=Decimal(1), currency="EUR")


def test_a_charge_of_another_amount_is_declined_and_a_customer_can_cancel(
        world: World) -> None:
    _contract(world, "cof-3")
    world.sandbox.advance(2)
    world.sandbox.pay("cof-3")
    world.sandbox.advance(2)
    signed = world.provider.get_contract(merchant_contract_code="cof-3")
    assert signed.state is ContractState.SIGNED and signed.payer_id == customer_id_for(PAYER)
    assert signed.provider_contract_id
    world.provider.debit(merchant_request_id="ch-1",
                         provider_contract_id=signed.provider_contract_id,
                         amount=Decimal("5.00"), currency="EUR", product_name="Gym", payer=PAYER)
    world.sandbox.advance(5)
    assert world.state("ch-1") is OrderState.ERROR  # "must match the registered amount"
    world.sandbox.customer_cancels(signed.provider_contract_id)
    world.sandbox.advance(5)
    ended = world.provider.get_contract(merchant_contract_code="cof-3")
    assert ended.state is ContractState.TERMINATED
    assert ended.termination_way == "Subscription is canceled by customer"


def test_what_monetix_lacks_is_refused_in_words(world: World) -> None:
    world.create("no-1")
    with pytest.raises(neutral.NotOfferedError, match="20 minutes"):
        world.provider.close_order(merchant_order_id="no-1")
    with pytest.raises(neutral.NotOfferedError, match="Dashboard"):
        world.provider.get_balances()
    with pytest.raises(neutral.NotOfferedError, match="Reconciliation"):
        world.provider.get_report(report_type="x", start=None, end=None)  # type: ignore[arg-type]
    assert world.provider.get_certificates() == ()
    with pytest.raises(neutral.NotFoundError):
        world.provider.get_order(merchant_order_id="never-made")
    world.provider.create_payout_batch(batch_request_id="po-9", batch_name="b",
                                       currency="EUR", lines=[_line("po-9")])
    with pytest.raises(neutral.NotFoundError, match="payout"):
        world.provider.get_order(merchant_order_id="po-9")
