"""The sandbox as an ASGI (Starlette) app, for uvicorn and for anything that speaks HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .engine import MonetixSandbox

TICK_INTERVAL_S = 0.5
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def create_app(sandbox: MonetixSandbox, *,
               tick_interval_s: float = TICK_INTERVAL_S) -> Starlette:  # float-ok: seconds
    """Every path goes to ``sandbox.handle``; a background thread delivers due callbacks."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        answer = await run_in_threadpool(
            sandbox.handle, request.method, request.url.path, dict(request.headers), body,
            request.url.query,
        )
        if answer.timeout:
            # Hold the line, then give up on it: the caller sees its own read timeout.
            await asyncio.sleep(answer.hang_seconds)
            return Response(b"", status_code=504)
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()

        def ticker() -> None:
            while not stop.wait(tick_interval_s):
                sandbox.tick()

        thread = threading.Thread(target=ticker, name="monetix-sandbox-ticker", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    routes = [Route("/{path:path}", endpoint, methods=METHODS)]
    return Starlette(routes=routes, lifespan=lifespan)
