"""The Juicyway sandbox: payment sessions, capture, queries, webhooks, test hooks and faults.

It behaves as reference/providers.md sections 11–15 describe Juicyway, and decides what no source
settles (each decision named where it is made): a repeated ``reference`` is refused with 422
unless the same ``Idempotency-Key`` is replayed; a second capture creates a second Binance order
(so PayDesk must never capture twice blind, and tests can see if it did); a capture after
``expires_at`` answers 400 ``payment_expired``; an expired captured session turns ``failed`` with
``cancellation_reason`` "expired" and sends ``payment.session.failed``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.providers.errors import SandboxRefusal
from services.providers.sandbox_kit import Fault, FaultBook, SandboxClock

from .. import endpoints as ep
from .. import webhooks, wire
from .faults import FaultKind
from .outbox import CollectingSink, Delivery, Outbox, WebhookSink
from .state import DEFAULT_SESSION_TTL, SessionRecord, new_payment_id

_SESSION_PATH = re.compile(r"^/payment-sessions/([^/]+)$")
_PAYMENT_PATH = re.compile(r"^/payments/([^/]+)$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MIN_AMOUNT_MINOR = 100
MAX_LIST_LIMIT = 100


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None

    # What the caller must see, as the sandbox kit's transport and ASGI app ask it.

    @property
    def refused(self) -> bool:
        return self._kind is FaultKind.REFUSE_CONNECTION

    @property
    def timeout(self) -> bool:
        return self._kind in (FaultKind.TIMEOUT_BEFORE_APPLYING, FaultKind.TIMEOUT_AFTER_APPLYING)

    @property
    def delay_s(self) -> int:
        # A rate-limit fault's delay is its Retry-After, not a late answer.
        return self.fault.delay_s if self.fault and self._kind is FaultKind.DELAY else 0

    @property
    def hang_seconds(self) -> int:
        return self.fault.hang_seconds if self.fault else 0

    @property
    def _kind(self) -> FaultKind | None:
        return FaultKind(self.fault.kind) if self.fault else None


def _json(status: int, payload: Any, **headers: str) -> Answer:
    return Answer(status, wire.dumps(payload).encode(), {"Content-Type": "application/json",
                                                         **headers})


def _error(status: int, code: str, message: str, *, errors: list[dict] | None = None) -> Answer:
    kind = "invalid_request_error" if status in (400, 422) else "api_error"
    payload: dict[str, Any] = {"error": {"code": code, "message": message, "type": kind}}
    if errors:
        payload["errors"] = errors
    return _json(status, payload)


class JuicywaySandbox:
    def __init__(
        self,
        api_key: str,
        business_id: str,
        *,
        clock: SandboxClock | None = None,
        sink: WebhookSink | None = None,
        session_ttl: timedelta = DEFAULT_SESSION_TTL,
        hosted_base_url: str = "http://127.0.0.1:8766/hosted",
        webhook_delay: timedelta = timedelta(seconds=0),
    ) -> None:
        self.api_key = api_key
        self.business_id = business_id
        self.clock = clock or SandboxClock()
        self.sink: WebhookSink = sink or CollectingSink()
        self.session_ttl = session_ttl
        self.hosted_base_url = hosted_base_url
        self.webhook_delay = webhook_delay
        # A fault for /payment-sessions also hits /payment-sessions/{id} (capture).
        self.faults = FaultBook(FaultKind, prefix_match=True, default_delay_s=2)
        self.outbox = Outbox()
        #: Juicyway's own sandbox never sends success events ("successful transactions remain
        #: pending"); switch this off to make PayDesk find successes by polling alone.
        self.success_webhooks = True
        #: Deliver every webhook this many times (duplicates are documented as expected).
        self.webhook_copies = 1
        #: Answer another currency/amount than asked, as Juicyway's public example does.
        self.echo_override: tuple[str, int] | None = None
        self._sessions: dict[str, SessionRecord] = {}
        self._by_reference: dict[str, str] = {}
        self._idempotent: dict[str, tuple[str, Answer]] = {}
        self._lock = threading.RLock()

    # -- HTTP entry --------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes,
               query: Mapping[str, str] | None = None) -> Answer:
        fault = self.faults.take(path)
        if fault and fault.kind in (FaultKind.REFUSE_CONNECTION, FaultKind.TIMEOUT_BEFORE_APPLYING):
            return Answer(0, fault=fault)
        if fault and fault.kind is FaultKind.HTTP_5XX:
            return Answer(503, b"<html>503 Service Unavailable</html>", fault=fault)
        if fault and fault.kind is FaultKind.RATE_LIMITED:
            limited = _error(429, "rate_limited", "Too many requests")
            limited.headers["Retry-After"] = str(fault.delay_s)
            limited.fault = fault
            return limited
        answer = self._apply(method.upper(), path, headers, body, query or {})
        if fault and fault.kind is FaultKind.HTTP_5XX_AFTER_APPLYING:
            return Answer(502, b"<html>502 Bad Gateway</html>", fault=fault)
        answer.fault = fault
        return answer

    def _apply(self, method: str, path: str, headers: Mapping[str, str], body: bytes,
               query: Mapping[str, str]) -> Answer:
        lowered = {k.lower(): v for k, v in headers.items()}
        if lowered.get("authorization", "") not in (self.api_key, f"Bearer {self.api_key}"):
            return _error(401, "unauthorized", "API key is missing, invalid or expired")
        key = lowered.get("idempotency-key")
        with self._lock:
            if method == "POST" and key:
                fingerprint = f"{path}|{hashlib.sha256(body).hexdigest()}"
                seen = self._idempotent.get(key)
                if seen is not None:
                    if seen[0] != fingerprint:
                        return _error(422, "idempotency_key_reused",
                                      "Idempotency-Key was used for another request")
                    return seen[1]
            answer = self._route(method, path, body, query)
            if method == "POST" and key and answer.status < 500:
                self._idempotent[key] = (fingerprint, answer)
            return answer

    def _route(self, method: str, path: str, body: bytes, query: Mapping[str, str]) -> Answer:
        if method == "POST" and path == ep.PAYMENT_SESSIONS:
            return self._initialise(body)
        if method == "POST" and (match := _SESSION_PATH.match(path)):
            return self._capture(match.group(1))
        if method == "GET" and path == ep.PAYMENTS:
            return self._list(query)
        if method == "GET" and (match := _PAYMENT_PATH.match(path)):
            record = self._sessions.get(match.group(1))
            if record is None:
                return _error(404, "not_found", "Payment not found")
            return _json(200, {"data": record.payment()})
        return _error(404, "not_found", f"No route for {method} {path}")

    # -- sessions ----------------------------------------------------------------------

    def _initialise(self, body: bytes) -> Answer:
        try:
            request = wire.loads(body)
        except ValueError:
            return _error(400, "invalid_json", "Body is not JSON")
        if not isinstance(request, Mapping):
            return _error(400, "invalid_json", "Body must be an object")
        problems = _validate_session(request)
        reference = str(request.get("reference") or "")
        if not problems and reference in self._by_reference:
            problems.append({"field": "reference", "message": "has already been taken"})
        if problems:
            return _error(422, "validation_error", "The request is invalid", errors=problems)
        currency, amount = str(request["currency"]), int(str(request["amount"]))
        if self.echo_override is not None:
            currency, amount = self.echo_override
        customer = {k: v for k, v in dict(request["customer"]).items() if k != "billing_address"}
        record = SessionRecord(
            id=new_payment_id(),
            reference=reference,
            amount_minor=amount,
            currency=currency,
            customer=customer,
            description=str(request["description"]),
            metadata=dict(request.get("metadata") or {}),
            created_at=self.clock.now(),
        )
        self._sessions[record.id] = record
        self._by_reference[reference] = record.id
        return _json(200, {"data": record.session(self.hosted_base_url)})

    def _capture(self, payment_id: str) -> Answer:
        record = self._sessions.get(payment_id)
        if record is None:
            return _error(404, "not_found", "Payment session not found")
        self._expire_due(self.clock.now())
        if record.cancellation_reason == "cancelled":
            return _error(400, "payment_cancelled", "The customer cancelled this payment")
        if record.cancellation_reason == "expired":
            return _error(400, "payment_expired", "This payment session expired; create a new one")
        if record.status != "pending":
            return _error(400, "invalid_state", f"Payment is {record.status}")
        now = self.clock.now()
        record.captures += 1
        record.captured_at = now
        record.expires_at = now + self.session_ttl
        record.binance_token = secrets.token_hex(12)
        return _json(200, {"data": record.session(self.hosted_base_url)})

    def _list(self, query: Mapping[str, str]) -> Answer:
        try:
            after_time = wire.parse_time(query.get("created_after"))
            before_time = wire.parse_time(query.get("created_before"))
            limit = int(query.get("limit") or 15)
        except (wire.WireFormatError, ValueError):
            return _error(422, "validation_error", "created_after, created_before and limit "
                          "must be ISO-8601 times and a number")
        if not 1 <= limit <= MAX_LIST_LIMIT:
            return _error(422, "validation_error", f"limit must be 1 to {MAX_LIST_LIMIT}")
        status = query.get("status")
        rows = sorted(self._sessions.values(), key=lambda r: (r.created_at, r.id), reverse=True)
        rows = [
            r for r in rows
            if (after_time is None or r.created_at >= after_time)
            and (before_time is None or r.created_at < before_time)
            and (status is None or r.status == status)
        ]
        cursor = query.get("after")
        if cursor:
            ids = [r.id for r in rows]
            rows = rows[ids.index(cursor) + 1:] if cursor in ids else []
        page = rows[:limit]
        more = len(rows) > limit
        return _json(200, {
            "data": {
                "items": [r.session(self.hosted_base_url) for r in page],
                "pagination": {
                    "after": page[-1].id if more else None,
                    "before": page[0].id if page else None,
                    "limit": limit,
                },
            }
        })

    # -- test hooks --------------------------------------------------------------------

    def pay(self, payment_id: str, *, late: bool = False) -> SessionRecord:
        """The customer pays. ``late`` lets a payment land after the session expired, as a
        Binance order may still complete after Juicyway's own expiry."""
        with self._lock:
            record = self._require(payment_id)
            self._expire_due(self.clock.now())
            if record.status == "failed" and late and record.cancellation_reason == "expired":
                record.cancellation_reason = None
            elif record.status != "pending" or record.binance_token is None:
                raise ValueError(f"payment {payment_id} cannot be paid: it is {record.status}"
                                 + ("" if record.binance_token else " and not captured"))
            record.status = "settled"
            record.paid_at = self.clock.now()
            if self.success_webhooks:
                self._notify("payment.session.succeeded", record)
            return record

    def customer_pays(self, *, merchant_order_id: str, provider_order_id: str | None) -> None:
        """``base.SimulatedCustomer``: the customer pays the captured session (found by our
        reference when its id is not known)."""
        record = None
        if provider_order_id:
            with self._lock:
                record = self._sessions.get(provider_order_id)
        record = record or self.find(merchant_order_id)
        if record is None:
            raise SandboxRefusal(f"the Juicyway sandbox has no payment session {merchant_order_id}")
        try:
            self.pay(record.id)
        except ValueError as refused:
            raise SandboxRefusal(str(refused)) from None

    def fail(self, payment_id: str, reason: str = "declined") -> SessionRecord:
        with self._lock:
            record = self._require(payment_id)
            if record.status != "pending":
                raise ValueError(f"payment {payment_id} is {record.status}, not pending")
            record.status, record.cancellation_reason = "failed", reason
            self._notify("payment.session.failed", record)
            return record

    def cancel(self, payment_id: str) -> SessionRecord:
        return self.fail(payment_id, "cancelled")

    def session(self, payment_id: str) -> dict[str, Any]:
        with self._lock:
            return self._require(payment_id).session(self.hosted_base_url)

    def find(self, reference: str) -> SessionRecord | None:
        with self._lock:
            found = self._by_reference.get(reference)
            return self._sessions.get(found) if found else None

    def _require(self, payment_id: str) -> SessionRecord:
        record = self._sessions.get(payment_id)
        if record is None:
            raise KeyError(f"no payment {payment_id}")
        return record

    # -- time and webhooks -------------------------------------------------------------

    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.tick()

    def tick(self) -> int:
        """Expire what is due and deliver due webhooks; returns deliveries attempted."""
        now = self.clock.now()
        with self._lock:
            self._expire_due(now)
        attempted = 0
        now = self.clock.now()  # what expiry just queued is due now too
        for delivery in self.outbox.due(now):
            headers = {"Content-Type": "application/json"}
            status = self.sink(headers, delivery.body)
            self.outbox.record(delivery, status, now)
            attempted += 1
        return attempted

    def _expire_due(self, now: datetime) -> None:
        for record in self._sessions.values():
            if record.status == "pending" and record.expires_at and now >= record.expires_at:
                record.status, record.cancellation_reason = "failed", "expired"
                self._notify("payment.session.failed", record)

    def _notify(self, event: str, record: SessionRecord) -> None:
        data = record.payment()
        data["status"] = "success" if event.endswith("succeeded") else "failed"
        body = webhooks.envelope(event, data, self.business_id)
        due = self.clock.now() + self.webhook_delay
        for _ in range(self.webhook_copies):
            self.outbox.add(Delivery(event=event, payment_id=record.id, body=body, due=due))

    def close(self) -> None:
        close = getattr(self.sink, "close", None)
        if callable(close):
            close()


