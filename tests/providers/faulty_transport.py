"""A transport that wraps any provider transport and fails the way networks fail.

Modes, each for requests whose path starts with a prefix, a given number of times:
- ``refuse``: the connection is refused; nothing reaches the provider.
- ``lose_request``: sent, never arrives; the caller sees a read timeout.
- ``apply_then_timeout``: the provider applies it, the answer is lost (read timeout).
- ``apply_then_5xx``: the provider applies it, a gateway answers 502.
- ``delay``: the provider applies and answers after a pause (given to ``sleep``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

MODES = ("refuse", "lose_request", "apply_then_timeout", "apply_then_5xx", "delay")


@dataclass
class _Rule:
    prefix: str
    mode: str
    remaining: int | None
    delay_s: float  # float-ok: seconds


class FaultyTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport,
                 sleep: Callable[[float], None] = lambda _s: None) -> None:
        self.inner = inner
        self.sleep = sleep
        self.rules: list[_Rule] = []
        #: Requests that reached the provider, as (method, path).
        self.applied: list[tuple[str, str]] = []

    def fail(self, prefix: str, mode: str, *, times: int | None = 1,
             delay_s: float = 1.0) -> None:  # float-ok: seconds
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.rules.append(_Rule(prefix, mode, times, delay_s))

    def _take(self, path: str) -> _Rule | None:
        for rule in self.rules:
            if path.startswith(rule.prefix):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self.rules.remove(rule)
                return rule
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        rule = self._take(request.url.path)
        mode = rule.mode if rule else None
        if mode == "refuse":
            raise httpx.ConnectError("connection refused (injected)", request=request)
        if mode == "lose_request":
            raise httpx.ReadTimeout("request lost (injected)", request=request)
        response = self.inner.handle_request(request)
        self.applied.append((request.method, request.url.path))
        if mode == "apply_then_timeout":
            response.close()
            raise httpx.ReadTimeout("answer lost after applying (injected)", request=request)
        if mode == "apply_then_5xx":
            response.close()
            return httpx.Response(502, content=b"<html>502 Bad Gateway</html>")
        if mode == "delay" and rule is not None:
            self.sleep(rule.delay_s)
        return response
