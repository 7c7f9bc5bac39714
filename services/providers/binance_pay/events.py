"""Binance Pay notifications as neutral ``InboundEvent``s (the inbound half of the port).

The RSA check stays in ``webhooks.parse_webhook``; this module only reads what a verified
envelope says. Binance's vocabulary (bizType, bizStatus, merchantTradeNo, prepayId...) ends here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.providers import base
from services.providers.events import EventKind, InboundEvent, NeutralState

from .errors import PROVIDER
from .provider import BATCH_STATES, CONTRACT_STATES, LINE_STATES, REFUND_STATES
from .webhooks import parse_webhook

#: PAY_CLOSED covers both a close and an expiry; services tell them apart by our expiry time.
PAY_STATES = {"PAY_SUCCESS": base.OrderState.PAID, "PAY_CLOSED": base.OrderState.CANCELED}
#: The doc spells the refusal REFUND_REJECTED, the connector REFUND_REJECT: both mean failed.
REFUND_NOTICE_STATES = {**REFUND_STATES, "REFUND_REJECT": base.RefundState.FAILED}


def parse_event(
    headers: Mapping[str, str], body: bytes, public_keys: Mapping[str, str]
) -> InboundEvent:
    """Verify (``InvalidSignature`` on failure), then read the notification."""
    envelope, data = parse_webhook(headers, body, public_keys)
    h = {k.lower(): v for k, v in headers.items()}
    data = data if isinstance(data, Mapping) else {}
    reader = _READERS.get(envelope.bizType, _other)
    return reader(
        _Notice(
            biz_type=envelope.bizType,
            biz_id=str(envelope.bizIdStr or envelope.bizId or ""),
            status=envelope.bizStatus,
            data=data,
            body=body,
            sent_at=_ms(h.get("binancepay-timestamp")),
        )
    )


class _Notice:
    def __init__(self, *, biz_type: str, biz_id: str, status: str, data: Mapping[str, Any],
                 body: bytes, sent_at: datetime | None) -> None:
        self.biz_type, self.biz_id, self.status = biz_type, biz_id, status
        self.data, self.body, self.sent_at = data, body, sent_at

    def event(self, kind: EventKind, state: NeutralState | None, **fields: Any) -> InboundEvent:
        return InboundEvent(
            provider=PROVIDER,
            kind=kind,
            provider_status=self.status,
            state=state,
            provider_id=self.biz_id or None,
            raw_body=self.body,
            provider_event=self.biz_type,
            **fields,
        )


def _payment(n: _Notice) -> InboundEvent:
    d = n.data
    info = d.get("paymentInfo") if isinstance(d.get("paymentInfo"), Mapping) else {}
    payer = d.get("openUserId") or info.get("payerId")
    details = {
        "payer_id": str(payer) if payer else None,
        "transaction_id": _text(d.get("transactionId")),
        "paid_at": _ms(d.get("transactTime")) if n.status == "PAY_SUCCESS" else None,
        "product_name": _text(d.get("productName")),
    }
    return n.event(
        EventKind.PAYMENT,
        PAY_STATES.get(n.status),
        merchant_id=_text(d.get("merchantTradeNo")),
        amount=_decimal(d.get("totalFee")),
        currency=_text(d.get("currency")),
        fee=_decimal(d.get("commission")),
        occurred_at=_ms(d.get("transactTime")) or n.sent_at,
        details={k: v for k, v in details.items() if v is not None},
    )


def _refund(n: _Notice) -> InboundEvent:
    d = n.data
    info = d.get("refundInfo") if isinstance(d.get("refundInfo"), Mapping) else {}
    return n.event(
        EventKind.REFUND,
        REFUND_NOTICE_STATES.get(n.status),
        merchant_id=_text(info.get("refundRequestId")),
        parent_merchant_id=_text(d.get("merchantTradeNo")),
        amount=_decimal(info.get("refundAmount")),
        currency=_text(d.get("currency")),
        occurred_at=n.sent_at,
        details={
            key: value
            for key, value in {
                "refunded_total": _decimal(info.get("refundedAmount")),
                "order_amount": _decimal(info.get("orderAmount")),
                "remaining_attempts": info.get("remainingAttempts"),
                "provider_refund_id": _text(info.get("refundId")),
            }.items()
            if value is not None
        },
    )


def _payout(n: _Notice) -> InboundEvent:
    d = n.data
    return n.event(
        EventKind.PAYOUT,
        BATCH_STATES.get(n.status),
        merchant_id=_text(d.get("requestId")),
        amount=_decimal(d.get("totalAmount")),
        currency=_text(d.get("currency")),
        occurred_at=n.sent_at,
        details={"line_count": d.get("totalNumber")} if d.get("totalNumber") is not None else {},
    )


def _payout_line(n: _Notice) -> InboundEvent:
    d = n.data
    status = _text(d.get("status")) or n.status
    return n.event(
        EventKind.PAYOUT_LINE,
        LINE_STATES.get(status),
        merchant_id=_text(d.get("merchantSendId")),
        # batchId carries the batch's requestId, our id for it (the sandbox and §9 agree).
        parent_merchant_id=_text(d.get("batchId")),
        amount=_decimal(d.get("amount")),
        currency=_text(d.get("currency")),
        occurred_at=n.sent_at,
        details={
            key: value
            for key, value in {
                "provider_line_id": _text(d.get("orderId")),
                "provider_batch_id": _text(d.get("batchId")),
                "receiver": _text(d.get("receiver")),
                "receiver_type": _text(d.get("receiveType")),
            }.items()
            if value is not None
        },
    )


def _mandate(n: _Notice) -> InboundEvent:
    d = n.data
    return n.event(
        EventKind.MANDATE,
        CONTRACT_STATES.get(n.status) if n.status != "INITIAL" else None,
        merchant_id=_text(d.get("merchantContractCode")),
        currency=_text(d.get("currency")),
        occurred_at=_ms(d.get("contractTerminationTime")) or n.sent_at,
        details={
            key: value
            for key, value in {
                "payer_id": _text(d.get("openUserId")),
                "single_limit": _decimal(d.get("singleUpperLimit")),
                "service_name": _text(d.get("serviceName")),
                "termination_way": _text(d.get("contractTerminationWay")),
                "terminated_at": _ms(d.get("contractTerminationTime")),
                "provider_contract_id": _text(d.get("contractIdStr") or d.get("contractId")),
            }.items()
            if value is not None
        },
    )


def _other(n: _Notice) -> InboundEvent:
    return n.event(EventKind.OTHER, None, merchant_id=None, occurred_at=n.sent_at,
                   details={"notice_type": n.biz_type})


_READERS: dict[str, Callable[[_Notice], InboundEvent]] = {
    "PAY": _payment,
    "PAY_REFUND": _refund,
    "PAYOUT": _payout,
    "PAYOUT_NON_BN": _payout_line,
    "DIRECT_DEBIT_CT": _mandate,
}


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _ms(value: Any) -> datetime | None:
    text = str(value) if value is not None else ""
    if not text.isdigit() or len(text) >= 16:
        return None
    ms = int(text)
    return datetime.fromtimestamp(ms // 1000, tz=UTC).replace(microsecond=(ms % 1000) * 1000)
