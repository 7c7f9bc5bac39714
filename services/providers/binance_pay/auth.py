"""Request signing for the Binance Pay merchant API."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
import time
from collections.abc import Callable, Generator

import httpx

NONCE_LENGTH = 32
_NONCE_ALPHABET = string.ascii_letters + string.digits


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def random_nonce() -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


def sign_payload(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Upper-case hex HMAC-SHA512 of ``timestamp\\nnonce\\nbody\\n`` (body as raw bytes)."""
    payload = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    return hmac.new(secret.encode("utf-8"), payload, hashlib.sha512).hexdigest().upper()


class BinancePaySignature(httpx.Auth):
    """Signs each attempt with a fresh timestamp and nonce.

    httpx calls ``auth_flow`` once per send, so a retried request never reuses a nonce and a
    400003 retry really gets a new timestamp. The signature covers ``request.content``, the
    exact bytes on the wire: nothing re-serializes the body after this point.
    """

    requires_request_body = True

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        *,
        clock: Callable[[], int] = now_ms,
        nonce_factory: Callable[[], str] = random_nonce,
    ) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self._clock = clock
        self._nonce_factory = nonce_factory

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        timestamp = str(self._clock())
        nonce = self._nonce_factory()
        request.headers["BinancePay-Timestamp"] = timestamp
        request.headers["BinancePay-Nonce"] = nonce
        request.headers["BinancePay-Certificate-SN"] = self._api_key
        request.headers["BinancePay-Signature"] = sign_payload(
            self._api_secret, timestamp, nonce, request.content
        )
        yield request
