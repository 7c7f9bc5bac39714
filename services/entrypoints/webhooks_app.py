"""The webhook receiver over HTTP (Starlette), served by `paydesk webhooks` under uvicorn."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.entrypoints.bootstrap import Services
from services.entrypoints.provider_factory import event_readers
from services.inbound.limits import SourceLimiter
from services.inbound.receiver import WebhookReceiver

#: Each provider posts to /webhooks/<its name, with dashes>: /webhooks/binance-pay,
#: /webhooks/monetix, /webhooks/juicyway.
WEBHOOK_ROUTE = "/webhooks/{provider}"
WEBHOOK_PATH = "/webhooks/binance-pay"
#: Provider notifications are a few kB; anything far larger is not one of them.
MAX_BODY_BYTES = 256 * 1024
_JSON = "application/json"


def _answer(status: int, reason: str) -> Response:
    return Response(b'{"error":"%s"}' % reason.encode(), status,
                    media_type=_JSON)


async def _read_limited(request: Request) -> bytes | None:
    """The body, or None as soon as it is known to exceed MAX_BODY_BYTES: a 300 MB post is
    refused after its first 256 KB, never read whole into memory."""
    declared = request.headers.get("content-length", "")
    if declared and not (declared.isascii() and declared.isdigit()):
        return None
    if declared and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def create_app(services: Services, receiver: WebhookReceiver | None = None,
               limiter: SourceLimiter | None = None) -> Starlette:
    receiver = receiver or WebhookReceiver(services, event_readers(services))

    limiter = limiter or SourceLimiter()

    async def webhook(request: Request) -> Response:
        source = request.client.host if request.client else "unknown"
        if not limiter.allowed(source):
            return _answer(429, "too many requests")
        body = await _read_limited(request)
        if body is None:
            limiter.refused(source)
            return _answer(413, "too large")
        # The receiver blocks (database, certificate fetch): keep it off the event loop.
        provider = str(request.path_params["provider"]).replace("-", "_")
        status, answer = await run_in_threadpool(receiver.handle, provider,
                                                 dict(request.headers), body)
        if status >= 400:
            limiter.refused(source)
        return Response(answer, status_code=status, media_type=_JSON)

    async def health(_request: Request) -> Response:
        return Response(b'{"ok":true}', media_type=_JSON)

    return Starlette(routes=[
        Route(WEBHOOK_ROUTE, webhook, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
    ])


def serve(services: Services, host: str, port: int) -> None:
    """Serve until interrupted; blocks the calling thread."""
    uvicorn.run(create_app(services), host=host, port=port, log_level="info")
