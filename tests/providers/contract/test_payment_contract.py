"""The provider contract: every provider's sandbox must pass these through the neutral port.

A new provider is done when its kit (conftest.py) passes them all.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest

from services.providers import errors as neutral
from services.providers.base import OrderState, PaymentProvider
from services.providers.capabilities import PayoutMode, RecurringMode
from services.providers.events import EventKind

from .conftest import Kit

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
    [(headers, body)] = kit.notifications()
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
    result = kit.provider.refund(refund_request_id=refund_id,
                                 provider_order_id=created.provider_order_id,
                                 amount=Decimal("10.00"))
    assert (result.refund_request_id, result.amount) == (refund_id, Decimal("10.00"))
    assert kit.provider.get_refund(refund_request_id=refund_id).refund_request_id == refund_id


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
