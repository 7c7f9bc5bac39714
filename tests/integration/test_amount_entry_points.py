"""Every service that takes a typed amount reads it with the one parser: hostile forms are a
field error naming the expected form, never an overflow, never a different number; a blank
refund amount is an error, a full refund an explicit choice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import DirectDebit, Refund
from services.mandates import debits
from services.orders import payment_requests
from services.refunds import commands as refunds
from services.entrypoints.bootstrap import Services
from services.core.errors import InputError
from services.orders.payment_requests import PaymentRequestInvalid
from tests.integration.money_helpers import paid_order, signed_mandate, staff

HOSTILE = ["1e1000000", "1e1", "1_0", "+5", "\uff15", "\u0665", "5e0"]


def _entry_points(services: Services):
    people = staff(services)
    olga = people["olga"]
    order = paid_order(services, "100")
    mandate = signed_mandate(services, limit="50")
    periodic = signed_mandate(services, limit="50", periodic=True)

    def payment_request(text: str) -> None:
        try:
            payment_requests.create_request(services, olga, amount=text, currency="USDT",
                                            product="Widget", customer_email="a@example.com")
        except PaymentRequestInvalid as error:
            assert list(error.problems) == ["amount"]
            assert "like 1234.56" in error.problems["amount"] or "+ or -" in \
                error.problems["amount"]
            raise InputError(error.problems["amount"], field="amount") from None

    return {
        "refund plan": lambda t: refunds.plan_refund(
            services, olga, order_ref=order.merchant_order_id, amount=t,
            reason="REQUESTED_BY_CUSTOMER"),
        "refund request": lambda t: refunds.request_refund(
            services, olga, order_ref=order.merchant_order_id, amount=t,
            reason="REQUESTED_BY_CUSTOMER"),
        "debit plan": lambda t: debits.plan_debit(
            services, olga, mandate_ref=mandate.id, amount=t, product_name="Pro plan"),
        "debit now": lambda t: debits.debit_now(
            services, olga, mandate_ref=mandate.id, amount=t, product_name="Pro plan"),
        "pre-debit notice": lambda t: debits.send_notice(
            services, olga, mandate_ref=periodic.id, estimated_amount=t),
        "payment request": payment_request,
    }


def test_hostile_amounts_are_field_errors_at_every_entry_point(services: Services) -> None:
    for name, call in _entry_points(services).items():
        for text in HOSTILE:
            with pytest.raises(InputError) as exc:
                call(text)
            assert exc.value.field == "amount", (name, text)
            assert "1234.56" in exc.value.message or "+ or -" in exc.value.message, (name, text)
    with services.uow() as uow:
        assert uow.session.exec(select(Refund)).all() == []
        assert uow.session.exec(select(DirectDebit)).all() == []


def test_a_blank_refund_amount_is_an_error_not_a_full_refund(services: Services) -> None:
    olga = staff(services)["olga"]
    order = paid_order(services, "100")
    for blank in ("", "   ", None):
        with pytest.raises(InputError, match="empty.*Full refund") as exc:
            refunds.plan_refund(services, olga, order_ref=order.merchant_order_id, amount=blank,
                                reason="REQUESTED_BY_CUSTOMER")
        assert exc.value.field == "amount"
        with pytest.raises(InputError, match="empty.*Full refund"):
            refunds.request_refund(services, olga, order_ref=order.merchant_order_id,
                                   amount=blank, reason="REQUESTED_BY_CUSTOMER")
    with services.uow() as uow:
        assert uow.session.exec(select(Refund)).all() == []
    plan = refunds.plan_refund(services, olga, order_ref=order.merchant_order_id, amount=None,
                               reason="REQUESTED_BY_CUSTOMER", full=True)
    assert plan.amount == Decimal("100")
    outcome = refunds.request_refund(services, olga, order_ref=order.merchant_order_id,
                                     amount=None, reason="REQUESTED_BY_CUSTOMER", full=True)
    assert outcome.amount == Decimal("100")
