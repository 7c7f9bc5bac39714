"""Binance Pay notifications as the core sees them: signed like Binance signs them, then read by
the Binance Pay package into neutral events (tests feed these to the dispatcher directly)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.providers.binance_pay.events import parse_event
from services.providers.binance_pay.sandbox.webhooks import WebhookSigner, envelope
from services.providers.events import InboundEvent

SIGNER = WebhookSigner()


def binance_event(event_type: str, biz_id: str, provider_status: str, data: Mapping[str, Any],
                  occurred_at: datetime | None = None) -> InboundEvent:
    """The neutral event Binance Pay's notification would become. `occurred_at` is when Binance
    sent it (its timestamp header), which events without a transaction time fall back on."""
    body = envelope(event_type, biz_id, provider_status, data)
    sent_ms = int((occurred_at.timestamp() if occurred_at else time.time()) * 1000)
    return parse_event(SIGNER.headers(body, sent_ms), body,
                       {SIGNER.cert_serial: SIGNER.public_pem})


def refund_news(status: str, refund_request_id: str) -> InboundEvent:
    """Binance's word on one refund (REFUND_SUCCESS, REFUND_REJECTED...), naming only its id."""
    return binance_event("PAY_REFUND", "1", status, {"refundInfo": {
        "refundRequestId": refund_request_id}})
