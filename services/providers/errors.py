"""Provider-neutral errors raised by every payment provider adapter.

Services catch these classes only; each provider maps its own result codes onto them
(see ``services.providers.binance_pay.errors`` for Binance Pay).

    ProviderError
    ├── InvalidRequestError          the request itself is wrong; fix the caller
    │   └── InvalidParameterError    one parameter is missing, malformed or out of range
    ├── SignatureError               the provider rejected our signature
    ├── TimestampError               our clock is outside the provider's window
    ├── AuthenticationError          unknown key, IP not whitelisted, access forbidden
    ├── DuplicateRequestError        the merchant id was already used for something else
    ├── NotFoundError                order, refund, batch or contract does not exist
    ├── InvalidStatusError           the object is in a state that forbids the operation
    ├── InsufficientBalanceError     the merchant wallet cannot cover the amount
    ├── RateLimitError               slow down
    ├── UnknownOutcomeError          sent, no answer: it may have been executed
    ├── TransientServerError         provider-side failure; safe to retry with the same id
    └── NotOfferedError              the provider has no such operation (see its capabilities)

``outcome_unknown`` is the flag services branch on when recording a money movement: when it
is true the request may have been executed, so the intent must be resolved by querying with
the SAME merchant id, never by creating a new one. Any answer with HTTP status 500 or above
counts as unknown whatever its class: a gateway or provider fault can come after the movement
was booked, so only a query can tell.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class: carries what support needs to trace a call at the provider."""

    #: True when the request may have taken effect even though we got no success answer.
    outcome_unknown: bool = False
    #: True when repeating the same request (same merchant id) later is reasonable.
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        merchant_request_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.merchant_request_id = merchant_request_id
        self.provider = provider
        if http_status is not None and http_status >= 500:
            self.outcome_unknown = True

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.insert(0, f"[{self.code}]")
        if self.merchant_request_id:
            parts.append(f"(merchant request id {self.merchant_request_id})")
        return " ".join(parts)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        # Errors cross process boundaries (workers, multiprocessing test runners);
        # keyword-only constructors are not picklable by default.
        return (
            _rebuild,
            (
                type(self),
                self.message,
                {
                    "code": self.code,
                    "http_status": self.http_status,
                    "merchant_request_id": self.merchant_request_id,
                    "provider": self.provider,
                },
            ),
        )


def _rebuild(cls: type[ProviderError], message: str, kwargs: dict) -> ProviderError:
    return cls(message, **kwargs)


class InvalidRequestError(ProviderError):
    pass


class InvalidParameterError(InvalidRequestError):
    pass


class SignatureError(ProviderError):
    pass


class TimestampError(ProviderError):
    retryable = True


class AuthenticationError(ProviderError):
    pass


class DuplicateRequestError(ProviderError):
    pass


class NotFoundError(ProviderError):
    pass


class InvalidStatusError(ProviderError):
    pass


class InsufficientBalanceError(ProviderError):
    retryable = True


class RateLimitError(ProviderError):
    retryable = True


class UnknownOutcomeError(ProviderError):
    """The request left us and no answer came back (read timeout, dropped connection).

    Callers must resolve it with the query endpoint or by repeating the request with the
    same merchant id; creating a new id could move money twice.
    """

    outcome_unknown = True
    retryable = True


class TransientServerError(ProviderError):
    """A provider-side failure (HTTP 5xx, unknown error code, unreachable host)."""

    retryable = True

    def __init__(self, message: str, *, outcome_unknown: bool = True, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(message, **kwargs)
        self.outcome_unknown = outcome_unknown or self.outcome_unknown


class NotOfferedError(ProviderError):
    """The provider does not offer the operation at all; nothing was sent.

    Services check capabilities first; this is the last line, so a missed check can never
    turn into a call that half-happens.
    """


class SandboxRefusal(Exception):
    """A provider's in-process sandbox refused a simulated customer action (paying, signing).

    Only sandboxes raise it; the services turn it into a message without knowing which sandbox."""


class VerificationUnavailable(ProviderError):
    """A notification cannot be judged right now (the provider's signing keys could not be
    fetched): nothing is applied, and the provider is asked to send it again later."""


class UnreadableEvent(ProviderError):
    """A notification whose signature checks out but whose content cannot be read: genuine, so
    kept for the record and acknowledged (a retry would read no better), never applied."""


class UnknownSigningKey(SignatureError):
    """The notification names a signing key the provider does not publish (not even after a
    refresh): refused like a bad signature, recorded apart because a key rotation looks so."""
