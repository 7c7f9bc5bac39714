"""What Binance's gateway does before any business logic: header, clock and signature checks,
and the exact error shapes it answers with."""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.providers.errors import SandboxRefusal

from .. import wire
from ..auth import sign_payload

NONCE_RE = re.compile(r"^[A-Za-z0-9]{32}$")
API_KEY_RE = re.compile(r"^[\x21-\x7e]{1,128}$")
REQUIRED_HEADERS = (
    "binancepay-timestamp",
    "binancepay-nonce",
    "binancepay-certificate-sn",
    "binancepay-signature",
)


@dataclass
class SandboxResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})
    #: The request was processed but the caller must see a read timeout.
    timeout: bool = False
    hang_seconds: int = 0
    # The sandbox kit's transport also asks these; no Binance Pay fault refuses a connection
    # or answers late, so they stay off.
    refused: bool = False
    delay_s: int = 0

    def json(self) -> Any:
        return wire.loads(self.body)


class ApiFail(SandboxRefusal):
    """A business failure answered as ``{"status":"FAIL","code":...}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


def json_response(obj: Any, status: int = 200) -> SandboxResponse:
    return SandboxResponse(status, wire.dumps(obj).encode("utf-8"))


def success(data: Any) -> SandboxResponse:
    return json_response({"status": "SUCCESS", "code": "000000", "data": data, "errorMessage": ""})


def fail(code: str, message: str, status: int = 400) -> SandboxResponse:
    return json_response({"status": "FAIL", "code": code, "errorMessage": message}, status)


def signature_error(message: str = "Signature for this request is not valid.") -> SandboxResponse:
    return json_response({"code": "400002", "msg": message}, 400)


def system_error() -> SandboxResponse:
    return json_response(
        {"status": "ERROR", "type": "SYS", "code": "100001001", "errorData": "System abnormality"},
        400,
    )


def cdn_forbidden() -> SandboxResponse:
    html = (
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\">\n"
        "<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD>"
        "<BODY><H1>403 ERROR</H1><H2>The request could not be satisfied.</H2></BODY></HTML>"
    )
    return SandboxResponse(403, html.encode(), {"content-type": "text/html"})


def gateway_5xx(status: int) -> SandboxResponse:
    html = f"<html><body><h1>{status} Service Temporarily Unavailable</h1></body></html>"
    return SandboxResponse(status, html.encode(), {"content-type": "text/html"})


class NonceCache:
    """Remembers (api key, nonce) pairs long enough to refuse replays inside the window."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def check_and_add(self, api_key: str, nonce: str, now: int, ttl_ms: int) -> bool:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: exp for k, exp in self._seen.items() if exp > now}
            expiry = self._seen.get((api_key, nonce))
            if expiry is not None and expiry > now:
                return False
            self._seen[(api_key, nonce)] = now + ttl_ms
            return True


@dataclass
class Gateway:
    credentials: Mapping[str, str]
    wall_ms: Callable[[], int]
    window_ms: int = 1000
    check_nonce_replay: bool = True
    nonces: NonceCache = field(default_factory=NonceCache)

    def verify(
        self, method: str, headers: Mapping[str, str], body: bytes
    ) -> SandboxResponse | dict[str, Any]:
        """The parsed JSON object, or the response Binance would give instead."""
        h = {k.lower(): v for k, v in headers.items()}
        if method.upper() != "POST":
            return system_error()
        if "application/json" not in h.get("content-type", "").lower():
            return system_error()
        if not body:
            return system_error()
        missing = [name for name in REQUIRED_HEADERS if not h.get(name)]
        if missing:
            return signature_error(f"Missing required header(s): {', '.join(missing)}")
        api_key = h["binancepay-certificate-sn"]
        if not API_KEY_RE.match(api_key):
            return fail("400005", "Bad API key format")
        secret = self.credentials.get(api_key)
        if secret is None:
            return fail("400004", "Invalid API key or IP, please check your API key")
        timestamp = h["binancepay-timestamp"]
        if not timestamp.isdigit():
            return fail("400003", "Timestamp must be milliseconds since the epoch")
        now = self.wall_ms()
        if abs(now - int(timestamp)) > self.window_ms:
            return fail("400003", "Timestamp for this request is outside of the time window")
        nonce = h["binancepay-nonce"]
        if not NONCE_RE.match(nonce):
            return fail("400001", "Nonce must be exactly 32 letters or digits")
        expected = sign_payload(secret, timestamp, nonce, body)
        if not hmac.compare_digest(expected, h["binancepay-signature"]):
            return signature_error()
        if self.check_nonce_replay and not self.nonces.check_and_add(
            api_key, nonce, now, 2 * self.window_ms + 1000
        ):
            return fail("400001", "Nonce has already been used")
        try:
            params = wire.loads(body)
        except (ValueError, UnicodeDecodeError):
            return fail("400008", "Request body is not valid JSON")
        if not isinstance(params, dict):
            return fail("400008", "Request body must be a JSON object")
        return params
