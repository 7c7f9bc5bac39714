"""Monetix (ecommpay platform) codes mapped onto the provider-neutral error tree.

One numeric registry serves synchronous answers and callbacks (providers.md §5, from the
platform's code list). Each class subclasses ``MonetixError`` and the neutral class that says
what a service should do:

    MonetixError (ProviderError)
    ├── MalformedRequest 702, 2003, 2004 .............. InvalidRequestError
    ├── InvalidField 3024, currency 3023/3121, refund amount/currency/remainder
    │   3283/3284/3117, payout limits 3104/3106/3108-3112, payee data 20102/20106/20450/20451
    │   ................................................ InvalidParameterError
    ├── InvalidSignature 3261, 3262 .................... SignatureError
    ├── ProjectNotFound 2442 ........................... AuthenticationError
    ├── PaymentIdTaken 3041, DuplicateOperation 3613, MerchantRefundIdTaken 3230,
    │   DuplicateSchedule 3182 ........................ DuplicateRequestError, outcome unknown
    ├── TransactionNotFound 3061, NotReceivedYet 3062, CofNotFound 3181 ... NotFoundError
    ├── ActionNotAllowed 3060, RefundBlocked 3285/3288/3610/10706,
    │   CofInactive 3183/3184/3301 .................... InvalidStatusError
    ├── MerchantBalanceTooLow 3028, 504 ................ InsufficientBalanceError
    ├── TryAgain 601/602/2147/10601/20601/20602 ........ TransientServerError, outcome unknown
    ├── AwaitingProcessing 9999/19999/29999/20802/20899  UnknownOutcomeError
    ├── Declined 20000-20899 and 2701 (final refusals) . ProviderError
    └── UnmappedCode (anything else) ................... ProviderError, outcome unknown

A code we cannot read says nothing about whether money moved, so ``UnmappedCode`` is
outcome-unknown, and so is any answer with HTTP status >= 500 (``services.providers.errors``).
A "duplicate" answer means something already exists under our id: it may be our own earlier
attempt, so it is unknown until the status request settles it, never a refusal.
"""

from __future__ import annotations

from services.providers import errors as neutral

PROVIDER = "monetix"


class MonetixError(neutral.ProviderError):
    #: The platform code as text ("3041"); ``None`` for transport-level failures.
    code: str | None


def _code_class(
    name: str, codes: frozenset[str], parent: type[neutral.ProviderError], **attrs: object
) -> type[MonetixError]:
    namespace = {"codes": codes, "__module__": __name__, **attrs}
    return type(name, (MonetixError, parent), namespace)


def _codes(*values: int | range) -> frozenset[str]:
    out: set[str] = set()
    for value in values:
        out.update(str(v) for v in (value if isinstance(value, range) else (value,)))
    return frozenset(out)


MalformedRequest = _code_class("MalformedRequest", _codes(702, 2003, 2004),
                               neutral.InvalidRequestError)
InvalidField = _code_class(
    "InvalidField",
    _codes(3024, 3023, 3121, 3283, 3284, 3117, 3104, 3106, range(3108, 3113),
           20102, 20106, 20450, 20451),
    neutral.InvalidParameterError,
)
InvalidSignature = _code_class("InvalidSignature", _codes(3261, 3262), neutral.SignatureError)
ProjectNotFound = _code_class("ProjectNotFound", _codes(2442), neutral.AuthenticationError)
PaymentIdTaken = _code_class("PaymentIdTaken", _codes(3041), neutral.DuplicateRequestError,
                             outcome_unknown=True)
DuplicateOperation = _code_class("DuplicateOperation", _codes(3613, 3230, 3182),
                                 neutral.DuplicateRequestError, outcome_unknown=True)
TransactionNotFound = _code_class("TransactionNotFound", _codes(3061), neutral.NotFoundError)
NotReceivedYet = _code_class("NotReceivedYet", _codes(3062), neutral.NotFoundError,
                             retryable=True)
CofNotFound = _code_class("CofNotFound", _codes(3181), neutral.NotFoundError)
ActionNotAllowed = _code_class("ActionNotAllowed", _codes(3060), neutral.InvalidStatusError)
RefundBlocked = _code_class("RefundBlocked", _codes(3285, 3288, 3610, 10706),
                            neutral.InvalidStatusError)
CofInactive = _code_class("CofInactive", _codes(3183, 3184, 3301), neutral.InvalidStatusError)
MerchantBalanceTooLow = _code_class("MerchantBalanceTooLow", _codes(3028, 504),
                                    neutral.InsufficientBalanceError)
