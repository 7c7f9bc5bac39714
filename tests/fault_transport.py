"""A fault-injecting httpx transport for any provider client that speaks HTTP through httpx.

It wraps the transport the client would use (a provider's in-process sandbox, or a real one)
and, for the requests whose path matches, plays a script of faults, one per request:

    faults = FaultTransport(SandboxTransport(engine))
    faults.script("/refund", APPLY_THEN_5XX, REFUSE, REFUSE)

A fault that "applies" hands the request to the wrapped transport first, so the provider
executes it, and only then fails the answer: that is the case where a client must not conclude
that nothing happened. Requests with no fault left pass through untouched.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import httpx


class Kind(StrEnum):
    #: The connection fails before a byte is sent: the provider never sees the request.
    FAIL_BEFORE_SENDING = "fail_before_sending"
    #: Like FAIL_BEFORE_SENDING, as a server that is down answers every connection attempt.
    REFUSE = "refuse"
    #: The provider applies the request, then the answer never comes (read timeout).
    APPLY_THEN_TIMEOUT = "apply_then_timeout"
    #: The provider applies the request, then a gateway answers an HTML 5xx page.
    APPLY_THEN_5XX = "apply_then_5xx"
    #: The provider applies the request, then the client gets `answer` instead of its answer.
    APPLY_THEN_ANSWER = "apply_then_answer"
    #: The provider applies the request; the answer is held until `wait` returns.
    DELAY = "delay"


@dataclass(frozen=True)
class Fault:
    kind: Kind
    status: int = 502
    answer: bytes = b"<html><body>502 Bad Gateway</body></html>"
    wait: Callable[[], object] | None = None


FAIL_BEFORE_SENDING = Fault(Kind.FAIL_BEFORE_SENDING)
REFUSE = Fault(Kind.REFUSE)
APPLY_THEN_TIMEOUT = Fault(Kind.APPLY_THEN_TIMEOUT)
APPLY_THEN_5XX = Fault(Kind.APPLY_THEN_5XX)


def apply_then_answer(status: int, body: bytes) -> Fault:
    return Fault(Kind.APPLY_THEN_ANSWER, status=status, answer=body)


def delay(wait: Callable[[], object]) -> Fault:
    """Hold the answer until `wait()` returns (an Event's wait, a barrier): ordering, not time."""
    return Fault(Kind.DELAY, wait=wait)


@dataclass
class Seen:
    path: str
    fault: Kind | None
    applied: bool  # whether the wrapped transport (the provider) handled the request


@dataclass
class FaultTransport(httpx.BaseTransport):
    inner: httpx.BaseTransport
    seen: list[Seen] = field(default_factory=list)
    _scripts: dict[str, deque[Fault]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path_part: str, *faults: Fault) -> None:
        """The next requests whose path contains `path_part` meet `faults`, one each, in order."""
        with self._lock:
            self._scripts.setdefault(path_part, deque()).extend(faults)

    def refuse_all(self, path_part: str = "/", times: int = 1000) -> None:
        self.script(path_part, *([REFUSE] * times))

    def clear(self) -> None:
        with self._lock:
            self._scripts.clear()

    def _next(self, path: str) -> Fault | None:
        with self._lock:
            for part, faults in self._scripts.items():
                if part in path and faults:
                    return faults.popleft()
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        fault = self._next(path)
        kind = fault.kind if fault else None
        if kind in (Kind.FAIL_BEFORE_SENDING, Kind.REFUSE):
            self._note(path, kind, applied=False)
            raise httpx.ConnectError("fault: connection refused", request=request)
        response = self.inner.handle_request(request)
        response.read()
        self._note(path, kind, applied=True)
        if fault is None:
            return response
        if fault.kind is Kind.APPLY_THEN_TIMEOUT:
            raise httpx.ReadTimeout("fault: no answer after the request was applied",
                                    request=request)
        if fault.kind in (Kind.APPLY_THEN_5XX, Kind.APPLY_THEN_ANSWER):
            return httpx.Response(fault.status, content=fault.answer, request=request)
        assert fault.wait is not None
        fault.wait()
        return response

    def _note(self, path: str, kind: Kind | None, *, applied: bool) -> None:
        with self._lock:
            self.seen.append(Seen(path, kind, applied))
