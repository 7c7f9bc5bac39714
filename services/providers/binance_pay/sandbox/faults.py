"""The failures an operator or a test can switch on for the Binance Pay sandbox, per endpoint
path; the book that keeps them is the shared one (``services.providers.sandbox_kit``)."""

from __future__ import annotations

from enum import StrEnum


class FaultKind(StrEnum):
    #: Process the request, then never answer (in-process: httpx.ReadTimeout).
    TIMEOUT_AFTER_PROCESSING = "timeout_after_processing"
    #: Answer an HTML 5xx page without touching state (gateway failure).
    HTTP_5XX = "http_5xx"
    #: Answer the JSON envelope with code 400000 without touching state.
    CODE_400000 = "code_400000"
    #: Deliver each matching webhook twice.
    DUPLICATE_WEBHOOKS = "duplicate_webhooks"
    #: Deliver the matching webhooks of one tick in reverse order.
    OUT_OF_ORDER_WEBHOOKS = "out_of_order_webhooks"


REQUEST_KINDS = (FaultKind.TIMEOUT_AFTER_PROCESSING, FaultKind.HTTP_5XX, FaultKind.CODE_400000)
WEBHOOK_KINDS = (FaultKind.DUPLICATE_WEBHOOKS, FaultKind.OUT_OF_ORDER_WEBHOOKS)
