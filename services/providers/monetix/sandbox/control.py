"""The sandbox control API (not Monetix; unsigned JSON under ``/sandbox/``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import wire
from .faults import FaultKind
from .world import ApiFail

if TYPE_CHECKING:
    from .engine import MonetixSandbox, SandboxResponse


def _ok(**data: Any) -> SandboxResponse:
    from .engine import _json

    return _json(200, {"ok": True, **data})


def _fail(status: int, message: str, code: str | None = None) -> SandboxResponse:
    from .engine import _json

    body: dict[str, Any] = {"ok": False, "message": message}
    if code:
        body["code"] = code
    return _json(status, body)


def _int(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = params.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        raise ValueError(f"{name} must be a whole number")
    return int(value)


def _payment_id(params: dict[str, Any]) -> str:
    value = params.get("paymentId")
    if not isinstance(value, str) or not value:
        raise ValueError("paymentId is required")
    return value


def _set_fault(sb: MonetixSandbox, p: dict[str, Any]) -> SandboxResponse:
    kind = FaultKind(p.get("kind", ""))
    if kind is FaultKind.REFUSE_CONNECTION:
        raise ValueError("a listening server cannot refuse its own connections: stop the "
                         "sandbox process for that, or set the fault in process")
    times = None if p.get("times", 1) is None else _int(p, "times", 1)
    fault = sb.set_fault(str(p.get("path", "*")), kind, times=times,
                         http_status=_int(p, "httpStatus", 503) or 503,
                         delay_s=_int(p, "delaySeconds", 60) or 0,
                         hang_seconds=_int(p, "hangSeconds", 30) or 0)
    return _ok(fault=fault.as_dict())


ROUTES: dict[tuple[str, str], Callable[[MonetixSandbox, dict[str, Any]], SandboxResponse]] = {
    ("POST", "/sandbox/payments/pay"): lambda sb, p: _ok(payment=sb.pay(_payment_id(p))),
    ("POST", "/sandbox/payments/decline"): lambda sb, p: _ok(
        payment=sb.decline(_payment_id(p), str(p.get("code", "20000")))),
    ("POST", "/sandbox/refunds/fail-next"): lambda sb, p: _ok(
        result=sb.fail_next_refund(_payment_id(p), str(p.get("code", "20000")))),
    ("POST", "/sandbox/accounts/fail"): lambda sb, p: _ok(
        result=sb.fail_account(str(p["account"]), str(p.get("code", "20106")),
                               bool(p.get("failing", True)))),
    ("POST", "/sandbox/recurring/customer-cancel"): lambda sb, p: _ok(
        result=sb.customer_cancels(str(p["recurringId"]))),
    ("POST", "/sandbox/balances"): lambda sb, p: _ok(
        result=sb.set_balance(str(p["currency"]), _int(p, "minorUnits") or 0)),
    ("POST", "/sandbox/clock/advance"): lambda sb, p: _ok(nowMs=sb.advance(
        _int(p, "seconds") or 0)),
    ("GET", "/sandbox/clock"): lambda sb, p: _ok(nowMs=sb.clock.now_ms()),
    ("POST", "/sandbox/tick"): lambda sb, p: _ok(delivered=sb.tick()),
    ("GET", "/sandbox/faults"): lambda sb, p: _ok(faults=[f.as_dict() for f in sb.faults.list()]),
    ("POST", "/sandbox/faults"): _set_fault,
    ("POST", "/sandbox/faults/clear"): lambda sb, p: _ok(cleared=sb.clear_faults(
        p.get("path"), p.get("kind"))),
    ("GET", "/sandbox/callbacks"): lambda sb, p: _ok(callbacks=sb.deliveries()),
    ("GET", "/sandbox/events"): lambda sb, p: _ok(events=sb.events()),
}


def handle_control(sandbox: MonetixSandbox, method: str, path: str,
                   body: bytes) -> SandboxResponse:
    route = ROUTES.get((method, path.rstrip("/")))
    if route is None:
        return _fail(404, f"no control route {method} {path}")
    try:
        params = wire.loads(body) if body.strip() else {}
    except ValueError:
        return _fail(400, "the body is not JSON")
    if not isinstance(params, dict):
        return _fail(400, "the body must be a JSON object")
    try:
        return route(sandbox, params)
    except ApiFail as exc:
        return _fail(409, exc.message, exc.code)
    except (KeyError, ValueError) as exc:
        return _fail(400, f"bad control request: {exc}")
