"""Failures an operator or a test switches on per endpoint path, for any sandbox.

Each sandbox names its own kinds (a ``StrEnum``) and decides what each does; the book only
keeps them, counts them down and hands out the first that matches a request.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

#: A fault for every path.
ANY_PATH = "*"


@dataclass
class Fault:
    path: str
    kind: StrEnum
    #: How many more times it fires; ``None`` means until cleared.
    remaining: int | None = 1
    #: For the kinds that answer a 5xx.
    http_status: int = 503
    #: For the kinds that hold something back (an answer, a notification), in seconds.
    delay_s: int = 60
    #: Over HTTP only: how long a "no answer" holds the connection before dropping it.
    hang_seconds: int = 30

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultBook:
    """The faults switched on, in the order they were set.

    ``prefix_match``: a fault for ``/payments`` also fires for ``/payments/123`` (for APIs whose
    paths carry ids); otherwise a fault fires for its exact path only.
    """

    def __init__(self, kinds: type[StrEnum], *, prefix_match: bool = False,
                 default_delay_s: int = 60) -> None:
        self._kinds = kinds
        self._prefix_match = prefix_match
        self._default_delay_s = default_delay_s
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def set(self, path: str, kind: StrEnum | str, *, times: int | None = 1,
            http_status: int = 503, delay_s: int | None = None,
            hang_seconds: int = 30) -> Fault:
        kind = self._kinds(kind)
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for 'until cleared')")
        if not 500 <= http_status <= 599:
            raise ValueError("http_status must be a 5xx code")
        delay = self._default_delay_s if delay_s is None else delay_s
        if delay < 0 or hang_seconds < 0:
            raise ValueError("delays are not negative")
        fault = Fault(path, kind, times, http_status, delay, hang_seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self, path: str | None = None, kind: StrEnum | str | None = None) -> int:
        """Switch off the faults for ``path`` and of ``kind`` (all of them by default)."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults
                            if not ((path is None or f.path == path)
                                    and (kind is None or f.kind == kind))]
            return before - len(self._faults)

    def _matches(self, fault: Fault, path: str) -> bool:
        if fault.path in (path, ANY_PATH):
            return True
        return self._prefix_match and path.startswith(fault.path.rstrip("/") + "/")

    def take(self, path: str, kinds: tuple[StrEnum, ...] | None = None) -> Fault | None:
        """Consume one firing of the first fault matching ``path`` (and one of ``kinds``)."""
        with self._lock:
            for fault in self._faults:
                if (kinds is None or fault.kind in kinds) and self._matches(fault, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)
