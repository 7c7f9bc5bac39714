"""A sandbox as an httpx transport: a sync client talks to it with no network at all."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Protocol

import httpx


class SandboxAnswer(Protocol):
    """What a sandbox answers one request with, and what the caller must see instead."""

    @property
    def status(self) -> int: ...
    @property
    def body(self) -> bytes: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    #: Nothing was sent: the caller sees a refused connection.
    @property
    def refused(self) -> bool: ...
    #: No answer comes back (whether or not the request was applied).
    @property
    def timeout(self) -> bool: ...
    #: The answer comes, but this many seconds late.
    @property
    def delay_s(self) -> int: ...
    #: Over HTTP: how long a connection with no answer is held before it is dropped.
    @property
    def hang_seconds(self) -> int: ...


#: ``(method, path, headers, body, query string) -> answer``: one sandbox's front door.
Handler = Callable[[str, str, dict[str, str], bytes, str], SandboxAnswer]


class SandboxTransport(httpx.BaseTransport):
    """Runs ``handle`` for each request; with ``auto_tick`` every request is followed by
    ``tick()``, so notifications that fell due are delivered without a background thread."""

    def __init__(self, handle: Handler, tick: Callable[[], object], *, auto_tick: bool = True,
                 sleep: Callable[[int], object] = time.sleep) -> None:
        self._handle = handle
        self._tick = tick
        self.auto_tick = auto_tick
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        answer = self._handle(request.method, request.url.path, dict(request.headers), body,
                              request.url.query.decode("ascii"))
        if self.auto_tick:
            self._tick()
        if answer.refused:
            raise httpx.ConnectError("sandbox fault: connection refused", request=request)
        if answer.timeout:
            raise httpx.ReadTimeout("sandbox fault: no answer", request=request)
        if answer.delay_s:
            self._sleep(answer.delay_s)
        return httpx.Response(answer.status, headers=dict(answer.headers), content=answer.body)
