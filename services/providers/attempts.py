"""What every provider client's retry loop must remember between attempts.

A retry is only safe with the same merchant id, and even then the call's outcome is the worst of
its attempts: once one attempt may have been applied (an answer with HTTP 5xx, an "unknown error,
try again" code, a timeout after sending), a later "could not connect" or refusal says nothing
about that earlier attempt. Reporting the last attempt alone let a refund applied by the first
attempt be recorded as refused, its hold released, and the customer refunded twice.
"""

from __future__ import annotations

from services.providers.errors import ProviderError, UnknownOutcomeError


class AttemptRecord:
    """One call's attempts; `settle` turns the last failure into what the caller may believe."""

    def __init__(self) -> None:
        self.doubt: ProviderError | None = None  # the first failure that may have been applied

    def failed(self, error: ProviderError) -> None:
        if error.outcome_unknown and self.doubt is None:
            self.doubt = error

    def settle(self, error: ProviderError) -> ProviderError:
        """The error to raise after the last attempt: `error` itself, unless an earlier attempt
        may have been applied, in which case the outcome is unknown whatever `error` says."""
        self.failed(error)
        doubt = self.doubt
        if doubt is None or error.outcome_unknown:
            return error
        return UnknownOutcomeError(
            f"an earlier attempt may have been applied ({doubt.message}) and the last one "
            f"failed ({error.message}); query or repeat with the same id",
            code=doubt.code, http_status=doubt.http_status,
            merchant_request_id=error.merchant_request_id or doubt.merchant_request_id,
            provider=error.provider or doubt.provider)
