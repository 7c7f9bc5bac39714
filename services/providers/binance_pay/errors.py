"""Binance Pay result codes mapped onto the provider-neutral error tree.

Each Binance class subclasses ``BinancePayError`` and the neutral class that says what a
service should do about it, so services never need to know Binance codes:

    BinancePayError (ProviderError)
    ├── UnknownError 400000 ............................ TransientServerError
    ├── InvalidRequest 400001, BadHttpMethod 400006, MediaTypeNotSupported 400007,
    │   InvalidRequestBody 400008, SystemError 100001001,
    │   RequestTooLarge 400104 ............................ InvalidRequestError
    ├── MandatoryParamEmpty 400100, WrongLength 400101, WrongValue 400102,
    │   IllegalChar 400103, InvalidRefundAmount 400303 ..... InvalidParameterError
    ├── InvalidSignature 400002 ........................ SignatureError
    ├── InvalidTimestamp 400003 ........................ TimestampError
    ├── InvalidApiKeyOrIp 400004, BadApiKeyFormat 400005,
    │   InvalidAccountStatus 400203, MerchantAccessForbidden 400606 ... AuthenticationError
    ├── InvalidMerchantTradeNo 400201, SubMerchantExists 400205 ...... DuplicateRequestError
    ├── OrderNotFound 400202, SubMerchantInvalid 400206, InvalidPrepayId 400301,
    │   ContractNotFound 406207 ........................ NotFoundError
    ├── InvalidOrderStatus 400204, TooManyRefundAttempts 400302,
    │   ContractNotSigned 406212 ....................... InvalidStatusError
    ├── RemainingAmountNotEnough 400304 ................ InsufficientBalanceError
    ├── DuplicateMerchantId (400102 saying the id is taken) ... DuplicateRequestError
    └── UnmappedCode (any other code) .................. ProviderError, outcome unknown

A code we cannot read says nothing about whether the request was executed, so ``UnmappedCode``
is outcome-unknown: the caller keeps the intent UNKNOWN and resolves it by query with the same
id. So is any answer with HTTP status >= 500 (see ``services.providers.errors``).
"""

from __future__ import annotations

from services.providers import errors as neutral

PROVIDER = "binance_pay"


class BinancePayError(neutral.ProviderError):
    pass


def _code_class(name: str, code: str, parent: type[neutral.ProviderError]) -> type:
    cls = type(name, (BinancePayError, parent), {"result_code": code, "__module__": __name__})
    return cls


UnknownError = _code_class("UnknownError", "400000", neutral.TransientServerError)
InvalidRequest = _code_class("InvalidRequest", "400001", neutral.InvalidRequestError)
InvalidSignature = _code_class("InvalidSignature", "400002", neutral.SignatureError)
InvalidTimestamp = _code_class("InvalidTimestamp", "400003", neutral.TimestampError)
InvalidApiKeyOrIp = _code_class("InvalidApiKeyOrIp", "400004", neutral.AuthenticationError)
BadApiKeyFormat = _code_class("BadApiKeyFormat", "400005", neutral.AuthenticationError)
BadHttpMethod = _code_class("BadHttpMethod", "400006", neutral.InvalidRequestError)
MediaTypeNotSupported = _code_class(
    "MediaTypeNotSupported", "400007", neutral.InvalidRequestError
)
InvalidRequestBody = _code_class("InvalidRequestBody", "400008", neutral.InvalidRequestError)
MandatoryParamEmpty = _code_class("MandatoryParamEmpty", "400100", neutral.InvalidParameterError)
InvalidParamWrongLength = _code_class(
    "InvalidParamWrongLength", "400101", neutral.InvalidParameterError
)
InvalidParamWrongValue = _code_class(
    "InvalidParamWrongValue", "400102", neutral.InvalidParameterError
)
InvalidParamIllegalChar = _code_class(
    "InvalidParamIllegalChar", "400103", neutral.InvalidParameterError
)
RequestTooLarge = _code_class("RequestTooLarge", "400104", neutral.InvalidRequestError)
InvalidMerchantTradeNo = _code_class(
    "InvalidMerchantTradeNo", "400201", neutral.DuplicateRequestError
)
OrderNotFound = _code_class("OrderNotFound", "400202", neutral.NotFoundError)
InvalidAccountStatus = _code_class("InvalidAccountStatus", "400203", neutral.AuthenticationError)
InvalidOrderStatus = _code_class("InvalidOrderStatus", "400204", neutral.InvalidStatusError)
SubMerchantExists = _code_class("SubMerchantExists", "400205", neutral.DuplicateRequestError)
SubMerchantInvalid = _code_class("SubMerchantInvalid", "400206", neutral.NotFoundError)
InvalidPrepayId = _code_class("InvalidPrepayId", "400301", neutral.NotFoundError)
TooManyRefundAttempts = _code_class("TooManyRefundAttempts", "400302", neutral.InvalidStatusError)
InvalidRefundAmount = _code_class("InvalidRefundAmount", "400303", neutral.InvalidParameterError)
RemainingAmountNotEnough = _code_class(
    "RemainingAmountNotEnough", "400304", neutral.InsufficientBalanceError
)
MerchantAccessForbidden = _code_class(
    "MerchantAccessForbidden", "400606", neutral.AuthenticationError
)
ContractNotFound = _code_class("ContractNotFound", "406207", neutral.NotFoundError)
ContractNotSigned = _code_class("ContractNotSigned", "406212", neutral.InvalidStatusError)
SystemError = _code_class("SystemError", "100001001", neutral.InvalidRequestError)  # noqa: A001


