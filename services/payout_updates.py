"""PAYOUT and PAYOUT_NON_BN webhooks, registered with services.provider_events.

The rules (lock the batch, move only forward, be idempotent) live in
services.payouts.following, which status queries and the sync job use too.
"""

from __future__ import annotations

from typing import Any

from services.bootstrap import Services
from services.payouts.following import apply_batch_news, apply_line_news
from services.provider_events import ProviderEvent, handles
from services.unit_of_work import UnitOfWork


def _text(data: Any, key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


@handles("PAYOUT")
def on_payout(services: Services, uow: UnitOfWork, event: ProviderEvent) -> str | None:
    """A batch changed status at the provider (bizStatus is the batchStatus)."""
    request_id = _text(event.data, "requestId")
    status = event.biz_status or _text(event.data, "batchStatus") or ""
    if not request_id:
        return None
    return apply_batch_news(uow, request_id, status, services.now())


@handles("PAYOUT_NON_BN")
def on_payout_line(services: Services, uow: UnitOfWork, event: ProviderEvent) -> str | None:
    """An email receiver's line changed: AWAITING_RECEIPT, SUCCESS, REFUNDED or FAIL."""
    request_id = _text(event.data, "batchId")
    send_id = _text(event.data, "merchantSendId")
    status = _text(event.data, "status") or event.biz_status
    if not request_id or not send_id or not status:
        return None
    return apply_line_news(uow, request_id, send_id, status, services.now(),
                           provider_line_id=_text(event.data, "orderId"),
                           occurred_at=event.occurred_at)
