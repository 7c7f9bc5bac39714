"""Failures that an operator or a test can switch on per endpoint path."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from enum import StrEnum

ANY_PATH = "*"


class FaultKind(StrEnum):
    #: Process the request, then never answer (in-process: httpx.ReadTimeout).
    TIMEOUT_AFTER_PROCESSING = "timeout_after_processing"
    #: Answer an HTML 5xx page without touching state (gateway failure).
    HTTP_5XX = "http_5xx"
    #: Answer the JSON envelope with code 400000 without touching state.
    CODE_400000 = "code_400000"
    #: Deliver each matching webhook twice.
    DUPLICATE_WEBHOOKS = "duplicate_webhooks"
    #: Deliver the matching webhooks of one tick in reverse order.
    OUT_OF_ORDER_WEBHOOKS = "out_of_order_webhooks"


REQUEST_KINDS = (FaultKind.TIMEOUT_AFTER_PROCESSING, FaultKind.HTTP_5XX, FaultKind.CODE_400000)
WEBHOOK_KINDS = (FaultKind.DUPLICATE_WEBHOOKS, FaultKind.OUT_OF_ORDER_WEBHOOKS)


@dataclass
class Fault:
    path: str
    kind: FaultKind
    #: How many more times it fires; ``None`` means until cleared.
    remaining: int | None = 1
    http_status: int = 503
    #: ASGI only: how long to hold the connection before giving up on it.
    hang_seconds: int = 30

    def as_dict(self) -> dict:
        return asdict(self)


class FaultBook:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def set(
        self,
        path: str,
        kind: FaultKind | str,
        *,
        times: int | None = 1,
        http_status: int = 503,
        hang_seconds: int = 30,
    ) -> Fault:
        kind = FaultKind(kind)
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for 'until cleared')")
        if kind is FaultKind.HTTP_5XX and not 500 <= http_status <= 599:
            raise ValueError("http_status must be a 5xx code")
        fault = Fault(path, kind, times, http_status, hang_seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self, path: str | None = None, kind: FaultKind | str | None = None) -> int:
        with self._lock:
            before = len(self._faults)
            self._faults = [
                f
                for f in self._faults
                if not ((path is None or f.path == path) and (kind is None or f.kind == kind))
            ]
            return before - len(self._faults)

    def take(self, path: str, kinds: tuple[FaultKind, ...]) -> Fault | None:
        """Consume one firing of the first fault matching ``path`` and one of ``kinds``."""
        with self._lock:
            for fault in self._faults:
                if fault.kind in kinds and fault.path in (path, ANY_PATH):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)
