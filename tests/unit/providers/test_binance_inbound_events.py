"""Binance Pay notifications read as neutral events, one per bizType (protocol section 3.2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.providers import errors as neutral
from services.providers.base import (
    ContractState,
    OrderState,
    PayoutBatchState,
    PayoutLineState,
    RefundState,
)
from services.providers.binance_pay.events import parse_event
from services.providers.binance_pay.sandbox.webhooks import WebhookSigner, envelope
from services.providers.events import EventKind

SIGNER = WebhookSigner()
KEYS = {SIGNER.cert_serial: SIGNER.public_pem}
SENT_AT = 1_700_000_000_123


def _read(biz_type: str, status: str, data: dict, biz_id: str = "367284193825") -> object:
    body = envelope(biz_type, biz_id, status, data)
    return parse_event(SIGNER.headers(body, SENT_AT), body, KEYS)


def test_payment_success() -> None:
    event = _read("PAY", "PAY_SUCCESS", {
        "merchantTradeNo": "PD1", "totalFee": Decimal("25.17000000"), "currency": "USDT",
        "commission": Decimal("0.25170000"), "transactTime": 1_700_000_000_000,
        "openUserId": "u1", "transactionId": "T1"})
    assert (event.kind, event.state, event.merchant_id, event.provider_id) == (
        EventKind.PAYMENT, OrderState.PAID, "PD1", "367284193825")
    assert (event.amount, event.currency) == (Decimal("25.17"), "USDT")
    assert event.fee == Decimal("0.2517")
    assert event.details["payer_id"] == "u1" and event.details["transaction_id"] == "T1"
    assert not event.needs_confirmation


@pytest.mark.parametrize(("status", "state"), [("REFUND_SUCCESS", RefundState.SUCCEEDED),
                                               ("REFUND_REJECTED", RefundState.FAILED),
                                               ("REFUND_REJECT", RefundState.FAILED)])
def test_refund(status: str, state: RefundState) -> None:
    event = _read("PAY_REFUND", status, {
        "merchantTradeNo": "PD1", "currency": "USDT", "refundInfo": {
            "refundRequestId": "RF1", "refundAmount": Decimal("5"),
            "refundedAmount": Decimal("5"), "orderAmount": Decimal("25.17"),
            "remainingAttempts": 9}})
    assert (event.kind, event.state, event.merchant_id, event.parent_merchant_id) == (
        EventKind.REFUND, state, "RF1", "PD1")
    assert event.amount == Decimal(5) and event.details["remaining_attempts"] == 9


def test_payout_batch_and_line() -> None:
    batch = _read("PAYOUT", "PART_SUCCESS", {"requestId": "B1", "batchStatus": "PART_SUCCESS",
                                             "currency": "USDT", "totalAmount": Decimal(30),
                                             "totalNumber": 3})
    assert (batch.kind, batch.state, batch.merchant_id) == (
        EventKind.PAYOUT, PayoutBatchState.PARTIALLY_SUCCEEDED, "B1")
    line = _read("PAYOUT_NON_BN", "AWAITING_RECEIPT", {
        "merchantSendId": "L1", "orderId": "O1", "batchId": "PB1", "status": "AWAITING_RECEIPT",
        "currency": "USDT", "amount": Decimal(10), "receiveType": "EMAIL",
        "receiver": "a@example.com"})
    assert (line.kind, line.state, line.merchant_id) == (
        EventKind.PAYOUT_LINE, PayoutLineState.AWAITING_RECEIPT, "L1")
    assert line.details["provider_batch_id"] == "PB1"


def test_mandate() -> None:
    event = _read("DIRECT_DEBIT_CT", "CONTRACT_TERMINATED", {
        "merchantContractCode": "C1", "contractId": 99, "currency": "USDT",
        "singleUpperLimit": Decimal(50), "contractTerminationWay": "0",
        "contractTerminationTime": 1_700_000_100_000})
    assert (event.kind, event.state, event.merchant_id) == (
        EventKind.MANDATE, ContractState.TERMINATED, "C1")
    assert event.occurred_at.timestamp() == 1_700_000_100


@pytest.mark.parametrize(("biz_type", "status"), [("PAY", "PAY_SOMETHING_NEW"),
                                                  ("BALANCE", "BALANCE_SUCCESS"),
                                                  ("PAYOUT", "NEW_STATUS")])
def test_unknown_types_and_statuses_carry_no_state(biz_type: str, status: str) -> None:
    assert _read(biz_type, status, {"requestId": "B1"}).state is None


def test_a_bad_signature_is_refused() -> None:
    body = envelope("PAY", "1", "PAY_SUCCESS", {"merchantTradeNo": "PD1"})
    headers = SIGNER.headers(body, SENT_AT)
    with pytest.raises(neutral.ProviderError):
        parse_event(headers, body.replace(b"PD1", b"PD2"), KEYS)
