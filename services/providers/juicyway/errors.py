"""Juicyway's answers mapped onto the provider-neutral error tree.

Juicyway speaks HTTP status plus an envelope ``{"error": {"code", "message", "type",
"details"}}`` (validation errors add ``errors[{field, message}]``). Named codes come first; the
HTTP status decides the rest. Any 5xx means the request may have been applied: only a query can
tell (``outcome_unknown``).
"""

from __future__ import annotations

from decimal import Decimal

from services.providers import errors as neutral

PROVIDER = "juicyway"


class PaymentExpired(neutral.InvalidStatusError):
    """The session's expiry passed before capture: create a new session."""


class PaymentCancelled(neutral.InvalidStatusError):
    """The customer cancelled the session."""


class ValidationFailed(neutral.InvalidParameterError):
    def __init__(self, message: str, *, fields: tuple[tuple[str, str], ...] = (), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(message, **kwargs)
        self.fields = fields


class RateLimited(neutral.RateLimitError):
    def __init__(self, message: str, *, retry_after_s: int | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


class EchoMismatch(neutral.ProviderError):
    """Juicyway answered another amount or currency than we asked for.

    The public Binance Pay example asks 100000 NGN and answers 100 USD. Nothing may be booked on
    such an answer: the caller records a conflict with both figures for a person to decide.
    """

    def __init__(
        self,
        *,
        asked_amount: Decimal,
        asked_currency: str,
        echoed_amount: Decimal | None,
        echoed_currency: str | None,
        provider_payment_id: str | None,
        merchant_request_id: str | None,
    ) -> None:
        super().__init__(
            f"Juicyway answered {echoed_amount} {echoed_currency} for a request of "
            f"{asked_amount} {asked_currency}",
            code="amount_mismatch",
            merchant_request_id=merchant_request_id,
            provider=PROVIDER,
        )
        self.asked_amount = asked_amount
        self.asked_currency = asked_currency
        self.echoed_amount = echoed_amount
        self.echoed_currency = echoed_currency
        self.provider_payment_id = provider_payment_id


class BadResponse(neutral.TransientServerError):
    """An answer we cannot read: it may still mean the request was applied."""


_BY_CODE: dict[str, type[neutral.ProviderError]] = {
    "payment_expired": PaymentExpired,
    "payment_cancelled": PaymentCancelled,
    "validation_error": ValidationFailed,
    "insufficient_funds": neutral.InsufficientBalanceError,
    "card_declined": neutral.InvalidStatusError,
    "duplicate_reference": neutral.DuplicateRequestError,
}

_BY_STATUS: dict[int, type[neutral.ProviderError]] = {
    400: neutral.InvalidRequestError,
    401: neutral.AuthenticationError,
    403: neutral.AuthenticationError,
    404: neutral.NotFoundError,
    422: ValidationFailed,
}


def error_for(
    status: int,
    code: str | None,
    message: str,
    *,
    fields: tuple[tuple[str, str], ...] = (),
    retry_after_s: int | None = None,
    merchant_request_id: str | None = None,
) -> neutral.ProviderError:
    common = {
        "code": code or None,
        "http_status": status,
        "merchant_request_id": merchant_request_id,
        "provider": PROVIDER,
    }
    if status == 429:
        return RateLimited(message or "rate limited", retry_after_s=retry_after_s, **common)
    if status >= 500:
        return neutral.TransientServerError(message or f"HTTP {status} from Juicyway", **common)
    cls = _BY_CODE.get(code or "") or _BY_STATUS.get(status, neutral.InvalidRequestError)
    if cls is ValidationFailed:
        return ValidationFailed(message or "the request was refused", fields=fields, **common)
    return cls(message or f"HTTP {status} from Juicyway", **common)
