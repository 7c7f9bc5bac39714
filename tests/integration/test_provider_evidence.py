"""Provider news is compared with our records: a validly signed notification or a query answer
whose amount or currency differs from ours never overwrites our figure and never moves the
item; the item shows "needs review", and the conflict is audited with both values. Both stores."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from sqlmodel import col, select

from data.models import AuditEntry, DirectDebit, Order, Refund
from services.orders import events as order_updates
from services.refunds import commands as refunds
from services.entrypoints.bootstrap import Services
from services.providers.base import OrderState, OrderStatus
from services.providers.binance_pay.sandbox.webhooks import WebhookSigner, envelope
from services.providers.base import Certificate
from services.providers.binance_pay.inbound import BinancePayEvents
from services.inbound.receiver import WebhookReceiver
from tests.integration.money_helpers import paid_order, signed_mandate, staff

SIGNER = WebhookSigner()


def _receiver(services: Services) -> WebhookReceiver:
    keys = lambda: (Certificate(SIGNER.cert_serial, SIGNER.public_pem),)  # noqa: E731
    return WebhookReceiver(services, {"binance_pay": BinancePayEvents(keys, min_refresh_seconds=0)})


def _deliver(services: Services, event_type: str, biz_id: str, status: str, data: dict) -> None:
    body = envelope(event_type, biz_id, status, data)
    code, _ = _receiver(services).handle("binance_pay", SIGNER.headers(body, int(time.time() * 1000)), body)
    assert code == 200


def _conflicts(services: Services, target_id: str) -> list[dict]:
    with services.uow() as uow:
        rows = uow.session.exec(select(AuditEntry).where(
            AuditEntry.target_id == target_id, AuditEntry.outcome == "conflict")
            .order_by(col(AuditEntry.id))).all()
        return [json.loads(r.detail) if r.detail else {} for r in rows]


def _open_order(services: Services) -> Order:
    with services.uow() as uow:
        order = Order(merchant_order_id="EV1", provider_order_id="29383937493038367001",
                      amount=Decimal("25"), currency="USDT", status="PENDING",
                      created_at=services.now())
        uow.session.add(order)
        uow.commit()
        uow.session.refresh(order)
        uow.session.expunge(order)
        return order


def _get(services: Services, model, **where):  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        row = uow.session.exec(select(model).filter_by(**where)).one()
        uow.session.expunge(row)
        return row


@pytest.mark.parametrize(("amount", "currency"), [("25000", "USDT"), ("25", "USDC")])
def test_a_payment_notification_for_another_amount_does_not_mark_the_order_paid(
    services: Services, amount: str, currency: str
) -> None:
    order = _open_order(services)
    _deliver(services, "PAY", order.provider_order_id, "PAY_SUCCESS", {
        "merchantTradeNo": order.merchant_order_id, "totalFee": Decimal(amount),
        "currency": currency, "transactionId": "T1", "transactTime": int(time.time() * 1000)})
    after = _get(services, Order, id=order.id)
    assert (after.status, after.amount, after.currency) == ("PENDING", Decimal("25"), "USDT")
    assert after.review_note and amount in after.review_note and "25 USDT" in after.review_note
    [detail] = _conflicts(services, str(order.id))
    assert detail["ours"] == {"amount": "25", "currency": "USDT"}
    assert detail["theirs"] == {"amount": amount, "currency": currency}
    # News that agrees with our figures still applies; the note stays until someone looks.
    _deliver(services, "PAY", order.provider_order_id, "PAY_SUCCESS", {
        "merchantTradeNo": order.merchant_order_id, "totalFee": Decimal("25"),
        "currency": "USDT", "transactionId": "T1", "transactTime": int(time.time() * 1000)})
    again = _get(services, Order, id=order.id)
    assert again.status == "PAID" and again.review_note == after.review_note


def test_a_query_answer_for_another_amount_changes_nothing(services: Services) -> None:
    order = _open_order(services)
    answer = OrderStatus(provider_order_id=order.provider_order_id or "",
                         merchant_order_id=order.merchant_order_id, state=OrderState.PAID,
                         provider_status="PAID", amount=Decimal("25.01"), currency="USDT")
    with services.uow() as uow:
        outcome = order_updates.apply_query_result(services, uow, order.id or 0, answer)
        uow.commit()
    assert outcome == "needs_review"
    after = _get(services, Order, id=order.id)
    assert after.status == "PENDING" and "25.01 USDT" in (after.review_note or "")


def test_a_refund_notification_for_three_times_the_order_keeps_our_figure(
    services: Services
) -> None:
    olga = staff(services)["olga"]
    order = paid_order(services, "245.23")
    outcome = refunds.request_refund(services, olga, order_ref=order.merchant_order_id,
                                     amount="245.23", reason="REQUESTED_BY_CUSTOMER")
    _deliver(services, "PAY_REFUND", order.provider_order_id or "", "REFUND_SUCCESS", {
        "merchantTradeNo": order.merchant_order_id, "currency": "USDT",
        "refundInfo": {"refundRequestId": outcome.refund_request_id,
                       "refundAmount": Decimal("735.69"), "refundedAmount": Decimal("735.69"),
                       "orderAmount": Decimal("245.23"), "remainingAttempts": 9}})
    refund = _get(services, Refund, refund_request_id=outcome.refund_request_id)
    assert refund.amount == Decimal("245.23") and refund.status != "SUCCESS"
    assert "735.69" in (refund.review_note or "")
    after = _get(services, Order, id=order.id)
    assert after.refunded_amount == Decimal("0")
    [detail] = _conflicts(services, outcome.refund_request_id)
    assert (detail["ours"]["amount"], detail["theirs"]["amount"]) == ("245.23", "735.69")


def test_a_debit_payment_for_another_amount_keeps_the_debit_open(services: Services) -> None:
    from services.mandates import debits

    olga = staff(services)["olga"]
    mandate = signed_mandate(services, limit="50")
    outcome = debits.debit_now(services, olga, mandate_ref=mandate.id, amount="20",
                               product_name="Pro plan")
    debit = _get(services, DirectDebit, merchant_request_id=outcome.merchant_request_id)
    _deliver(services, "PAY", debit.provider_order_id or "29383937493038367999", "PAY_SUCCESS", {
        "merchantTradeNo": debit.merchant_request_id, "totalFee": Decimal("2000"),
        "currency": "USDT", "transactTime": int(time.time() * 1000)})
    after = _get(services, DirectDebit, merchant_request_id=outcome.merchant_request_id)
    assert after.status != "SUCCESS" and "2000 USDT" in (after.review_note or "")
    from services.mandates import contracts as mandates

    [listed] = mandates.list_debits(services, olga, mandates.ListFilter())
    assert listed["review_note"] == after.review_note  # shown on the Mandates page and export


def test_an_item_under_review_is_a_break_in_reconciliation(services: Services) -> None:
    from datetime import date

    from services.core.access import Actor
    from services.reconciliation import matching as m
    from services.reconciliation import runs
    from services.demo import statement_simulation as simulate
    from services.reconciliation import statements

    operator = Actor(user_id=None, username="olga", role="operator")
    march, march_end = date(2026, 3, 1), date(2026, 3, 31)
    simulate.seed_sample_month(services, march)
    built = simulate.sandbox_statement(services, march, march_end, inject=False)
    imported = statements.import_statement(services, operator, built.content,
                                           file_name="march.csv", source="sandbox")
    with services.uow() as uow:
        order = uow.session.exec(select(Order).where(Order.status == "PAID")
                                 .order_by(col(Order.id))).first()
        assert order is not None
        order.review_note = "the provider reported 25000 USDT (webhook) where PayDesk recorded 25"
        uow.session.add(order)
        uow.commit()
        ref = order.merchant_order_id
    run = runs.start_run(services, operator, start=march, end=march_end,
                         statement_ids=[imported.statement_id])
    items = [i for i in runs.list_items(services, operator, run.id) if i.ledger_ref == ref]
    assert [(i.klass, i.ledger_status) for i in items] == [(m.STATUS_MISMATCH, "NEEDS_REVIEW")]
    assert run.break_count == 1
