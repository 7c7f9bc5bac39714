"""The sandbox as an httpx transport: a sync client talks to it with no network at all."""

from __future__ import annotations

import httpx

from .engine import MonetixSandbox


class SandboxTransport(httpx.BaseTransport):
    """``MonetixClient(project_id, secret, transport=SandboxTransport(sandbox))``.

    With ``auto_tick`` every request is followed by ``sandbox.tick()``, so callbacks that fell
    due are delivered without a background thread.
    """

    def __init__(self, sandbox: MonetixSandbox, *, auto_tick: bool = True) -> None:
        self.sandbox = sandbox
        self.auto_tick = auto_tick

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        answer = self.sandbox.handle(request.method, request.url.path, dict(request.headers),
                                     body, request.url.query.decode("ascii"))
        if self.auto_tick:
            self.sandbox.tick()
        if answer.refused:
            raise httpx.ConnectError("sandbox fault: connection refused", request=request)
        if answer.timeout:
            raise httpx.ReadTimeout("sandbox fault: no answer", request=request)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)
