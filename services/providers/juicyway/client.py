"""Synchronous Juicyway client: payment sessions (initialise, capture), payment queries.

Retry policy. Reads (GET) are repeated on any failure: they move no money. Writes (POST) are
repeated only while nothing can have reached Juicyway (the connection was never made) or when
Juicyway said "slow down" (429: refused, not applied). Once an attempt may have been applied
(timeout after sending, dropped connection, 5xx, unreadable answer) the call ends as
``UnknownOutcomeError`` whatever later attempts would say; the caller resolves it by looking the
payment up (``find_by_reference``), never by sending again blind.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from services.providers import errors as neutral

from . import endpoints as ep
from . import errors, models, wire

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=3.0)  # Juicyway times requests out after 30 s
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY_S = 0.25
MAX_RETRY_DELAY_S = 8.0
USER_AGENT = "paydesk-juicyway/0.1"
LIST_PAGE_LIMIT = 100
#: How far back a taken reference is looked for; a repeat comes within hours, not weeks.
REFERENCE_LOOKBACK = timedelta(days=2)

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ApiKeyAuth(httpx.Auth):
    """Juicyway documents both ``Authorization: <key>`` and ``Authorization: Bearer <key>``;
    the raw form is the one its auth page and community code confirm, so it is the default."""

    def __init__(self, api_key: str, *, bearer: bool = False) -> None:
        if not api_key:
            raise ValueError("a Juicyway API key is required")
        self._value = f"Bearer {api_key}" if bearer else api_key

    def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
        request.headers["Authorization"] = self._value
        yield request


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What the customer needs to pay, after initialise + capture."""

    reference: str
    provider_payment_id: str
    amount: Decimal
    currency: str
    expires_at: datetime | None
    links: models.SessionLinks
    status: str


