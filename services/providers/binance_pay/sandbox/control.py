"""The unsigned ``/sandbox/...`` control API: the customer and the operator over HTTP.

Not part of Binance Pay. Documented in README.md next to this file. Every route maps onto a
``SandboxEngine`` method so tests can use either.
"""

from __future__ import annotations

import html
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from .. import wire
from .gateway import ApiFail, SandboxResponse, json_response

if TYPE_CHECKING:
    from .engine import SandboxEngine


class _BadControl(Exception):
    pass


def _decimal(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(value) if isinstance(value, int | str) else value
    except InvalidOperation:
        number = None
    if not isinstance(number, Decimal) or not number.is_finite():
        raise _BadControl(f"{name} must be a number (string or JSON number)")
    return number


def _ok(**data: Any) -> SandboxResponse:
    return json_response({"ok": True, **data})


def handle_control(engine: SandboxEngine, method: str, path: str, body: bytes) -> SandboxResponse:
    try:
        params = wire.loads(body) if body.strip() else {}
    except ValueError:
        return json_response({"ok": False, "message": "body must be JSON"}, 400)
    if not isinstance(params, dict):
        return json_response({"ok": False, "message": "body must be a JSON object"}, 400)
    try:
        return _route(engine, method.upper(), path, params)
    except ApiFail as exc:
        return json_response({"ok": False, "code": exc.code, "message": exc.message}, 409)
    except (_BadControl, ValueError) as exc:
        return json_response({"ok": False, "message": str(exc)}, 400)


def _route(engine: SandboxEngine, method: str, path: str, p: dict[str, Any]) -> SandboxResponse:
    key = (method, path)
    if key == ("POST", "/sandbox/orders/pay"):
        return _ok(**engine.pay_order(prepay_id=p.get("prepayId"),
                                      merchant_trade_no=p.get("merchantTradeNo"),
                                      payer_id=p.get("payerId")))
    if key == ("POST", "/sandbox/orders/open"):
        return _ok(**engine.open_order(prepay_id=p.get("prepayId"),
                                       merchant_trade_no=p.get("merchantTradeNo")))
    if key == ("POST", "/sandbox/contracts/sign"):
        return _ok(**engine.sign_contract(merchant_contract_code=p.get("merchantContractCode"),
                                          pre_contract_id=p.get("preContractId"),
                                          payer_id=p.get("payerId")))
    if key == ("POST", "/sandbox/receivers/register"):
        engine.register_receiver(_need(p, "receiver"))
        return _ok()
    if key == ("POST", "/sandbox/parties/fail"):
        engine.fail_party(_need(p, "party"), bool(p.get("failing", True)))
        return _ok()
    if key == ("POST", "/sandbox/clock/advance"):
        now = engine.advance(_decimal(_need(p, "seconds"), "seconds"))
        return _ok(now=now, offsetMs=engine.clock.offset_ms)
    if key == ("GET", "/sandbox/clock"):
        return _ok(now=engine.clock.now_ms(), offsetMs=engine.clock.offset_ms)
    if key == ("POST", "/sandbox/tick"):
        return _ok(delivered=engine.tick())
    if key == ("GET", "/sandbox/faults"):
        return _ok(faults=[f.as_dict() for f in engine.faults.list()])
    if key == ("POST", "/sandbox/faults"):
        times = p.get("times", 1)
        fault = engine.set_fault(
            _need(p, "path"), _need(p, "kind"), times=None if times is None else int(times),
            http_status=int(p.get("httpStatus", 503)),
            hang_seconds=int(p.get("hangSeconds", 30)),
        )
        return _ok(fault=fault.as_dict())
    if key in (("DELETE", "/sandbox/faults"), ("POST", "/sandbox/faults/clear")):
        return _ok(cleared=engine.clear_faults(p.get("path"), p.get("kind")))
    if key == ("GET", "/sandbox/balances"):
        return _ok(balances=engine.balances())
    if key == ("POST", "/sandbox/balances"):
        engine.set_balance(_need(p, "asset"), _decimal(_need(p, "available"), "available"),
                           p.get("wallet", "FUNDING_WALLET"))
        return _ok(balances=engine.balances())
    if key == ("GET", "/sandbox/events"):
        return _ok(events=engine.events())
    if key == ("GET", "/sandbox/webhooks"):
        return _ok(deliveries=engine.deliveries())
    if key == ("GET", "/sandbox/certificate"):
        return _ok(**engine.certificate)
    if method == "GET" and path.startswith("/sandbox/reports/"):
        content = engine.report_file(path.rsplit("/", 1)[-1])
        if content is None:
            return json_response({"ok": False, "message": "no such report"}, 404)
        return SandboxResponse(200, content, {"content-type": "text/csv; charset=utf-8"})
    if path.startswith("/sandbox/checkout/"):
        return _checkout(engine, method, path.rsplit("/", 1)[-1])
    return json_response({"ok": False, "message": f"no control route {method} {path}"}, 404)


def _need(p: dict[str, Any], name: str) -> Any:
    value = p.get(name)
    if value in (None, ""):
        raise _BadControl(f"'{name}' is required")
    return value


def _checkout(engine: SandboxEngine, method: str, prepay_id: str) -> SandboxResponse:
    """A bare checkout page so a human can pay a sandbox order from a browser."""
    if method == "POST":
        engine.pay_order(prepay_id=prepay_id)
        text = "<p>Payment submitted. The order turns PAID in a few seconds.</p>"
    else:
        info = engine.open_order(prepay_id=prepay_id)
        text = (
            f"<p>Sandbox order {html.escape(prepay_id)}: {html.escape(info['status'])}</p>"
            f'<form method="post"><button type="submit">Pay</button></form>'
        )
    page = f"<!doctype html><title>Binance Pay sandbox checkout</title>{text}"
    return SandboxResponse(200, page.encode(), {"content-type": "text/html; charset=utf-8"})