def _is_name(value: Any) -> bool:
    """Letters (any script, with combining marks), spaces, hyphens, apostrophes; <= 100."""
    if not isinstance(value, str) or not 1 <= len(value) <= 100:
        return False
    return all(
        ch.isalpha() or ch in " -'" or unicodedata.category(ch).startswith("M") for ch in value
    )


def _validate_session(request: Mapping[str, Any]) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []

    def bad(name: str, message: str) -> None:
        problems.append({"field": name, "message": message})

    amount = request.get("amount")
    if not isinstance(amount, wire.NumberLiteral) or not amount.isdigit():
        bad("amount", "must be a positive integer in minor units")
    elif int(amount) < MIN_AMOUNT_MINOR:
        bad("amount", f"must be at least {MIN_AMOUNT_MINOR}")
    if request.get("currency") not in wire.MINOR_UNIT_EXPONENT:
        bad("currency", "must be one of NGN, USD, CAD")
    reference = request.get("reference")
    if not isinstance(reference, str) or not 1 <= len(reference) <= 50:
        bad("reference", "is required, at most 50 characters")
    description = request.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= 200:
        bad("description", "is required, at most 200 characters")
    customer = request.get("customer")
    if not isinstance(customer, Mapping):
        bad("customer", "is required")
        return problems
    for name in ("first_name", "last_name"):
        if not _is_name(customer.get(name)):
            bad(f"customer.{name}", "letters, spaces, hyphens and apostrophes, at most 100")
    if not isinstance(customer.get("email"), str) or "@" not in customer["email"]:
        bad("customer.email", "must be an e-mail address")
    if not isinstance(customer.get("phone_number"), str) or not _E164.match(
        customer["phone_number"]
    ):
        bad("customer.phone_number", "must be in E.164 form, e.g. +2348012345678")
    return problems