class JuicywayClient:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = ep.PRODUCTION_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        bearer: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=timeout,
            auth=ApiKeyAuth(api_key, bearer=bearer),
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        self._max_retries = max_retries
        self._sleep = sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> JuicywayClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        payload: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        merchant_request_id: str | None = None,
    ) -> Any:
        """Send once (or again where that is safe) and return the envelope's ``data``."""
        is_write = method.upper() != "GET"
        body = wire.dumps(payload).encode() if payload is not None else None
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        attempt = 0
        while True:
            attempt += 1
            last_try = attempt > self._max_retries
            try:
                response = self._http.request(
                    method, path, content=body, params=params, headers=headers
                )
            except _NOT_SENT as exc:
                if not last_try:
                    self._backoff(attempt)
                    continue
                raise neutral.TransientServerError(
                    f"could not reach Juicyway: {exc!r}",
                    outcome_unknown=False,
                    merchant_request_id=merchant_request_id,
                    provider=errors.PROVIDER,
                ) from exc
            except httpx.HTTPError as exc:
                if not is_write and not last_try:
                    self._backoff(attempt)
                    continue
                raise self._unknown(path, repr(exc), merchant_request_id) from exc
            try:
                return self._interpret(response, merchant_request_id)
            except errors.RateLimited as exc:
                if last_try:
                    raise
                self._backoff(attempt, at_least_s=exc.retry_after_s)
            except neutral.ProviderError as exc:
                if not exc.outcome_unknown:
                    raise
                if is_write:
                    raise self._unknown(path, str(exc), merchant_request_id) from exc
                if last_try:
                    raise

    @staticmethod
    def _unknown(path: str, detail: str, merchant_request_id: str | None) -> Exception:
        return neutral.UnknownOutcomeError(
            f"no usable answer from Juicyway after sending {path} ({detail}); "
            "look the payment up before doing anything again",
            merchant_request_id=merchant_request_id,
            provider=errors.PROVIDER,
        )

    def _backoff(self, attempt: int, *, at_least_s: int | None = None) -> None:
        delay = min(MAX_RETRY_DELAY_S, INITIAL_RETRY_DELAY_S * 2 ** (attempt - 1))
        delay *= 0.75 + random.random() / 2  # float-ok: jitter, not money
        self._sleep(max(delay, float(at_least_s or 0)))  # float-ok: seconds

    @staticmethod
    def _interpret(response: httpx.Response, merchant_request_id: str | None) -> Any:
        status = response.status_code
        try:
            body = wire.loads(response.content) if response.content else None
        except ValueError:
            body = None
        if 200 <= status < 300:
            if not isinstance(body, Mapping) or "data" not in body:
                raise errors.BadResponse(
                    f"HTTP {status} from Juicyway without a data object",
                    http_status=status,
                    merchant_request_id=merchant_request_id,
                    provider=errors.PROVIDER,
                )
            return body["data"]
        error = body.get("error") if isinstance(body, Mapping) else None
        error = error if isinstance(error, Mapping) else {}
        details = body.get("errors") if isinstance(body, Mapping) else None
        fields = tuple(
            (str(item.get("field", "")), str(item.get("message", "")))
            for item in (details or error.get("details") or [])
            if isinstance(item, Mapping)
        )
        retry_after = response.headers.get("Retry-After", "")
        raise errors.error_for(
            status,
            str(error.get("code") or "") or None,
            str(error.get("message") or response.text[:200]),
            fields=fields,
            retry_after_s=int(retry_after) if retry_after.isdigit() else None,
            merchant_request_id=merchant_request_id,
        )

    def _read(self, parse: Callable[[Any], Any], data: Any, rid: str | None) -> Any:
        try:
            return parse(data)
        except wire.WireFormatError as exc:
            raise errors.BadResponse(
                f"Juicyway answered data we cannot read: {exc}",
                merchant_request_id=rid,
                provider=errors.PROVIDER,
            ) from exc

    # -- payment sessions --------------------------------------------------------------

    def initialise_session(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        customer: models.Customer,
        description: str,
        order_identifier: str | None = None,
        item_name: str | None = None,
    ) -> models.Session:
        payload: dict[str, Any] = {
            "amount": wire.to_minor_units(amount, currency),
            "currency": currency.upper(),
            "customer": customer.as_wire(),
            "description": description[:200],
            "reference": reference,
            "direction": "incoming",
        }
        if order_identifier:
            payload["order"] = {
                "identifier": order_identifier,
                "items": [{"name": item_name or description[:100], "type": "digital"}],
            }
        data = self.request(
            "POST",
            ep.PAYMENT_SESSIONS,
            payload=payload,
            idempotency_key=f"{reference}:init",
            merchant_request_id=reference,
        )
        return self._read(models.parse_session, data, reference)

    def capture_session(self, *, provider_payment_id: str, reference: str) -> models.Session:
        data = self.request(
            "POST",
            ep.session_path(provider_payment_id),
            payload={},
            idempotency_key=f"{reference}:capture",
            merchant_request_id=reference,
        )
        return self._read(models.parse_session, data, reference)

    def create_payment_request(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        customer: models.Customer,
        description: str,
        order_identifier: str | None = None,
        item_name: str | None = None,
        known_payment_id: str | None = None,
        since: datetime | None = None,
    ) -> PaymentRequest:
        """Initialise, then capture; each step is safe to repeat.

        A repeat first looks for what an earlier attempt left: ``known_payment_id`` (stored by
        the caller after the first initialise) or a payment with our ``reference`` created after
        ``since``. A session found captured is returned as it is; one found uncaptured is
        captured; capture is never sent twice blind.
        """
        session = self._existing_session(reference, known_payment_id, since)
        if session is None:
            try:
                session = self.initialise_session(
                    reference=reference,
                    amount=amount,
                    currency=currency,
                    customer=customer,
                    description=description,
                    order_identifier=order_identifier,
                    item_name=item_name,
                )
            except neutral.UnknownOutcomeError:
                session = self.find_by_reference(reference, since=since)
                if session is None:
                    raise
            except errors.ValidationFailed as exc:
                # "reference has already been taken": an earlier attempt whose answer we lost
                # created it. Carry on with that session; anything else is a real refusal.
                if "reference" not in {name for name, _ in exc.fields}:
                    raise
                session = self.find_by_reference(
                    reference, since=since or datetime.now(UTC) - REFERENCE_LOOKBACK
                )
                if session is None:
                    raise
        self._check_echo(session.payment, amount, currency, reference)
        if not session.captured:
            try:
                session = self.capture_session(
                    provider_payment_id=session.payment.id, reference=reference
                )
            except neutral.UnknownOutcomeError as exc:
                found = self.find_by_reference(reference, since=since)
                if found is None or not found.captured:
                    exc.provider_payment_id = session.payment.id  # type: ignore[attr-defined]
                    raise
                session = found
            self._check_echo(session.payment, amount, currency, reference)
        return PaymentRequest(
            reference=reference,
            provider_payment_id=session.payment.id,
            amount=amount,
            currency=currency.upper(),
            expires_at=session.expires_at,
            links=session.links,
            status=session.payment.status,
        )

    def _existing_session(
        self, reference: str, known_payment_id: str | None, since: datetime | None
    ) -> models.Session | None:
        if known_payment_id is None and since is None:
            return None
        return self.find_by_reference(reference, since=since)

    @staticmethod
    def _check_echo(payment: models.Payment, amount: Decimal, currency: str, rid: str) -> None:
        if payment.amount == amount and payment.currency == currency.upper():
            return
        raise errors.EchoMismatch(
            asked_amount=amount,
            asked_currency=currency.upper(),
            echoed_amount=payment.amount,
            echoed_currency=payment.currency,
            provider_payment_id=payment.id,
            merchant_request_id=rid,
        )

    # -- queries -----------------------------------------------------------------------

    def get_payment(self, provider_payment_id: str) -> models.Payment:
        data = self.request("GET", ep.payment_path(provider_payment_id))
        return self._read(models.parse_payment, data, None)

    def list_payments(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        status: str | None = None,
        limit: int = LIST_PAGE_LIMIT,
        after: str | None = None,
    ) -> models.PaymentPage:
        params = {
            key: value
            for key, value in {
                "created_after": wire.format_time(created_after) if created_after else None,
                "created_before": wire.format_time(created_before) if created_before else None,
                "status": status,
                "limit": str(min(limit, LIST_PAGE_LIMIT)),
                "after": after,
            }.items()
            if value is not None
        }
        answer = self.request("GET", ep.PAYMENTS, params=params)
        # The list nests its items in data and puts the cursor beside them.
        items = answer.get("items") if isinstance(answer, Mapping) else answer
        pagination = answer.get("pagination", {}) if isinstance(answer, Mapping) else {}
        sessions = tuple(self._read(models.parse_session, item, None) for item in items or [])
        return models.PaymentPage(
            items=sessions,
            after=pagination.get("after"),
            before=pagination.get("before"),
        )

    def iter_payments(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        status: str | None = None,
        max_pages: int = 1000,
    ) -> Iterator[models.Session]:
        """Every payment in the window, newest first, following the cursor."""
        cursor: str | None = None
        for _ in range(max_pages):
            page = self.list_payments(
                created_after=created_after,
                created_before=created_before,
                status=status,
                after=cursor,
            )
            yield from page.items
            if not page.after or not page.items:
                return
            cursor = page.after

    def find_by_reference(
        self, reference: str, *, since: datetime | None = None
    ) -> models.Session | None:
        """Juicyway has no lookup by merchant reference: scan the list from ``since`` on."""
        for session in self.iter_payments(created_after=since):
            if session.payment.reference == reference:
                return session
        return None
