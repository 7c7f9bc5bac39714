"""Signing Gate requests as an ``httpx.Auth``: the signature lives inside the JSON body."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import httpx

from . import signature, wire


def signed_body(body: dict[str, Any], secret: str) -> dict[str, Any]:
    """``body`` with ``general.signature`` set over everything else (old signatures ignored)."""
    general = body.get("general")
    if not isinstance(general, dict):
        raise wire.WireFormatError("a Gate request needs a 'general' object")
    sig = signature.sign(body, secret)
    return {**body, "general": {**general, signature.SIGNATURE_KEY: sig}}


class MonetixSignature(httpx.Auth):
    """Puts ``general.signature`` into each request body.

    The body is re-read from ``request.content`` and re-serialized once here, so what is
    signed is exactly what is sent. The signature has no nonce or timestamp: every attempt of
    a request carries the same bytes, which is what lets the platform recognise a repeat.
    """

    requires_request_body = True

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        body = wire.loads(request.content)
        if not isinstance(body, dict):
            raise wire.WireFormatError("a Gate request body is a JSON object")
        content = wire.encode(signed_body(body, self._secret))
        headers = httpx.Headers(request.headers)
        headers.pop("Content-Length", None)
        yield httpx.Request(
            request.method, request.url, headers=headers, content=content,
            extensions=request.extensions,
        )