TryAgain = _code_class("TryAgain", _codes(601, 602, 2147, 10601, 20601, 20602),
                       neutral.TransientServerError)
AwaitingProcessing = _code_class("AwaitingProcessing", _codes(9999, 19999, 29999, 20802, 20899),
                                 neutral.UnknownOutcomeError)
Declined = _code_class("Declined", _codes(20000, 20100, 20105, 20110, 20301, 2701),
                       neutral.ProviderError)


class UnmappedCode(MonetixError):
    """A code this client does not know: never retried, never read as a refusal."""

    outcome_unknown = True


class UnknownOutcome(MonetixError, neutral.UnknownOutcomeError):
    """The request (possibly) reached Monetix and no usable answer came back."""


class Unreachable(MonetixError, neutral.TransientServerError):
    """No attempt got as far as sending the request; nothing can have been applied."""

    def __init__(self, message: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(message, outcome_unknown=False, **kwargs)


class ServerError(MonetixError, neutral.TransientServerError):
    """HTTP 5xx without a platform answer (gateway failure): it may have been applied."""


class BadResponse(MonetixError, neutral.TransientServerError):
    """An answer that is not a platform JSON object, or one whose signature does not verify."""


class CallbackRejected(MonetixError, neutral.SignatureError):
    """A callback whose signature, project or shape is wrong: nothing in it may be used."""


CODE_TO_ERROR: dict[str, type[MonetixError]] = {
    code: cls
    for cls in (MalformedRequest, InvalidField, InvalidSignature, ProjectNotFound,
                PaymentIdTaken, DuplicateOperation, TransactionNotFound, NotReceivedYet,
                CofNotFound, ActionNotAllowed, RefundBlocked, CofInactive,
                MerchantBalanceTooLow, TryAgain, AwaitingProcessing, Declined)
    for code in cls.codes  # type: ignore[attr-defined]
}

# Words for the codes a finance user may meet on a declined or refused operation. Services
# show these instead of the number; the number stays in the audit record.
REASONS: dict[str, str] = {
    "0": "Success",
    "702": "The request was malformed",
    "2003": "The request was malformed",
    "2004": "A required field was missing from the request",
    "2442": "The Monetix project is not known; check the project id in the settings",
    "2701": "Refused by Monetix's risk rules",
    "3023": "This currency is not enabled for the project",
    "3024": "The payment id is not valid",
    "3028": "The merchant balance at Monetix is too low; top it up and try again",
    "3041": "A payment with this id already exists at Monetix",
    "3060": "The payment is in a state that does not allow this",
    "3061": "Monetix does not know this payment",
    "3062": "Monetix has not received the payment details yet",
    "3117": "The refund would leave less than the smallest allowed remainder",
    "3121": "The currency is not valid",
    "3181": "The stored-credential registration was not found",
    "3183": "The stored-credential registration is no longer valid",
    "3184": "The stored-credential registration was cancelled",
    "3230": "A refund with this merchant refund id already exists",
    "3261": "The request signature was not valid",
    "3262": "The request was not signed",
    "3283": "The refund is larger than what is left of the payment",
    "3284": "The refund currency does not match the payment",
    "3285": "A refund was requested moments ago; wait before asking again",
    "3288": "The payment is disputed; it cannot be refunded",
    "3301": "The stored-credential registration has expired",
    "3610": "Refunds are not available for this payment",
    "3613": "The same operation was already requested",
    "20000": "Declined",
    "20100": "Declined by Binance Pay",
    "20102": "The recipient's Binance account details are wrong",
    "20105": "Not enough funds",
    "20106": "The recipient's Binance account is no longer available",
    "20110": "The customer cancelled the subscription in Binance",
    "20301": "The customer cancelled the payment",
    "20450": "The recipient could not be verified",
    "20451": "The recipient could not be verified",
    "20602": "Binance Pay did not answer in time",
}


def reason(code: object) -> str:
    """Words for a platform code; unknown codes still read as a sentence."""
    text = str(code) if code is not None else ""
    return REASONS.get(text, f"Monetix reported code {text}" if text else "No reason given")


def error_for_code(
    code: object,
    message: str,
    *,
    http_status: int | None = None,
    merchant_request_id: str | None = None,
) -> MonetixError:
    """The single code -> exception factory."""
    text = str(code)
    cls = CODE_TO_ERROR.get(text, UnmappedCode)
    return cls(
        message or reason(text),
        code=text,
        http_status=http_status,
        merchant_request_id=merchant_request_id,
        provider=PROVIDER,
    )
