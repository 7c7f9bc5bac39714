"""Transport faults that a test or an operator switches on for the Juicyway sandbox."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from enum import StrEnum

ANY_PATH = "*"


class FaultKind(StrEnum):
    #: The connection is refused: nothing reaches the sandbox.
    REFUSE_CONNECTION = "refuse_connection"
    #: The request is lost on the way: nothing applied, and the caller sees a read timeout.
    TIMEOUT_BEFORE_APPLYING = "timeout_before_applying"
    #: The request is applied, then the answer is lost (read timeout).
    TIMEOUT_AFTER_APPLYING = "timeout_after_applying"
    #: The request is applied, then a gateway answers 502.
    HTTP_5XX_AFTER_APPLYING = "http_5xx_after_applying"
    #: A 503 without touching state.
    HTTP_5XX = "http_5xx"
    #: 429 with Retry-After, without touching state.
    RATE_LIMITED = "rate_limited"
    #: Applied and answered, but only after ``delay_seconds``.
    DELAY = "delay"


@dataclass
class Fault:
    path: str
    kind: FaultKind
    remaining: int | None = 1
    delay_seconds: int = 2

    def as_dict(self) -> dict:
        return asdict(self)


class FaultBook:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def set(self, path: str, kind: FaultKind | str, *, times: int | None = 1,
            delay_seconds: int = 2) -> Fault:
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for 'until cleared')")
        fault = Fault(path, FaultKind(kind), times, delay_seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> int:
        with self._lock:
            count = len(self._faults)
            self._faults.clear()
            return count

    def take(self, path: str) -> Fault | None:
        """Consume one firing of the first fault for ``path`` (a prefix match, or any path)."""
        with self._lock:
            for fault in self._faults:
                if fault.path == ANY_PATH or path == fault.path or path.startswith(
                    fault.path.rstrip("/") + "/"
                ):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)
