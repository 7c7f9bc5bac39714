"""A transport that wraps any provider transport and fails the way networks fail.

Modes, each for requests whose path starts with a prefix, a given number of times:
- ``refuse``: the connection is refused; nothing reaches the provider.
- ``lose_request``: sent, never arrives; the caller sees a read timeout.
- ``apply_then_timeout``: the provider applies it, the answer is lost (read timeout).
- ``apply_then_5xx``: the provider applies it, a gateway answers 502.
- ``apply_then_answer``: the provider applies it, the caller gets ``answer`` (status, body)
  instead, e.g. a provider's own "unknown error, try again" envelope.
- ``delay``: the provider applies and answers after a pause (given to ``sleep``; pass an
  event's wait to order concurrent calls without timing anything).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

MODES = ("refuse", "lose_request", "apply_then_timeout", "apply_then_5xx", "apply_then_answer",
         "delay")


@dataclass
class _Rule:
    prefix: str
    mode: str
    remaining: int | None
    delay_s: float  # float-ok: seconds
    answer: tuple[int, bytes] | None = None


class FaultyTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport,
                 sleep: Callable[[float], None] = lambda _s: None) -> None:
        self.inner = inner
        self.sleep = sleep
        self.rules: list[_Rule] = []
        #: Requests that reached the provider, as (method, path).
        self.applied: list[tuple[str, str]] = []
        #: Every request, as (path, the fault it met or None).
        self.seen: list[tuple[str, str | None]] = []

    def fail(self, prefix: str, mode: str, *, times: int | None = 1,
             delay_s: float = 1.0,  # float-ok: seconds
             answer: tuple[int, bytes] | None = None) -> None:
        """Rules for the same prefix apply in the order they were given: `fail(p, "apply_then_5xx")`
        then `fail(p, "refuse", times=2)` is one 5xx after applying, then two refusals."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if (mode == "apply_then_answer") != (answer is not None):
            raise ValueError("give an answer with apply_then_answer, and only with it")
        self.rules.append(_Rule(prefix, mode, times, delay_s, answer))

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
        self.seen.append((request.url.path, mode))
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
        if mode == "apply_then_answer" and rule is not None and rule.answer is not None:
            response.close()
            return httpx.Response(rule.answer[0], content=rule.answer[1])
        if mode == "delay" and rule is not None:
            self.sleep(rule.delay_s)
        return response
