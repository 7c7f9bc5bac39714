"""Failures an operator or a test switches on per Gate path (or ``*`` for every path); the book
that keeps them is the shared one (``services.providers.sandbox_kit``)."""

from __future__ import annotations

from enum import StrEnum


class FaultKind(StrEnum):
    #: Refuse the connection: nothing sent, nothing applied (in process: httpx.ConnectError).
    REFUSE_CONNECTION = "refuse_connection"
    #: Hold the request and never answer, without applying it.
    TIMEOUT_BEFORE_APPLYING = "timeout_before_applying"
    #: Apply the request, then never answer.
    TIMEOUT_AFTER_APPLYING = "timeout_after_applying"
    #: Answer an HTML 5xx page without applying anything (a gateway failure).
    HTTP_5XX = "http_5xx"
    #: Apply the request, then answer an HTML 5xx page (the platform failed afterwards).
    HTTP_5XX_AFTER_APPLYING = "http_5xx_after_applying"
    #: Deliver each matching callback twice.
    DUPLICATE_CALLBACKS = "duplicate_callbacks"
    #: Deliver the matching callbacks due in one tick in reverse order.
    OUT_OF_ORDER_CALLBACKS = "out_of_order_callbacks"
    #: Hold matching callbacks back by ``delay_s`` more seconds of sandbox time.
    DELAY_CALLBACKS = "delay_callbacks"


REQUEST_KINDS = (FaultKind.REFUSE_CONNECTION, FaultKind.TIMEOUT_BEFORE_APPLYING,
                 FaultKind.TIMEOUT_AFTER_APPLYING, FaultKind.HTTP_5XX,
                 FaultKind.HTTP_5XX_AFTER_APPLYING)
CALLBACK_KINDS = (FaultKind.DUPLICATE_CALLBACKS, FaultKind.OUT_OF_ORDER_CALLBACKS,
                  FaultKind.DELAY_CALLBACKS)
