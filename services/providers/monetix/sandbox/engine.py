"""The Monetix sandbox engine: Gate gateway checks, faults, callbacks and customer actions."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from services.providers.errors import SandboxRefusal
from services.providers.sandbox_kit import Fault, FaultBook, HttpSink, SandboxClock, shaped

from .. import endpoints as ep
from .. import payment_page, signature, wire
from . import gate
from .faults import CALLBACK_KINDS, REQUEST_KINDS, FaultKind
from .ids import IdSource
from .outbox import CallbackSink, Delivery, signed_bytes
from .state import Payment, Timings
from .world import ApiFail, World

JSON = {"Content-Type": "application/json"}


@dataclass
class SandboxResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))
    #: The caller must see no answer (the request may or may not have been applied).
    timeout: bool = False
    #: The caller must see a refused connection (nothing was sent).
    refused: bool = False
    hang_seconds: int = 30
    #: No Monetix fault delays an answer (callbacks are delayed instead); the kit asks.
    delay_s: int = 0


def _json(status: int, body: Mapping[str, Any]) -> SandboxResponse:
    return SandboxResponse(status, wire.encode(body))


def _refusal(code: str, message: str, general: Mapping[str, Any] | None = None) -> SandboxResponse:
    body: dict[str, Any] = {"status": "error", "code": code, "message": message}
    if general:
        body |= {k: general[k] for k in ("project_id", "payment_id") if k in general}
    return _json(400, body)


def _html(status: int, text: str) -> SandboxResponse:
    page = f"<html><body><h1>{status}</h1><p>{text}</p></body></html>".encode()
    return SandboxResponse(status, page, {"Content-Type": "text/html"})


class MonetixSandbox:
    """A faithful, in-memory Monetix Gate for Binance Pay (see README.md here).

    Args:
        project_id / secret: the project requests must name and be signed with.
        encryption_key: the project's Payment Page encryption key (encrypted links).
        clock: business time; advance it to reach QR expiry and settlements.
        callback_sink: a URL, a callable ``(headers, body) -> (status, body)``, or ``None``
            (callbacks are recorded only).
        follow_request_callback_urls: deliver to a request's ``general.merchant_callback_url``
            instead of the sink, as the platform does. Off so tests never leave the host.
        ids: where operation and provider ids come from (restart-safe by default).
    """

    def __init__(
        self,
        project_id: int,
        secret: str,
        *,
        encryption_key: str | None = None,
        clock: SandboxClock | None = None,
        timings: Timings | None = None,
        callback_sink: CallbackSink | str | None = None,
        follow_request_callback_urls: bool = False,
        ids: IdSource | None = None,
        balances: Mapping[str, int] | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._deliver_lock = threading.Lock()
        self.world = World(project_id=project_id, secret=secret, clock=clock or SandboxClock(),
                           timings=timings or Timings(), ids=ids or IdSource(),
                           balances=dict(balances or {}))
        self.encryption_key = encryption_key
        self.faults = FaultBook(FaultKind)
        self._sink = HttpSink(callback_sink) if isinstance(callback_sink, str) else callback_sink
        self._follow = follow_request_callback_urls
        self._url_sinks: dict[str, HttpSink] = {}

    @property
    def _cipher_prefix(self) -> str:
        return f"/{self.world.project_id}/"

    @property
    def clock(self) -> SandboxClock:
        return self.world.clock

    # -- the Gate ------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes,
               query: str = "") -> SandboxResponse:
        if path.startswith("/sandbox/"):
            from .control import handle_control  # the control API is optional baggage

            return handle_control(self, method, path, body)
        if method == "GET" and (path == "/payment" or path.startswith(self._cipher_prefix)):
            return self._payment_page(path, query)
        handler = gate.ROUTES.get(path)
        if handler is None and path != ep.STATUS:
            return _html(404, "Not Found")
        if method != "POST":
            return _html(405, "Method Not Allowed")
        fault = self.faults.take(path, REQUEST_KINDS)
        if fault is not None and fault.kind is FaultKind.REFUSE_CONNECTION:
            return SandboxResponse(0, b"", refused=True)
        if fault is not None and fault.kind is FaultKind.TIMEOUT_BEFORE_APPLYING:
            return SandboxResponse(0, b"", timeout=True, hang_seconds=fault.hang_seconds)
        if fault is not None and fault.kind is FaultKind.HTTP_5XX:
            return _html(fault.http_status, "Service Temporarily Unavailable")
        with self._lock:
            self.world.run_due()
            response = self._gate(path, body)
        if fault is not None and fault.kind is FaultKind.HTTP_5XX_AFTER_APPLYING:
            return _html(fault.http_status, "Service Temporarily Unavailable")
        if fault is not None and fault.kind is FaultKind.TIMEOUT_AFTER_APPLYING:
            response.timeout, response.hang_seconds = True, fault.hang_seconds
        return response

    def _gate(self, path: str, raw: bytes) -> SandboxResponse:
        try:
            body = wire.loads(raw)
        except ValueError:
            return _refusal("2003", "Invalid JSON string")
        general = body.get("general") if isinstance(body, dict) else None
        if not isinstance(general, dict):
            return _refusal("2004", "Required field not provided: general")
        for name in ("project_id", "payment_id"):
            if general.get(name) in (None, ""):
                return _refusal("2004", f"Required field not provided: general.{name}", general)
        if str(general["project_id"]) != str(self.world.project_id):
            return _refusal("2442", "Project ID not found", general)
        given = general.get(signature.SIGNATURE_KEY)
        if not isinstance(given, str) or not given:
            return _refusal("3262", "Empty signature", general)
        try:
            ok = signature.verify(body, self.world.secret, given)
        except signature.UnsignableValue:
            ok = False
        if not ok:
            return _refusal("3261", "Invalid signature", general)
        try:
            if path == ep.STATUS:
                payment = gate.find(self.world, body)
                answer = self.world.status_body(payment)
                return SandboxResponse(200, signed_bytes(answer, self.world.secret))
            gate.ROUTES[path](self.world, body, path)
        except ApiFail as exc:
            return _refusal(exc.code, exc.message, general)
        return _json(200, {"project_id": self.world.project_id,
                           "payment_id": general["payment_id"], "status": "success",
                           "request_id": self._request_id(str(general["payment_id"]))})

    def _request_id(self, payment_id: str) -> str | None:
        payment = self.world.payments.get(payment_id)
        return payment.operations[-1].request_id if payment and payment.operations else None

    # -- Payment Page --------------------------------------------------------------------

    def _payment_page(self, path: str, query: str) -> SandboxResponse:
        """``GET /payment?...`` (plain) or ``GET /{project_id}/{cipher}`` (encrypted): a
        purchase opened on the hosted page, with the same checks and callbacks as Gate."""
        if path != "/payment":
            if not self.encryption_key:
                return _html(404, "Encrypted links are not enabled for this project")
            try:
                plain = payment_page.decrypt(path[len(self._cipher_prefix):],
                                             self.encryption_key)
            except payment_page.PaymentPageError as exc:
                return _html(400, str(exc))
            query = urlsplit(plain).query
        params = payment_page.verify_query(query, self.world.secret)
        if params is None:
            return _html(400, "Invalid signature (3261)")
        amount = params.get("payment_amount", "")
        body = {
            "general": {"project_id": params.get("project_id"),
                        "payment_id": params.get("payment_id")},
            # The page asks the customer's IP itself; Gate's required field gets a placeholder.
            "customer": {"id": params.get("customer_id"), "ip_address": "0.0.0.0",
                         "first_name": params.get("customer_first_name"),
                         "last_name": params.get("customer_last_name"),
                         "email": params.get("customer_email")},
            "payment": {"amount": int(amount) if amount.isdigit() else None,
                        "currency": params.get("payment_currency"),
                        "by_method": ep.BY_METHOD},
            "recurring": {"register": '"register":true' in params.get("recurring", "")},
        }
        if str(params.get("project_id")) != str(self.world.project_id):
            return _html(400, "Project ID not found (2442)")
        with self._lock:
            try:
                gate.sale(self.world, body, ep.SALE)
            except ApiFail as exc:
                return _html(400, f"{exc.message} ({exc.code})")
        return _html(200, f"Binance Pay: scan the QR code to pay {params.get('payment_id')}")

    # -- callbacks -----------------------------------------------------------------------

    def tick(self) -> int:
        """Apply due state changes and deliver due callbacks; returns deliveries attempted."""
        with self._deliver_lock:
            with self._lock:
                self.world.run_due()
                now = self.clock.now_ms()
                batch = self._with_callback_faults(self.world.outbox.due(now), now)
            # Delivered without the engine lock: the merchant's handler may call back into us.
            results = [(d, *self._deliver(d)) for d in batch]
            with self._lock:
                now = self.clock.now_ms()
                for delivery, ok, detail in results:
                    if not delivery.done:
                        self.world.outbox.record(delivery, ok, now, detail)
            return len(results)

    def _with_callback_faults(self, due: list[Delivery], now: int) -> list[Delivery]:
        def hold(delivery: Delivery, fault: Fault) -> None:
            delivery.due_ms = now + fault.delay_s * 1000

        return shaped(due, self.faults, lambda d: d.origin_path,
                      duplicate=FaultKind.DUPLICATE_CALLBACKS,
                      reverse=FaultKind.OUT_OF_ORDER_CALLBACKS,
                      hold=FaultKind.DELAY_CALLBACKS, held=hold)

    def _deliver(self, delivery: Delivery) -> tuple[bool, str]:
        sink = self._sink
        if self._follow and delivery.target_url:
            sink = self._url_sinks.setdefault(delivery.target_url, HttpSink(delivery.target_url))
        if sink is None:
            return True, "recorded (no sink configured)"
        try:
            status, _answer = sink(dict(JSON), delivery.body)
        except Exception as exc:  # noqa: BLE001 - any merchant failure means "retry later"
            return False, f"error: {exc!r}"
        # The platform counts a delivery only on HTTP 200 (providers.md §4).
        return status == 200, f"HTTP {status}"

    def advance(self, seconds: int) -> int:
        """Move sandbox time forward, then apply and deliver what fell due."""
        self.clock.advance(seconds)
        self.tick()
        return self.clock.now_ms()

    def set_callback_sink(self, sink: CallbackSink | str | None) -> None:
        with self._deliver_lock, self._lock:
            if isinstance(self._sink, HttpSink):
                self._sink.close()
            self._sink = HttpSink(sink) if isinstance(sink, str) else sink

    # -- the customer and the operator -----------------------------------------------------

    def pay(self, payment_id: str) -> dict[str, Any]:
        """The customer scans the QR and pays."""
        with self._lock:
            self.world.run_due()  # an expiry that fell due wins over a late payment
            return self._snapshot(gate.pay(self.world, payment_id))

    def customer_pays(self, *, merchant_order_id: str, provider_order_id: str | None) -> None:
        """``base.SimulatedCustomer``: the customer scans the QR and pays (the purchase's id at
        Monetix is our payment id)."""
        try:
            self.pay(provider_order_id or merchant_order_id)
        except ApiFail as refused:
            raise SandboxRefusal(f"{refused.message} (Monetix code {refused.code})") from None

    def decline(self, payment_id: str, code: str = "20000") -> dict[str, Any]:
        """Binance declines the purchase (``20105`` funds, ``20301`` cancelled by the payer)."""
        with self._lock:
            self.world.run_due()
            return self._snapshot(gate.decline(self.world, payment_id, code))

    def fail_next_refund(self, payment_id: str, code: str = "20000") -> None:
        with self._lock:
            self.world.failing_refunds[payment_id] = code

    def fail_account(self, account: str, code: str = "20106", failing: bool = True) -> None:
        """Payouts to ``account`` are declined with ``code`` from now on (or no longer)."""
        with self._lock:
            if failing:
                self.world.failing_accounts[account] = code
            else:
                self.world.failing_accounts.pop(account, None)

    def customer_cancels(self, recurring_id: int | str) -> None:
        """The customer ends the COF registration from the Binance side."""
        with self._lock:
            registration = self.world.registrations.get(int(recurring_id))
            if registration is None or not registration.active:
                raise ApiFail("3181", "COF purchase not found or already cancelled")
            gate.cancel_registration(self.world, registration, by_customer=True)

    def set_balance(self, currency: str, minor_units: int) -> None:
        with self._lock:
            self.world.balances[currency] = minor_units

    def set_fault(self, path: str, kind: FaultKind | str, *, times: int | None = 1,
                  http_status: int = 503, delay_s: int = 60, hang_seconds: int = 30) -> Fault:
        return self.faults.set(path, kind, times=times, http_status=http_status,
                               delay_s=delay_s, hang_seconds=hang_seconds)

    def clear_faults(self, path: str | None = None, kind: FaultKind | str | None = None) -> int:
        return self.faults.clear(path, kind)

    def payment(self, payment_id: str) -> dict[str, Any] | None:
        with self._lock:
            payment = self.world.payments.get(payment_id)
            return self._snapshot(payment) if payment else None

    def _snapshot(self, payment: Payment) -> dict[str, Any]:
        return self.world.status_body(payment)

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.summary() for d in self.world.outbox.deliveries]

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.world.events)

    def close(self) -> None:
        for sink in [self._sink, *self._url_sinks.values()]:
            if isinstance(sink, HttpSink):
                sink.close()


__all__ = ["MonetixSandbox", "SandboxResponse", "CALLBACK_KINDS", "REQUEST_KINDS"]
