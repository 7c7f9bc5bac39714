"""Transport faults that a test or an operator switches on for the Juicyway sandbox; the book
that keeps them is the shared one (``services.providers.sandbox_kit``)."""

from __future__ import annotations

from enum import StrEnum


class FaultKind(StrEnum):
    #: The connection is refused: nothing reaches the sandbox.
    REFUSE_CONNECTION = "refuse_connection"
    #: The request is lost on the way: nothing applied, and the caller sees a read timeout.
    TIMEOUT_BEFORE_APPLYING = "timeout_before_applying"
    #: The request is applied, then the answer is lost (read timeout).
    TIMEOUT_AFTER_APPLYING = "timeout_after_applying"
    #: The request is applied, then a gateway answers 502.
    HTTP_5XX_AFTER_APPLYING = "http_5xx_after_applying"
    #: A 503 without touching state.
    HTTP_5XX = "http_5xx"
    #: 429 with Retry-After, without touching state.
    RATE_LIMITED = "rate_limited"
    #: Applied and answered, but only after ``delay_s``.
    DELAY = "delay"
