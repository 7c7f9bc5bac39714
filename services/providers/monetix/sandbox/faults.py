"""Failures an operator or a test switches on per Gate path (or ``*`` for every path)."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from enum import StrEnum

ANY_PATH = "*"


class FaultKind(StrEnum):
    #: Refuse the connection: nothing sent, nothing applied (in process: httpx.ConnectError).
    REFUSE_CONNECTION = "refuse_connection"
    #: Hold the request and never answer, without applying it.
    TIMEOUT_BEFORE_APPLYING = "timeout_before_applying"
    #: Apply the request, then never answer.
    TIMEOUT_AFTER_APPLYING = "timeout_after_applying"
    #: Answer an HTML 5xx page without applying anything (a gateway failure).
    HTTP_5XX = "http_5xx"
    #: Apply the request, then answer an HTML 5xx page (the platform failed afterwards).
    HTTP_5XX_AFTER_APPLYING = "http_5xx_after_applying"
    #: Deliver each matching callback twice.
    DUPLICATE_CALLBACKS = "duplicate_callbacks"
    #: Deliver the matching callbacks due in one tick in reverse order.
    OUT_OF_ORDER_CALLBACKS = "out_of_order_callbacks"
    #: Hold matching callbacks back by ``delay_s`` more seconds of sandbox time.
    DELAY_CALLBACKS = "delay_callbacks"


REQUEST_KINDS = (FaultKind.REFUSE_CONNECTION, FaultKind.TIMEOUT_BEFORE_APPLYING,
                 FaultKind.TIMEOUT_AFTER_APPLYING, FaultKind.HTTP_5XX,
                 FaultKind.HTTP_5XX_AFTER_APPLYING)
CALLBACK_KINDS = (FaultKind.DUPLICATE_CALLBACKS, FaultKind.OUT_OF_ORDER_CALLBACKS,
                  FaultKind.DELAY_CALLBACKS)


@dataclass
class Fault:
    path: str
    kind: FaultKind
    #: How many more times it fires; ``None`` means until cleared.
    remaining: int | None = 1
    http_status: int = 503
    delay_s: int = 60
    #: Over HTTP only: how long a "timeout" holds the connection before dropping it.
    hang_seconds: int = 30

    def as_dict(self) -> dict:
        return asdict(self)


class FaultBook:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def set(self, path: str, kind: FaultKind | str, *, times: int | None = 1,
            http_status: int = 503, delay_s: int = 60, hang_seconds: int = 30) -> Fault:
        kind = FaultKind(kind)
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for 'until cleared')")
        if not 500 <= http_status <= 599:
            raise ValueError("http_status must be a 5xx code")
        if delay_s < 0 or hang_seconds < 0:
            raise ValueError("delays are not negative")
        fault = Fault(path, kind, times, http_status, delay_s, hang_seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self, path: str | None = None, kind: FaultKind | str | None = None) -> int:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults
                            if not ((path is None or f.path == path)
                                    and (kind is None or f.kind == kind))]
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
