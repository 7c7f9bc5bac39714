"""Each item keeps the provider's own status word beside ours (migration 0013).

The word is stored when the news is applied or repeats what we hold; news that is stale (a
payment state after the refund, an older batch state) leaves the last word standing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import select

from data.models import DirectDebit, Mandate, Order, PayoutBatch, PayoutLine, Refund
from services.entrypoints.bootstrap import Services
from services.mandates import events as mandate_events
from services.orders import events as order_events
from services.payouts import following
from services.providers.base import (
    OrderState,
    OrderStatus,
    PayoutBatchResult,
    PayoutBatchState,
    PayoutLine as LineNews,
    PayoutLineState,
    RefundResult,
    RefundState,
)
from services.refunds import events as refund_events

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _order(services: Services, status: str = "INITIAL") -> int:
    with services.uow() as uow:
        order = Order(merchant_order_id=f"PS{status}", provider_order_id=f"77{len(status)}",
                      amount=Decimal("10"), currency="USDT", status=status, created_at=NOW,
                      updated_at=NOW)
        uow.session.add(order)
        uow.session.flush()
        order_id = order.id
        uow.commit()
    assert order_id is not None
    return order_id


def _status(order_id: int, word: str, state: OrderState) -> OrderStatus:
    return OrderStatus(provider_order_id="776", merchant_order_id="PSINITIAL", state=state,
                       provider_status=word, amount=Decimal("10"), currency="USDT",
                       paid_at=NOW if word == "PAID" else None)


def _get(services: Services, model, **where):  # type: ignore[no-untyped-def]
    with services.uow() as uow:
        statement = select(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        row = uow.session.exec(statement).one()
        uow.session.expunge(row)  # read after the unit of work ends
        return row


def test_an_order_keeps_the_providers_word_and_stale_news_leaves_it(services: Services) -> None:
    order_id = _order(services)
    with services.uow() as uow:
        assert order_events.apply_query_result(
            services, uow, order_id, _status(order_id, "PAID", OrderState.PAID)) == "paid"
        uow.commit()
    assert _get(services, Order, id=order_id).provider_status == "PAID"
    with services.uow() as uow:  # an older answer: PENDING after PAID is stale
        assert order_events.apply_query_result(
            services, uow, order_id, _status(order_id, "PENDING", OrderState.PENDING)) == "stale"
        uow.commit()
    row = _get(services, Order, id=order_id)
    assert (row.status, row.provider_status) == ("PAID", "PAID")


def test_a_refund_keeps_the_providers_word(services: Services) -> None:
    order_id = _order(services, "PAID")
    with services.uow() as uow:
        uow.session.add(Refund(order_id=order_id, refund_request_id="RPS1", amount=Decimal("4"),
                               currency="USDT", reason="OTHER", status="REFUNDING",
                               created_at=NOW, updated_at=NOW))
        uow.commit()

    def result(state: RefundState, word: str | None) -> RefundResult:
        return RefundResult("RPS1", "R1", "772", Decimal("10"), Decimal("4"), Decimal("4"), 9,
                            state, provider_status=word)

    with services.uow() as uow:
        refund_events.apply_result(uow, result(RefundState.SUCCEEDED, "REFUND_SUCCESS"), NOW)
        uow.commit()
    row = _get(services, Refund, refund_request_id="RPS1")
    assert (row.status, row.provider_status, row.provider) == (
        "SUCCESS", "REFUND_SUCCESS", "binance_pay")
    with services.uow() as uow:  # a late "pending" answer moves nothing, says nothing
        refund_events.apply_result(uow, result(RefundState.PENDING, "REFUND_PENDING"), NOW)
        uow.commit()
    assert _get(services, Refund, refund_request_id="RPS1").provider_status == "REFUND_SUCCESS"


def test_payout_batches_and_lines_keep_the_providers_words(services: Services) -> None:
    with services.uow() as uow:
        batch = PayoutBatch(request_id="PBPS1", currency="USDT", total_amount=Decimal("5"),
                            line_count=2, status="ACCEPTED", created_at=NOW, updated_at=NOW)
        uow.session.add(batch)
        uow.session.flush()
        for n in (1, 2):
            uow.session.add(PayoutLine(batch_id=batch.id, file_line=n, merchant_send_id=f"LPS{n}",
                                       receive_type="EMAIL", receiver=f"p{n}@example.com",
                                       amount=Decimal("2.5"), currency="USDT",
                                       status="PROCESSING", updated_at=NOW))
        uow.commit()
    news = PayoutBatchResult(
        "PBPS1", PayoutBatchState.PROCESSING, "PROCESSING", currency="USDT",
        lines=(LineNews("LPS1", "O1", "EMAIL", "p1@example.com", Decimal("2.5"),
                        PayoutLineState.AWAITING_RECEIPT, "AWAITING_RECEIPT"),))
    with services.uow() as uow:
        following.apply_result(uow, news, NOW)
        uow.commit()
    assert _get(services, PayoutBatch, request_id="PBPS1").provider_status == "PROCESSING"
    assert _get(services, PayoutLine, merchant_send_id="LPS1").provider_status == "AWAITING_RECEIPT"
    assert _get(services, PayoutLine, merchant_send_id="LPS2").provider_status is None
    with services.uow() as uow:
        assert following.apply_batch_news(uow, "PBPS1", PayoutBatchState.SUCCEEDED, NOW,
                                          provider_status="SUCCESS") == "payout_success"
        assert following.apply_line_news(uow, "PBPS1", "LPS2", PayoutLineState.SUCCEEDED, NOW,
                                         provider_status="SUCCESS") == "payout_line_success"
        uow.commit()
    assert _get(services, PayoutBatch, request_id="PBPS1").provider_status == "SUCCESS"
    assert _get(services, PayoutLine, merchant_send_id="LPS2").provider_status == "SUCCESS"
    with services.uow() as uow:  # an older batch state after the final one is left out
        following.apply_batch_news(uow, "PBPS1", PayoutBatchState.PROCESSING, NOW,
                                   provider_status="PROCESSING")
        uow.commit()
    assert _get(services, PayoutBatch, request_id="PBPS1").provider_status == "SUCCESS"


def test_mandates_and_debits_keep_the_providers_words(services: Services) -> None:
    with services.uow() as uow:
        mandate = Mandate(merchant_contract_code="MPS1", service_name="box", status="INITIAL",
                          single_upper_limit=Decimal("50"), currency="USDT")
        uow.session.add(mandate)
        uow.session.flush()
        uow.session.add(DirectDebit(mandate_id=mandate.id, merchant_request_id="DPS1",
                                    amount=Decimal("5"), currency="USDT", status="PROCESSING"))
        uow.commit()
    with services.uow() as uow:
        row = uow.session.exec(select(Mandate).where(Mandate.merchant_contract_code == "MPS1")
                               ).one()
        assert mandate_events.contract_transition(
            uow, row, mandate_events.SIGNED, NOW, provider_status="CONTRACT_SIGNED") == (
            "INITIAL", mandate_events.SIGNED)
        assert mandate_events.debit_transition(
            uow, "DPS1", mandate_events.SUCCESS, NOW, provider_status="PAID") == (
            "PROCESSING", mandate_events.SUCCESS)
        uow.commit()
    with services.uow() as uow:  # stale: a signed contract does not go back to INITIAL
        row = uow.session.exec(select(Mandate).where(Mandate.merchant_contract_code == "MPS1")
                               ).one()
        mandate_events.contract_transition(uow, row, mandate_events.INITIAL, NOW,
                                           provider_status="INITIAL")
        mandate_events.debit_transition(uow, "DPS1", mandate_events.PROCESSING, NOW,
                                        provider_status="PENDING")
        uow.commit()
    assert _get(services, Mandate, merchant_contract_code="MPS1").provider_status == \
        "CONTRACT_SIGNED"
    assert _get(services, DirectDebit, merchant_request_id="DPS1").provider_status == "PAID"