class UnmappedCode(BinancePayError):
    """A code this client does not know. Never retried blindly, and never taken as a refusal:
    treating it as one let a refund be marked FAIL (and its amount refunded again) while
    Binance had in fact executed it."""

    outcome_unknown = True


class DuplicateMerchantId(InvalidParamWrongValue, neutral.DuplicateRequestError):  # type: ignore[misc, valid-type]
    """Binance refused the request because our merchant id is already taken there.

    Something exists under that id, so the outcome of our request is unknown: look it up.
    Binance documents no dedicated code for this (the sandbox answers 400102 with a message
    naming the id), hence the message test in ``error_for_code``.
    """

    outcome_unknown = True


class ServerError(BinancePayError, neutral.TransientServerError):
    """HTTP 5xx without a Binance envelope (gateway or CDN failure)."""


class RateLimited(BinancePayError, neutral.RateLimitError):
    """HTTP 429."""


class UnknownOutcome(BinancePayError, neutral.UnknownOutcomeError):
    """The request was (possibly) sent and no answer came back."""


class Unreachable(BinancePayError, neutral.TransientServerError):
    """The connection failed before the request was sent; nothing was executed."""

    def __init__(self, message: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(message, outcome_unknown=False, **kwargs)


class EndpointNotFound(BinancePayError, neutral.InvalidRequestError):
    """HTTP 403 non-JSON: the CDN's answer for a path that does not exist."""


class BadResponse(BinancePayError, neutral.TransientServerError):
    """A response that is neither a Binance envelope nor a known gateway page."""


CODE_TO_ERROR: dict[str, type[BinancePayError]] = {
    cls.result_code: cls  # type: ignore[attr-defined]
    for cls in (
        UnknownError,
        InvalidRequest,
        InvalidSignature,
        InvalidTimestamp,
        InvalidApiKeyOrIp,
        BadApiKeyFormat,
        BadHttpMethod,
        MediaTypeNotSupported,
        InvalidRequestBody,
        MandatoryParamEmpty,
        InvalidParamWrongLength,
        InvalidParamWrongValue,
        InvalidParamIllegalChar,
        RequestTooLarge,
        InvalidMerchantTradeNo,
        OrderNotFound,
        InvalidAccountStatus,
        InvalidOrderStatus,
        SubMerchantExists,
        SubMerchantInvalid,
        InvalidPrepayId,
        TooManyRefundAttempts,
        InvalidRefundAmount,
        RemainingAmountNotEnough,
        MerchantAccessForbidden,
        ContractNotFound,
        ContractNotSigned,
        SystemError,
    )
}

#: Codes after which the same request (same merchant ids) may be sent again at once.
RETRYABLE_CODES = frozenset({"400000", "400003"})


_DUPLICATE_ID_CODES = frozenset({"400102"})
_DUPLICATE_WORDS = ("already used", "already exist", "duplicate", "repeated")


def _says_duplicate_id(message: str) -> bool:
    text = message.lower()
    return any(word in text for word in _DUPLICATE_WORDS)


def error_for_code(
    code: str,
    message: str,
    *,
    http_status: int | None = None,
    merchant_request_id: str | None = None,
) -> BinancePayError:
    """The single code -> exception factory."""
    cls = CODE_TO_ERROR.get(code, UnmappedCode)
    if code in _DUPLICATE_ID_CODES and _says_duplicate_id(message):
        cls = DuplicateMerchantId
    return cls(
        message or f"Binance Pay error {code}",
        code=code,
        http_status=http_status,
        merchant_request_id=merchant_request_id,
        provider=PROVIDER,
    )
