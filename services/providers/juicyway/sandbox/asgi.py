"""The Juicyway sandbox over HTTP (Starlette), with a control API under ``/sandbox/``.

Control API (JSON bodies):
- ``POST /sandbox/payments/{id}/pay`` (``{"late": true}`` pays after expiry),
  ``/fail`` (``{"reason": "..."}``), ``/cancel``
- ``GET /sandbox/payments/{id}``: the session as Juicyway would list it
- ``POST /sandbox/clock/advance`` ``{"seconds": N}``
- ``POST /sandbox/faults`` ``{"path": "/payment-sessions", "kind": "...", "times": 1}``,
  ``DELETE /sandbox/faults``
- ``POST /sandbox/settings`` ``{"success_webhooks": false, "webhook_copies": 2,
  "webhook_delay_seconds": 30, "echo_override": ["USD", 100]}``
- ``GET /sandbox/deliveries``: every webhook with its attempts
"""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.providers.sandbox_kit import asgi

from .engine import JuicywaySandbox


def create_app(sandbox: JuicywaySandbox, *,
               tick_interval_s: float = asgi.TICK_INTERVAL_S) -> Starlette:  # float-ok: seconds
    async def control(request: Request) -> Response:
        action = request.path_params["action"]
        payload = json.loads(await request.body() or b"{}")
        try:
            result = await run_in_threadpool(_control, sandbox, request.method, action, payload)
        except (KeyError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse(result)

    return asgi.create_app(
        lambda method, path, headers, body, query: sandbox.handle(
            method, path, headers, body, dict(httpx.QueryParams(query))),
        sandbox.tick, name="juicyway", tick_interval_s=tick_interval_s,
        routes=[Route("/sandbox/{action:path}", control, methods=["GET", "POST", "DELETE"])])


def _control(sandbox: JuicywaySandbox, method: str, action: str, payload: dict) -> object:
    parts = action.strip("/").split("/")
    if parts[0] == "payments" and len(parts) == 2 and method == "GET":
        return sandbox.session(parts[1])
    if parts[0] == "payments" and len(parts) == 3 and method == "POST":
        payment_id, verb = parts[1], parts[2]
        if verb == "pay":
            sandbox.pay(payment_id, late=bool(payload.get("late")))
        elif verb == "fail":
            sandbox.fail(payment_id, str(payload.get("reason") or "declined"))
        elif verb == "cancel":
            sandbox.cancel(payment_id)
        else:
            raise ValueError(f"unknown payment action {verb!r}")
        return sandbox.session(payment_id)
    if parts == ["clock", "advance"] and method == "POST":
        sandbox.advance(int(payload["seconds"]))
        return {"now": sandbox.clock.now().isoformat()}
    if parts == ["faults"] and method == "POST":
        fault = sandbox.faults.set(payload["path"], payload["kind"], times=payload.get("times", 1),
                                   delay_s=int(payload.get("delay_seconds", 2)))
        return fault.as_dict()
    if parts == ["faults"] and method == "DELETE":
        return {"cleared": sandbox.faults.clear()}
    if parts == ["settings"] and method == "POST":
        if "success_webhooks" in payload:
            sandbox.success_webhooks = bool(payload["success_webhooks"])
        if "webhook_copies" in payload:
            sandbox.webhook_copies = max(1, int(payload["webhook_copies"]))
        if "webhook_delay_seconds" in payload:
            sandbox.webhook_delay = timedelta(seconds=int(payload["webhook_delay_seconds"]))
        if "echo_override" in payload:
            override = payload["echo_override"]
            sandbox.echo_override = (str(override[0]), int(override[1])) if override else None
        return {"ok": True}
    if parts == ["deliveries"] and method == "GET":
        return [d.summary() for d in sandbox.outbox.deliveries]
    raise ValueError(f"unknown control call {method} /sandbox/{action}")
