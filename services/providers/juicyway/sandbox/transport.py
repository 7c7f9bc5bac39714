"""The Juicyway sandbox as an httpx transport: the client talks to it with no network."""

from __future__ import annotations

import time

import httpx

from .engine import JuicywaySandbox
from .faults import FaultKind


class SandboxTransport(httpx.BaseTransport):
    """``JuicywayClient(key, transport=SandboxTransport(sandbox))``; due webhooks are delivered
    after each request when ``auto_tick`` is on, so no background thread is needed."""

    def __init__(self, sandbox: JuicywaySandbox, *, auto_tick: bool = True,
                 sleep=time.sleep) -> None:  # type: ignore[no-untyped-def]
        self.sandbox = sandbox
        self.auto_tick = auto_tick
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        answer = self.sandbox.handle(
            request.method, request.url.path, dict(request.headers), body,
            dict(request.url.params),
        )
        if self.auto_tick:
            self.sandbox.tick()
        kind = answer.fault.kind if answer.fault else None
        if kind is FaultKind.REFUSE_CONNECTION:
            raise httpx.ConnectError("sandbox fault: connection refused", request=request)
        if kind in (FaultKind.TIMEOUT_BEFORE_APPLYING, FaultKind.TIMEOUT_AFTER_APPLYING):
            raise httpx.ReadTimeout(f"sandbox fault: {kind}", request=request)
        if kind is FaultKind.DELAY:
            self._sleep(answer.fault.delay_seconds)  # type: ignore[union-attr]
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)
