"""The sandbox as an httpx transport: a sync client talks to it with no network at all."""

from __future__ import annotations

import httpx

from .engine import SandboxEngine


class SandboxTransport(httpx.BaseTransport):
    """``BinancePayClient(key, secret, transport=SandboxTransport(engine))``.

    Each request also runs ``engine.tick()`` afterwards when ``auto_tick`` is on, so webhooks
    that fell due are delivered without a background thread.
    """

    def __init__(self, engine: SandboxEngine, *, auto_tick: bool = True) -> None:
        self.engine = engine
        self.auto_tick = auto_tick

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        answer = self.engine.handle(request.method, request.url.path, dict(request.headers), body)
        if self.auto_tick:
            self.engine.tick()
        if answer.timeout:
            # The engine already applied the request: this is "sent, never answered".
            raise httpx.ReadTimeout("sandbox fault: timeout after processing", request=request)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)
