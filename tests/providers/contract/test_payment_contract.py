"""The provider contract: every provider's sandbox must pass these through the neutral port.

A new provider is done when its kit (conftest.py) passes them all.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest

from services.providers import errors as neutral
from services.providers.base import (
    CheckoutLinks,
    ContractState,
    OrderState,
    PaymentProvider,
    PayoutBatchState,
    PayoutLineRequest,
    PayoutLineState,
    RefundState,
)
from services.providers.capabilities import PayoutMode, RecurringMode
from services.providers.events import EventKind

from .conftest import PAYER, Kit

_ids = itertools.count(1)


def merchant_id() -> str:
    return f"CT{next(_ids):06d}{random.randrange(10**6):06d}"


def test_the_port_and_its_capabilities_are_declared(kit: Kit) -> None:
    assert isinstance(kit.provider, PaymentProvider)
    caps = kit.provider.capabilities  # type: ignore[attr-defined]
    assert caps.provider == kit.provider.name
    assert kit.currency in caps.payment_currencies


def test_created_payment_is_open_and_found_by_either_id(kit: Kit) -> None:
    mid = merchant_id()
    created = kit.create(mid)
    assert created.merchant_order_id == mid and created.provider_order_id
    assert (created.amount, created.currency) == (kit.amount, kit.currency)
    if created.links_pending:
        # The links come later, on the payment's own notification (Monetix display_data).
        assert created.links == CheckoutLinks()
        kit.advance(5)
        shown = [e for e in kit.events()
                 if e.kind is EventKind.PAYMENT and e.merchant_id == mid
                 and isinstance(e.details.get("links"), CheckoutLinks)]
        assert shown, "a create that promises links must deliver them in a notification"
        [event] = shown
        assert event.state is OrderState.PENDING
        assert event.details["links"].qr_code_link or event.details["links"].checkout_url
    else:
        assert created.links.qr_code_link or created.links.checkout_url
    by_ours = kit.provider.get_order(merchant_order_id=mid)
    by_theirs = kit.provider.get_order(provider_order_id=created.provider_order_id)
    for status in (by_ours, by_theirs):
        assert status.provider_order_id == created.provider_order_id
        assert status.merchant_order_id == mid
        assert status.state in (OrderState.CREATED, OrderState.PENDING)
        assert (status.amount, status.currency) == (kit.amount, kit.currency)


def test_payment_is_reported_paid_by_query_and_by_a_verified_notification(kit: Kit) -> None:
    mid = merchant_id()
    created = kit.create(mid)
    kit.notifications()
    kit.pay(created)
    assert kit.provider.get_order(merchant_order_id=mid).state is OrderState.PAID
    events = [kit.parse(headers, body) for headers, body in kit.notifications()]
    paid = [e for e in events if e.kind is EventKind.PAYMENT and e.state is OrderState.PAID]
    assert len(paid) == 1
    [event] = paid
    assert event.provider == kit.provider.name
    assert (event.merchant_id, event.provider_id) == (mid, created.provider_order_id)
    assert (event.amount, event.currency) == (kit.amount, kit.currency)


def test_a_repeated_notification_reads_identically_and_a_changed_one_is_refused(kit) -> None:
    created = kit.create(merchant_id())
    kit.pay(created)
    delivered = kit.notifications()
    assert delivered
    headers, body = delivered[-1]  # the payment's final word (Monetix sends the QR first)
    first, again = kit.parse(headers, body), kit.parse(dict(headers), bytes(body))
    assert first == again and first.identity == again.identity
    tampered = body.replace(str(kit.amount).encode(), b"99999").replace(b"2517", b"9999999")
    assert tampered != body
    with pytest.raises(neutral.ProviderError):
        kit.parse(headers, tampered)


def test_notifications_in_any_order_read_the_same(kit: Kit) -> None:
    orders = [kit.create(merchant_id()) for _ in range(4)]
    for created in orders:
        kit.pay(created)
    delivered = kit.notifications()
    in_order = sorted(kit.parse(h, b).identity for h, b in delivered)
    shuffled = delivered * 2
    random.Random(7).shuffle(shuffled)
    assert sorted({kit.parse(h, b).identity for h, b in shuffled}) == in_order


def test_refund_where_offered_and_refused_in_words_where_not(kit: Kit) -> None:
    caps = kit.provider.capabilities  # type: ignore[attr-defined]
    created = kit.create(merchant_id())
    kit.pay(created)
    before = len(kit.faults.applied)
    if not caps.refund:
        with pytest.raises(neutral.NotOfferedError, match=caps.title):
            kit.provider.refund(refund_request_id=merchant_id(),
                                provider_order_id=created.provider_order_id,
                                amount=Decimal("1.00"))
        assert len(kit.faults.applied) == before  # nothing was sent
        return
    refund_id = merchant_id()
    kit.notifications()
    result = kit.provider.refund(refund_request_id=refund_id,
                                 provider_order_id=created.provider_order_id,
                                 amount=Decimal("10.00"))
    assert (result.refund_request_id, result.amount) == (refund_id, Decimal("10.00"))
    assert result.order_amount == kit.amount
    kit.advance(30)
    settled = kit.provider.get_refund(refund_request_id=refund_id,
                                      provider_order_id=created.provider_order_id,
                                      provider_refund_id=result.provider_refund_id)
    assert (settled.refund_request_id, settled.amount) == (refund_id, Decimal("10.00"))
    assert settled.state is RefundState.SUCCEEDED
    assert settled.refunded_total == Decimal("10.00")
    order = kit.provider.get_order(provider_order_id=created.provider_order_id)
    assert order.state is OrderState.PARTIALLY_REFUNDED
    assert order.amount == kit.amount  # the payment's amount, not what is left of it
    refunds = [e for e in kit.events()
               if e.kind is EventKind.REFUND and e.state is RefundState.SUCCEEDED]
    assert len(refunds) == 1
    # A provider names the refund by our id, or (Monetix) by its payment.
    assert refund_id == refunds[0].merchant_id or (
        refunds[0].merchant_id is None
        and refunds[0].parent_merchant_id == created.merchant_order_id)
    assert (refunds[0].amount, refunds[0].currency) == (Decimal("10.00"), kit.currency)


def test_a_refund_applied_then_lost_is_never_refused_nor_sent_twice(kit: Kit) -> None:
    caps = kit.provider.capabilities  # type: ignore[attr-defined]
    if not caps.refund:
        pytest.skip(f"{caps.title} offers no refunds: {caps.why_not('refund')}")
    created = kit.create(merchant_id())
    kit.pay(created)
    refund_id, order_id = merchant_id(), created.provider_order_id
    kit.faults.fail(kit.refund_path, "apply_then_timeout")
    with pytest.raises(neutral.ProviderError) as caught:
        kit.provider.refund(refund_request_id=refund_id, provider_order_id=order_id,
                            amount=Decimal("10.00"))
    assert caught.value.outcome_unknown
    # The query either finds it or says it cannot tell; "not found" would invite a resend.
    try:
        found = kit.provider.get_refund(refund_request_id=refund_id, provider_order_id=order_id)
        assert found.amount == Decimal("10.00")
    except neutral.ProviderError as exc:
        assert exc.outcome_unknown and not isinstance(exc, neutral.NotFoundError)
    # Repeating it with the same id, before and after it settles, moves no more money.
    for _ in range(2):
        try:
            kit.provider.refund(refund_request_id=refund_id, provider_order_id=order_id,
                                amount=Decimal("10.00"))
        except neutral.ProviderError as exc:
            assert exc.outcome_unknown, f"a repeat must not read as refused: {exc}"
        kit.advance(30)
    assert kit.refunded(created) == Decimal("10.00")


def test_close_payout_and_recurring_follow_the_capabilities(kit: Kit) -> None:
    caps = kit.provider.capabilities  # type: ignore[attr-defined]
    created = kit.create(merchant_id())
    if caps.close_payment:
        kit.provider.close_order(provider_order_id=created.provider_order_id)
        assert kit.provider.get_order(provider_order_id=created.provider_order_id).state in (
            OrderState.CANCELED, OrderState.EXPIRED)
    else:
        with pytest.raises(neutral.NotOfferedError):
            kit.provider.close_order(provider_order_id=created.provider_order_id)
    if caps.payouts is PayoutMode.NONE:
        with pytest.raises(neutral.NotOfferedError):
            kit.provider.create_payout_batch(batch_request_id=merchant_id(), batch_name="b",
                                             currency=kit.currency, lines=())
    if caps.recurring is RecurringMode.NONE:
        with pytest.raises(neutral.NotOfferedError):
            kit.provider.create_contract(merchant_contract_code=merchant_id(),
                                         service_name="Gym", single_limit=Decimal(5),
                                         currency=kit.currency)
    if not caps.balances:
        with pytest.raises(neutral.NotOfferedError, match=caps.title):
            kit.provider.get_balances()


def test_a_payout_where_offered_reaches_its_recipient(kit: Kit) -> None:
    caps = kit.provider.capabilities  # type: ignore[attr-defined]
    if caps.payouts is PayoutMode.NONE:
        pytest.skip(f"{caps.title} offers no payouts to Binance users: {caps.why_not('payouts')}")
    batch_id = merchant_id()
    # One line named like its batch: what a single-payout provider needs, fine for a batch one.
    line = PayoutLineRequest(merchant_line_id=batch_id, receiver_type="BINANCE_ID",
                             receiver="12345678", amount=Decimal("7.50"), payee=PAYER)
    kit.notifications()
    accepted = kit.provider.create_payout_batch(
        batch_request_id=batch_id, batch_name="Contract payout", currency=kit.payout_currency,
        lines=[line])
    assert accepted.batch_request_id == batch_id
    kit.advance(120)
    batch = kit.provider.get_payout_batch(batch_request_id=batch_id)
    assert batch.state is PayoutBatchState.SUCCEEDED
    [paid] = batch.lines
    assert (paid.merchant_line_id, paid.receiver, paid.amount) == (batch_id, "12345678",
                                                                   Decimal("7.50"))
    assert paid.state is PayoutLineState.SUCCEEDED
    # Told by a notification of the batch (Binance Pay) or of its one line (Monetix).
    done = [e for e in kit.events()
            if (e.kind, e.state) in ((EventKind.PAYOUT, PayoutBatchState.SUCCEEDED),
                                     (EventKind.PAYOUT_LINE, PayoutLineState.SUCCEEDED))]
    assert [e.merchant_id for e in done] == [batch_id]
    if caps.payouts is PayoutMode.SINGLE:
        two = [line, PayoutLineRequest(merchant_line_id=merchant_id(), receiver_type="EMAIL",
                                       receiver="bo@example.com", amount=Decimal(1),
                                       payee=PAYER)]
        before = len(kit.faults.applied)
        with pytest.raises(neutral.InvalidParameterError):
            kit.provider.create_payout_batch(batch_request_id=merchant_id(), batch_name="b",
                                             currency=kit.payout_currency, lines=two)
        assert len(kit.faults.applied) == before  # refused before anything was sent


def test_a_mandate_where_offered_is_signed_charged_and_ended(kit: Kit) -> None:
    caps = kit.provider.capabilities  # type: ignore[attr-defined]
    if caps.recurring is RecurringMode.NONE:
        pytest.skip(f"{caps.title} offers no recurring payments: {caps.why_not('recurring')}")
    code, limit = merchant_id(), Decimal("12.00")
    made = kit.provider.create_contract(merchant_contract_code=code, service_name="Gym",
                                        single_limit=limit, currency=kit.debit_currency,
                                        payer=PAYER)
    assert made.state is ContractState.AWAITING_SIGNATURE
    assert kit.provider.get_contract(merchant_contract_code=code).state is (
        ContractState.AWAITING_SIGNATURE)
    kit.sign(made)
    signed = kit.provider.get_contract(merchant_contract_code=code)
    assert signed.state is ContractState.SIGNED and signed.provider_contract_id
    assert signed.single_limit == limit
    if caps.recurring is RecurringMode.STORED_CREDENTIAL:
        with pytest.raises(neutral.NotOfferedError):
            kit.provider.notify_debit(merchant_request_id=merchant_id(),
                                      provider_contract_id=signed.provider_contract_id,
                                      estimated_amount=limit, currency=kit.debit_currency)
    debit_id = merchant_id()
    debit = kit.provider.debit(merchant_request_id=debit_id,
                               provider_contract_id=signed.provider_contract_id, amount=limit,
                               currency=kit.debit_currency, product_name="Gym, one month",
                               payer=PAYER)
    assert debit.merchant_request_id == debit_id and debit.provider_order_id
    kit.advance(30)
    charged = kit.provider.get_order(provider_order_id=debit.provider_order_id)
    assert charged.state is OrderState.PAID and charged.amount == limit
    kit.provider.terminate_contract(merchant_contract_code=code,
                                    provider_contract_id=signed.provider_contract_id)
    kit.advance(30)
    assert kit.provider.get_contract(merchant_contract_code=code).state is (
        ContractState.TERMINATED)


@pytest.mark.parametrize("mode", ["apply_then_timeout", "apply_then_5xx"])
def test_a_create_applied_then_lost_never_makes_a_second_payment(kit: Kit, mode: str) -> None:
    mid = merchant_id()
    kit.faults.fail(kit.create_path, mode)
    try:
        created = kit.create(mid)
    except neutral.ProviderError as exc:
        assert exc.outcome_unknown, f"{mode} must leave the outcome unknown, not refused"
        created = None
    found = kit.provider.get_order(merchant_order_id=mid)
    if created is not None:
        assert found.provider_order_id == created.provider_order_id
    creates = [p for _, p in kit.faults.applied if p == kit.create_path]
    assert len(creates) == 1


def test_refused_connections_are_a_refusal_and_nothing_exists(kit: Kit) -> None:
    mid = merchant_id()
    kit.faults.fail(kit.create_path, "refuse", times=None)
    with pytest.raises(neutral.ProviderError) as caught:
        kit.create(mid)
    assert not caught.value.outcome_unknown
    kit.faults.rules.clear()
    with pytest.raises(neutral.NotFoundError):
        kit.provider.get_order(merchant_order_id=mid)


def test_a_lost_request_is_unknown_until_a_query_says_otherwise(kit: Kit) -> None:
    mid = merchant_id()
    kit.faults.fail(kit.create_path, "lose_request")
    with pytest.raises(neutral.ProviderError) as caught:
        kit.create(mid)
    assert caught.value.outcome_unknown
    with pytest.raises(neutral.NotFoundError):
        kit.provider.get_order(merchant_order_id=mid)
    assert kit.create(mid).merchant_order_id == mid  # only now may it go out again


def test_a_slow_answer_is_waited_for_and_makes_one_payment(kit: Kit) -> None:
    waited: list[float] = []  # float-ok: seconds
    kit.faults.sleep = waited.append
    mid = merchant_id()
    kit.faults.fail(kit.create_path, "delay", delay_s=20)
    created = kit.create(mid)
    assert waited == [20]
    assert kit.provider.get_order(merchant_order_id=mid).provider_order_id == (
        created.provider_order_id)
    assert [p for _, p in kit.faults.applied if p == kit.create_path] == [kit.create_path]
