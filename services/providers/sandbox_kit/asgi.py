"""A sandbox as an ASGI (Starlette) app, for uvicorn and anything else that speaks HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .transport import Handler

TICK_INTERVAL_S = 0.5
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def create_app(handle: Handler, tick: Callable[[], object], *, name: str,
               routes: Sequence[BaseRoute] = (),
               tick_interval_s: float = TICK_INTERVAL_S) -> Starlette:  # float-ok: seconds
    """Every path not taken by ``routes`` goes to ``handle``; a background thread runs
    ``tick`` so that due notifications are delivered while nobody calls."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        answer = await run_in_threadpool(handle, request.method, request.url.path,
                                         dict(request.headers), body, request.url.query)
        if answer.refused or answer.timeout:
            # A listening server cannot refuse its own connection, and a lost answer is no
            # answer: hold the line, then give up on it; the caller sees its own read timeout.
            await asyncio.sleep(answer.hang_seconds)
            return Response(b"", status_code=504)
        if answer.delay_s:
            await asyncio.sleep(answer.delay_s)
        return Response(answer.body, status_code=answer.status, headers=dict(answer.headers))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()

        def ticker() -> None:
            while not stop.wait(tick_interval_s):
                tick()

        thread = threading.Thread(target=ticker, name=f"{name}-sandbox-ticker", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    return Starlette(routes=[*routes, Route("/{path:path}", endpoint, methods=METHODS)],
                     lifespan=lifespan)
