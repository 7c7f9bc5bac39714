"""Synchronous Monetix Gate v2 client for Binance Pay (method ``unify``): one method per call.

Every answer to a request that changes something only says "accepted" (``status: success``)
or "refused" (``status: error`` with a code); what happened to the money arrives later in a
callback or through ``status``. So these methods return ``Accepted`` and never an outcome.

Retry policy: a request that changes something is sent again only when no attempt can have
reached Monetix (the connection was never made). Once one attempt may have arrived (a read
timeout, a dropped connection, any answer at all) the outcome is unknown and stays unknown
whatever a later attempt would say: a refund reuses the purchase's ``payment_id``, so a
"success" to a repeat could be a second refund, and a "3041 already exists" to a repeated sale
says nothing about the first. The status request changes nothing and is retried on any
transient failure. The caller resolves an unknown outcome with ``status`` and the same id.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import httpx

from . import amounts, errors, signature, wire
from . import endpoints as ep
from .auth import MonetixSignature
from .callbacks import CallbackParser
from .operations import (
    Operation,
    Payment,
    ShapeError,
    parse_operation,
    parse_payment,
    section,
    text,
)

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.25
MAX_RETRY_DELAY = 4.0
USER_AGENT = "paydesk-monetix/0.1"

#: Failures that happen before a single byte of the request leaves.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ReceiveType(StrEnum):
    """How ``account.number`` names the payout recipient."""

    BINANCE_ID = "BINANCE_ID"
    EMAIL = "EMAIL"


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    ip_address: str
    first_name: str
    last_name: str
    email: str

    def wire(self) -> dict[str, str]:
        return {"id": self.id, "ip_address": self.ip_address, "first_name": self.first_name,
                "last_name": self.last_name, "email": self.email}


@dataclass(frozen=True, slots=True)
class ReturnUrls:
    success: str | None = None
    decline: str | None = None
    back: str | None = None  # the platform's ``return``

    def wire(self) -> dict[str, str | None]:
        return {"success": self.success, "decline": self.decline, "return": self.back}


@dataclass(frozen=True, slots=True)
class Accepted:
    """Monetix took the request for processing; nothing more."""

    payment_id: str
    request_id: str | None
    project_id: str | None


@dataclass(frozen=True, slots=True)
class PaymentStatus:
    payment: Payment
    operations: tuple[Operation, ...]
    #: The COF registration id, when the payment registered one.
    recurring_id: str | None
    raw: dict[str, Any]

    def operation(self, operation_id: str) -> Operation | None:
        return next((op for op in self.operations if op.id == operation_id), None)

    def of_type(self, *types: str) -> tuple[Operation, ...]:
        return tuple(op for op in self.operations if op.type in types)


class MonetixClient:
    """Talks to the Monetix Gate (or its sandbox, through ``base_url`` or ``transport``)."""

    def __init__(
        self,
        project_id: int,
        secret: str,
        *,
        base_url: str = ep.GATE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        exponents: Mapping[str, int] | None = None,
    ) -> None:
        if isinstance(project_id, bool) or not isinstance(project_id, int) or project_id <= 0:
            raise ValueError("project_id is the positive integer Monetix issued")
        self.project_id = project_id
        self._secret = secret
        self._exponents = exponents
        self._http = httpx.Client(
            base_url=base_url, transport=transport, timeout=timeout,
            auth=MonetixSignature(secret),
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        self._max_retries = max_retries
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def callback_parser(self) -> CallbackParser:
        """The verifier for this project's callbacks: the same secret signs both ways."""
        return CallbackParser(self._secret, project_id=self.project_id)

    def __enter__(self) -> MonetixClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- amounts ----------------------------------------------------------------------

    def minor(self, amount: Decimal, currency: str, *, what: str = "amount") -> int:
        value = amounts.to_minor(amount, currency, self._exponents)
        if value <= 0:
            raise amounts.AmountError(f"the {what} must be more than zero, got {amount}")
        return value

    def _binance_currency(self, currency: str) -> str:
        code = currency.upper()
        if code in amounts.BINANCE_PAY_UNSUPPORTED:
            others = ", ".join(sorted(amounts.BINANCE_PAY_UNSUPPORTED))
            raise amounts.AmountError(
                f"Binance Pay through Monetix does not take {code}; "
                f"it takes every currency except {others}"
            )
        return code

    # -- transport --------------------------------------------------------------------

    def _general(self, payment_id: str) -> dict[str, Any]:
        if not isinstance(payment_id, str) or not payment_id.strip():
            raise errors.InvalidField("payment_id must be a non-empty string", code="3024",
                                      provider=errors.PROVIDER)
        return {"project_id": self.project_id, "payment_id": payment_id}

    def call(self, path: str, payload: Mapping[str, Any], *, payment_id: str) -> dict[str, Any]:
        """POST ``payload`` (signed by the auth hook) and return the answer object."""
        body = wire.encode(payload)
        read_only = path in ep.READ_ONLY_PATHS
        attempt = 0
        reached = False
        while True:
            try:
                response = self._http.post(path, content=body)
            except _NOT_SENT as exc:
                if attempt < self._max_retries:
                    attempt += 1
                    self._backoff(attempt)
                    continue
                if reached:
                    raise self._unknown(path, payment_id, exc) from exc
                raise errors.Unreachable(
                    f"could not reach Monetix: {exc!r}", merchant_request_id=payment_id,
                    provider=errors.PROVIDER,
                ) from exc
            except httpx.HTTPError as exc:
                # Any other httpx failure (read timeout, dropped connection, protocol error)
                # came after the request may have left.
                reached = True
                if read_only and attempt < self._max_retries:
                    attempt += 1
                    self._backoff(attempt)
                    continue
                raise self._unknown(path, payment_id, exc) from exc
            reached = True
            try:
                return self._interpret(response, payment_id)
            except errors.MonetixError as exc:
                if read_only and exc.retryable and attempt < self._max_retries:
                    attempt += 1
                    self._backoff(attempt)
                    continue
                raise

    @staticmethod
    def _unknown(path: str, payment_id: str, exc: Exception) -> errors.UnknownOutcome:
        return errors.UnknownOutcome(
            f"no answer from Monetix after sending {path}: {exc!r}; "
            "ask for the status of the same payment id before doing anything else",
            merchant_request_id=payment_id, provider=errors.PROVIDER,
        )

    def _backoff(self, attempt: int) -> None:
        delay = min(MAX_RETRY_DELAY, INITIAL_RETRY_DELAY * 2 ** (attempt - 1))
        self._sleep(delay * (0.75 + random.random() / 2))  # float-ok: jitter, not money

    def _interpret(self, response: httpx.Response, payment_id: str) -> dict[str, Any]:
        status = response.status_code
        common = {"http_status": status, "merchant_request_id": payment_id,
                  "provider": errors.PROVIDER}
        try:
            body = wire.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            snippet = response.text[:200]
            if status >= 500:
                raise errors.ServerError(f"HTTP {status} from Monetix: {snippet}", **common)
            raise errors.BadResponse(f"unexpected HTTP {status} answer: {snippet}", **common)
        refused = body.get("status") == "error"
        if refused or (status >= 400 and body.get("code") not in (None, 0, "0")):
            code, message = self._error_code(body)
            if code is None:
                raise errors.BadResponse(f"refusal without a code: {str(body)[:200]}", **common)
            raise errors.error_for_code(code, message, http_status=status,
                                        merchant_request_id=payment_id)
        if status >= 300:
            raise (errors.ServerError if status >= 500 else errors.BadResponse)(
                f"HTTP {status} from Monetix without a refusal: {str(body)[:200]}", **common)
        given = signature.find_signature(body)
        if given is not None and not signature.verify(body, self._secret, given):
            raise errors.BadResponse("Monetix answer carries a signature that does not verify",
                                     **common)
        return body

    @staticmethod
    def _error_code(body: Mapping[str, Any]) -> tuple[str | None, str]:
        code, message = body.get("code"), body.get("message")
        found = body.get("errors")
        if code in (None, "") and isinstance(found, list) and found:
            first = found[0] if isinstance(found[0], Mapping) else {}
            code, message = first.get("code"), first.get("message")
        try:
            code_text = text(code)
        except ShapeError:
            code_text = None
        return code_text, message if isinstance(message, str) else ""

    def _accepted(self, path: str, payload: Mapping[str, Any], payment_id: str) -> Accepted:
        body = self.call(path, payload, payment_id=payment_id)
        if body.get("status") != "success":
            # Not a refusal, not an acceptance: whatever it is, it may have been applied.
            raise errors.UnknownOutcome(
                f"{path} answered neither success nor error: {str(body)[:200]}",
                merchant_request_id=payment_id, provider=errors.PROVIDER)
        return Accepted(
            payment_id=text(body.get("payment_id")) or payment_id,
            request_id=text(body.get("request_id")),
            project_id=text(body.get("project_id")),
        )

    # -- operations -------------------------------------------------------------------

    def sale(
        self,
        *,
        payment_id: str,
        amount: Decimal,
        currency: str,
        customer: Customer,
        description: str | None = None,
        return_urls: ReturnUrls | None = None,
        register_cof: bool = False,
        callback_url: str | None = None,
    ) -> Accepted:
        """A Binance Pay purchase; the QR comes in a callback with ``display_data``.
        ``register_cof`` stores the credential for later ``recurring_charge`` calls."""
        code = self._binance_currency(currency)
        payload = {
            "general": {**self._general(payment_id), "merchant_callback_url": callback_url},
            "customer": customer.wire(),
            "payment": {"amount": self.minor(amount, code), "currency": code,
                        "by_method": ep.BY_METHOD, "description": description},
            "return_url": return_urls.wire() if return_urls else None,
            "recurring": {"register": True} if register_cof else None,
        }
        return self._accepted(ep.SALE, payload, payment_id)

    def status(self, *, payment_id: str) -> PaymentStatus:
        body = self.call(ep.STATUS, {"general": self._general(payment_id)},
                         payment_id=payment_id)
        try:
            ops = body.get("operations") or []
            if not isinstance(ops, list):
                raise ShapeError("'operations' should be a list")
            return PaymentStatus(
                payment=parse_payment(body),
                operations=tuple(parse_operation(op, f"operations[{i}]")
                                 for i, op in enumerate(ops)),
                recurring_id=text(section(body, "recurring").get("id")),
                raw=body,
            )
        except ShapeError as exc:
            raise errors.BadResponse(f"status answer has an unexpected shape: {exc}",
                                     merchant_request_id=payment_id,
                                     provider=errors.PROVIDER) from None

    def refund(
        self,
        *,
        payment_id: str,
        description: str,
        amount: Decimal | None = None,
        currency: str | None = None,
        merchant_refund_id: str | None = None,
    ) -> Accepted:
        """Full refund without ``amount``; partial with ``amount`` and ``currency`` (which must
        be the purchase's). ``payment_id`` is the purchase's own id: a refund has none, so the
        caller must keep at most one refund per payment in flight and settle any doubt with
        ``status`` first. ``merchant_refund_id`` is sent as ``payment.merchant_refund_id``; the
        platform enforces it (code 3230) but does not publish the field's name."""
        if (amount is None) != (currency is None):
            raise errors.InvalidField(
                "a partial refund needs both amount and currency; a full refund neither",
                provider=errors.PROVIDER)
        if not description or not description.strip():
            raise errors.InvalidField("a refund needs a description (the reason)",
                                      provider=errors.PROVIDER)
        payment: dict[str, Any] = {"description": description, "by_method": ep.BY_METHOD,
                                   "merchant_refund_id": merchant_refund_id}
        if amount is not None and currency is not None:
            payment["amount"] = self.minor(amount, currency, what="refund amount")
            payment["currency"] = currency.upper()
        payload = {"general": self._general(payment_id), "payment": payment}
        return self._accepted(ep.REFUND, payload, payment_id)

    def payout(
        self,
        *,
        payment_id: str,
        amount: Decimal,
        currency: str,
        customer: Customer,
        account: str,
        receive_type: ReceiveType = ReceiveType.BINANCE_ID,
        description: str | None = None,
    ) -> Accepted:
        """One payout to a Binance user, named by Binance id (8+ digits) or e-mail. The
        recipient receives USDC in the EU and USDT elsewhere, converted by Monetix."""
        receive_type = ReceiveType(receive_type)
        account = (account or "").strip()
        if receive_type is ReceiveType.BINANCE_ID and not (
            account.isascii() and account.isdigit() and len(account) >= 8
        ):
            raise errors.InvalidField(
                f"Binance id {account!r} should be 8 or more digits", provider=errors.PROVIDER)
        if receive_type is ReceiveType.EMAIL and (
            "@" not in account or account.startswith("@") or account.endswith("@")
        ):
            raise errors.InvalidField(f"{account!r} is not an e-mail address",
                                      provider=errors.PROVIDER)
        code = self._binance_currency(currency)
        payload = {
            "general": self._general(payment_id),
            "customer": customer.wire(),
            "account": {"number": account},
            "payment": {"amount": self.minor(amount, code, what="payout amount"),
                        "currency": code, "by_method": ep.BY_METHOD,
                        "description": description},
            "payment_data": {"receive_type": receive_type.value},
        }
        return self._accepted(ep.PAYOUT, payload, payment_id)

    def recurring_charge(
        self,
        *,
        payment_id: str,
        recurring_id: str,
        amount: Decimal,
        currency: str,
        customer: Customer,
    ) -> Accepted:
        """A charge on a registered COF purchase, under a new ``payment_id``."""
        code = self._binance_currency(currency)
        payload = {
            "general": self._general(payment_id),
            "customer": customer.wire(),
            "payment": {"amount": self.minor(amount, code, what="charge amount"),
                        "currency": code},
            "recurring": {"id": self._recurring_id(recurring_id)},
        }
        return self._accepted(ep.RECURRING, payload, payment_id)

    def recurring_cancel(self, *, payment_id: str, recurring_id: str) -> Accepted:
        """Cancel a COF registration (endpoint inferred from the platform pattern)."""
        payload = {"general": self._general(payment_id),
                   "recurring": {"id": self._recurring_id(recurring_id)}}
        return self._accepted(ep.RECURRING_CANCEL, payload, payment_id)

    @staticmethod
    def _recurring_id(recurring_id: str) -> str:
        value = str(recurring_id).strip()
        if not value:
            raise errors.InvalidField("the COF registration id is empty",
                                      provider=errors.PROVIDER)
        return value
