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

from .engine import SandboxEngine

TICK_INTERVAL_S = 0.5
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


def create_app(engine: SandboxEngine, *, tick_interval_s: float = TICK_INTERVAL_S) -> Starlette:  # float-ok
    """Every path goes to ``engine.handle``; a background thread delivers due webhooks."""

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        answer = await run_in_threadpool(
            engine.handle, request.method, request.url.path, dict(request.headers), body
        )
        if answer.timeout:
            # Processed, but the caller must see no answer: hold the line, then drop it.
            await asyncio.sleep(answer.hang_seconds)
            return Response(b"", status_code=504)
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        stop = threading.Event()

        def ticker() -> None:
            while not stop.wait(tick_interval_s):
                engine.tick()

        thread = threading.Thread(target=ticker, name="binance-pay-sandbox-ticker", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    routes = [Route("/{path:path}", endpoint, methods=METHODS)]
    return Starlette(routes=routes, lifespan=lifespan)
