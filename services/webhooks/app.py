"""The webhook receiver over HTTP (Starlette), served by `paydesk webhooks` under uvicorn."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.bootstrap import Services
from services.webhooks.receiver import WebhookReceiver

WEBHOOK_PATH = "/webhooks/binance-pay"
#: Binance notifications are a few kB; anything far larger is not one of them.
MAX_BODY_BYTES = 256 * 1024
_JSON = "application/json"


def create_app(services: Services, receiver: WebhookReceiver | None = None) -> Starlette:
    receiver = receiver or WebhookReceiver(services)

    async def webhook(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return Response(b'{"returnCode":"FAIL","returnMessage":"too large"}', 413,
                            media_type=_JSON)
        # The receiver blocks (database, certificate fetch): keep it off the event loop.
        status, answer = await run_in_threadpool(receiver.handle, dict(request.headers), body)
        return Response(answer, status_code=status, media_type=_JSON)

    async def health(_request: Request) -> Response:
        return Response(b'{"ok":true}', media_type=_JSON)

    return Starlette(routes=[
        Route(WEBHOOK_PATH, webhook, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
    ])


def serve(services: Services, host: str, port: int) -> None:
    """Serve until interrupted; blocks the calling thread."""
    uvicorn.run(create_app(services), host=host, port=port, log_level="info")
