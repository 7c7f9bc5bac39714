"""The Binance Pay sandbox engine: plain Python, in memory, thread-safe.

``SandboxEngine.handle(method, path, headers, body)`` answers one HTTP request exactly as
Binance would; the ASGI app and the in-process httpx transport are thin shells around it.
The customer/operator side (pay an order, sign a contract, move the clock, faults,
balances) is a set of methods here and, over HTTP, the ``/sandbox/...`` control API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from services.providers.sandbox_kit import Fault, FaultBook, HttpSink, SandboxClock, shaped

from .. import endpoints as ep
from .. import wire
from ..auth import now_ms
from . import adoption, direct_debit, orders, payouts, wallet
from . import validate as v
from .adoption import ContractLookup, OrderLookup, PayoutLookup, RefundLookup
from .faults import REQUEST_KINDS, WEBHOOK_KINDS, FaultKind
from .gateway import ApiFail, Gateway, SandboxResponse, cdn_forbidden, fail, gateway_5xx, success
from .state import Timings
from .webhooks import Delivery, WebhookSigner, WebhookSink, acknowledged
from .world import World

Handler = Callable[[World, dict[str, Any], str], Any]

ROUTES: dict[str, Handler] = {
    ep.ORDER_V3: orders.create_v3,
    ep.ORDER_V2: orders.create_v2,
    ep.ORDER_QUERY_V2: orders.query,
    ep.ORDER_CLOSE: orders.close,
    ep.REFUND: orders.refund,
    ep.REFUND_QUERY: orders.refund_query,
    ep.PAYOUT_TRANSFER: payouts.transfer,
    ep.PAYOUT_QUERY: payouts.query,
    ep.CONTRACT_CREATE: direct_debit.create_contract,
    ep.CONTRACT_QUERY: direct_debit.query_contract,
    ep.CONTRACT_TERMINATE: direct_debit.terminate_contract,
    ep.PAY_NOTIFY: direct_debit.pay_notify,
    ep.PAY_APPLY: direct_debit.pay_apply,
    ep.BALANCE_V2: wallet.balance_v2,
    ep.BALANCE_V1: wallet.balance_v1,
    ep.WALLET_TRANSFER: wallet.wallet_transfer,
    ep.WALLET_TRANSFER_QUERY: wallet.wallet_transfer_query,
    ep.SUBMERCHANT_ADD: wallet.submerchant_add,
    ep.CERTIFICATES: wallet.certificates,
    ep.REPORT_GET_FILE: wallet.report,
}

#: path -> (id namespace, merchant id field, code when the id comes back with other params)
IDEMPOTENT: dict[str, tuple[str, str, str]] = {
    ep.ORDER_V3: ("order", "merchantTradeNo", "400201"),
    ep.ORDER_V2: ("order", "merchantTradeNo", "400201"),
    ep.REFUND: ("refund", "refundRequestId", "400102"),
    ep.PAYOUT_TRANSFER: ("payout", "requestId", "400102"),
    ep.CONTRACT_CREATE: ("contract", "merchantContractCode", "400102"),
    ep.PAY_NOTIFY: ("notify", "merchantRequestId", "400102"),
    ep.PAY_APPLY: ("apply", "merchantRequestId", "400102"),
    ep.WALLET_TRANSFER: ("transfer", "requestId", "400102"),
}

DEFAULT_MERCHANT_ID = "987654321"
DEFAULT_BALANCES = {"USDT": Decimal("10000"), "USDC": Decimal("5000"), "BNB": Decimal("20")}


def _fingerprint(params: Mapping[str, Any]) -> str:
    def norm(value: Any) -> Any:
        if isinstance(value, Decimal):
            return value.normalize()
        if isinstance(value, dict):
            return {k: norm(x) for k, x in value.items()}
        if isinstance(value, list):
            return [norm(x) for x in value]
        return value

    return wire.dumps(norm(dict(params)), sort_keys=True)


class SandboxEngine:
    """A faithful, in-memory Binance Pay.

    Args:
        api_key / api_secret: the merchant credentials requests must be signed with.
        clock: business time; defaults to wall time, advanceable (``advance``).
        wall_clock: what request timestamps are checked against (ms).
        timestamp_window_ms: allowed skew; Binance uses 1000.
        webhook_sink: where notifications go: an http(s) URL, a callable
            ``(headers, body) -> (status, body)``, or ``None`` to only record them.
        follow_request_webhook_urls: deliver to a request's own ``webhookUrl`` (over HTTP)
            instead of the sink, as Binance does. Off by default so tests never leave the host.
        public_base_url: how links (checkout, report downloads) should start.
        initial_balances: FUNDING_WALLET balances per asset.
        order_lookup / contract_lookup / refund_lookup / payout_lookup: asked about an order,
            contract, refund or payout batch this sandbox never issued; a snapshot they return
            is adopted (see ``adoption``).
    """

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        clock: SandboxClock | None = None,
        wall_clock: Callable[[], int] = now_ms,
        timestamp_window_ms: int = 1000,
        webhook_sink: WebhookSink | str | None = None,
        follow_request_webhook_urls: bool = False,
        public_base_url: str = "http://sandbox.binancepay.local",
        merchant_id: str = DEFAULT_MERCHANT_ID,
        timings: Timings | None = None,
        signer: WebhookSigner | None = None,
        initial_balances: Mapping[str, Decimal] | None = None,
        order_lookup: OrderLookup | None = None,
        contract_lookup: ContractLookup | None = None,
        refund_lookup: RefundLookup | None = None,
        payout_lookup: PayoutLookup | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._deliver_lock = threading.RLock()
        self.clock = clock or SandboxClock()
        self.gateway = Gateway({api_key: api_secret}, wall_clock, timestamp_window_ms)
        self.faults = FaultBook(FaultKind)
        self.world = World(
            clock=self.clock,
            timings=timings or Timings(),
            signer=signer or WebhookSigner(),
            merchant_id=merchant_id,
            public_base_url=public_base_url,
        )
        world = self.world
        if order_lookup is not None:
            self.world.adopt_order = lambda p, m: adoption.adopt_order(world, order_lookup, p, m)
        if contract_lookup is not None:
            self.world.adopt_contract = lambda c, i: adoption.adopt_contract(
                world, contract_lookup, c, i)
        if refund_lookup is not None:
            self.world.adopt_refund = lambda r: adoption.adopt_refund(world, refund_lookup, r)
        if payout_lookup is not None:
            self.world.adopt_payout = lambda r: adoption.adopt_payout(world, payout_lookup, r)
        self._replays: dict[tuple[str, str], tuple[str, Any]] = {}
        self._sink = HttpSink(webhook_sink) if isinstance(webhook_sink, str) else webhook_sink
        self._follow_urls = follow_request_webhook_urls
        self._url_sinks: dict[str, HttpSink] = {}
        start = self.clock.now_ms()
        balances = DEFAULT_BALANCES if initial_balances is None else initial_balances
        for asset, amount in balances.items():
            self.world.wallets.set("FUNDING_WALLET", asset, Decimal(amount), start)

    # -- the Binance API ---------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> SandboxResponse:
        if path.startswith("/sandbox/"):
            from .control import handle_control  # the control API is optional baggage

            return handle_control(self, method, path, body)
        handler = ROUTES.get(path)
        if handler is None:
            return cdn_forbidden()
        with self._lock:
            verified = self.gateway.verify(method, headers, body)
            if isinstance(verified, SandboxResponse):
                return verified
            self._run_due()
            fault = self.faults.take(path, REQUEST_KINDS)
            if fault is not None and fault.kind is FaultKind.HTTP_5XX:
                return gateway_5xx(fault.http_status)
            if fault is not None and fault.kind is FaultKind.CODE_400000:
                return fail("400000", "Unknown error, please try again later", 500)
            response = self._dispatch(handler, path, verified)
            if fault is not None and fault.kind is FaultKind.TIMEOUT_AFTER_PROCESSING:
                response.timeout = True
                response.hang_seconds = fault.hang_seconds
            return response

    def _dispatch(self, handler: Handler, path: str, params: dict[str, Any]) -> SandboxResponse:
        spec = IDEMPOTENT.get(path)
        key = None
        if spec is not None and isinstance(params.get(spec[1]), str) and params[spec[1]]:
            key = (spec[0], params[spec[1]])
            stored = self._replays.get(key)
            if stored is not None:
                fingerprint, data = stored
                if fingerprint != _fingerprint(params):
                    return fail(spec[2], f"{spec[1]} was already used with other parameters")
                if path == ep.REFUND:
                    data = {**data, "duplicateRequest": "Y"}
                return success(data)
        try:
            data = handler(self.world, params, path)
        except ApiFail as exc:
            return fail(exc.code, exc.message)
        if key is not None:
            self._replays[key] = (_fingerprint(params), data)
        return success(data)

    def _run_due(self) -> None:
        self.world.scheduler.run_due(self.clock.now_ms())

    # -- time and webhooks -------------------------------------------------------------

    def tick(self) -> int:
        """Apply due state changes and deliver due webhooks; returns deliveries attempted."""
        with self._deliver_lock:
            with self._lock:
                self._run_due()
                now = self.clock.now_ms()
                batch = self._with_webhook_faults(self.world.outbox.due(now))
            # Deliver without the engine lock: a merchant handler may call back into us.
            results = [(d, *self._deliver(d)) for d in batch]
            with self._lock:
                now = self.clock.now_ms()
                for delivery, ok, detail in results:
                    if not delivery.done:
                        self.world.outbox.record(delivery, ok, now, detail)
            return len(results)

    def _with_webhook_faults(self, due: list[Delivery]) -> list[Delivery]:
        return shaped(due, self.faults, lambda d: d.origin_path,
                      duplicate=FaultKind.DUPLICATE_WEBHOOKS,
                      reverse=FaultKind.OUT_OF_ORDER_WEBHOOKS)

    def _deliver(self, delivery: Delivery) -> tuple[bool, str]:
        sink: WebhookSink | None = self._sink
        if self._follow_urls and delivery.target_url:
            sink = self._url_sinks.setdefault(delivery.target_url, HttpSink(delivery.target_url))
        if sink is None:
            return True, "recorded (no sink configured)"
        # Header time is the sandbox's own clock: receivers read it as "when it happened at the
        # provider", so after `advance()` an expiry must look like it came after the expiry time.
        headers = self.world.signer.headers(delivery.body, self.clock.now_ms())
        try:
            status, answer = sink(headers, delivery.body)
        except Exception as exc:  # noqa: BLE001 - any merchant failure means "retry later"
            return False, f"error: {exc!r}"
        return acknowledged(status, answer), f"HTTP {status}"

    def advance(self, seconds: int | Decimal) -> int:
        """Move sandbox time forward, then process and deliver what became due."""
        self.clock.advance(seconds)
        self.tick()
        return self.clock.now_ms()

    def set_webhook_sink(self, sink: WebhookSink | str | None) -> None:
        with self._deliver_lock, self._lock:
            if isinstance(self._sink, HttpSink):
                self._sink.close()  # its pooled connection would otherwise leak
            self._sink = HttpSink(sink) if isinstance(sink, str) else sink

    # -- the customer and the operator ---------------------------------------------------

    def pay_order(
        self,
        *,
        prepay_id: str | None = None,
        merchant_trade_no: str | None = None,
        payer_id: str | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            self._run_due()
            order = self.world.order(prepay_id, merchant_trade_no)
            if order is None:
                raise ApiFail("400202", "Order not found")
            orders.pay(self.world, order, payer_id)
            return {"prepayId": order.prepay_id, "status": order.status}

    def customer_pays(self, *, merchant_order_id: str, provider_order_id: str | None) -> None:
        """``base.SimulatedCustomer``: the customer pays in the Binance app."""
        self.pay_order(prepay_id=provider_order_id, merchant_trade_no=merchant_order_id)

    def open_order(
        self, *, prepay_id: str | None = None, merchant_trade_no: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            self._run_due()
            order = self.world.order(prepay_id, merchant_trade_no)
            if order is None:
                raise ApiFail("400202", "Order not found")
            orders.open_checkout(self.world, order)
            return {"prepayId": order.prepay_id, "status": order.status}

    def sign_contract(
        self,
        *,
        merchant_contract_code: str | None = None,
        pre_contract_id: str | None = None,
        payer_id: str | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            self._run_due()
            contract = self.world.contracts.get(merchant_contract_code or "")
            if contract is None and pre_contract_id:
                contract = next(
                    (c for c in self.world.contracts.values()
                     if c.pre_contract_id == str(pre_contract_id)),
                    None,
                )
            if contract is None:
                raise ApiFail("406207", "Contract not found")
            direct_debit.sign(self.world, contract, payer_id)
            return {"merchantContractCode": contract.merchant_contract_code,
                    "contractId": contract.contract_id, "status": contract.status}

    def register_receiver(self, receiver: str) -> None:
        """An email receiver now has a Binance account; waiting payouts to it complete."""
        with self._lock:
            payouts.receiver_registered(self.world, receiver, self.clock.now_ms())

    def fail_party(self, party: str, failing: bool = True) -> None:
        """Make transfers to a receiver, or payments/debits by a payer id, fail from now on."""
        with self._lock:
            (self.world.failing_parties.add if failing else self.world.failing_parties.discard)(
                party
            )

    def set_balance(self, asset: str, available: Decimal, wallet: str = "FUNDING_WALLET") -> None:
        if not isinstance(available, Decimal) or available < 0:
            raise ValueError("balances are non-negative Decimals")
        with self._lock:
            self.world.wallets.set(wallet, asset, available, self.clock.now_ms())

    def balances(self) -> list[dict[str, Any]]:
        with self._lock:
            w = self.world.wallets
            keys = sorted(set(w.available) | set(w.frozen))
            return [
                {"wallet": k[0], "asset": k[1], "available": v.amount_text(w.get(*k)[0]),
                 "freeze": v.amount_text(w.get(*k)[1])}
                for k in keys
            ]

    def set_fault(
        self,
        path: str,
        kind: FaultKind | str,
        *,
        times: int | None = 1,
        http_status: int = 503,
        hang_seconds: int = 30,
    ) -> Fault:
        return self.faults.set(path, kind, times=times, http_status=http_status,
                               hang_seconds=hang_seconds)

    def clear_faults(self, path: str | None = None, kind: FaultKind | str | None = None) -> int:
        return self.faults.clear(path, kind)

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.world.events)

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.summary() for d in self.world.outbox.deliveries]

    def report_file(self, file_name: str) -> bytes | None:
        with self._lock:
            return wallet.report_csv(self.world, file_name)

    @property
    def certificate(self) -> dict[str, str]:
        return {"certSerial": self.world.signer.cert_serial,
                "certPublic": self.world.signer.public_pem}

    def close(self) -> None:
        for sink in [self._sink, *self._url_sinks.values()]:
            if isinstance(sink, HttpSink):
                sink.close()


__all__ = ["SandboxEngine", "FaultKind", "WEBHOOK_KINDS", "REQUEST_KINDS"]
