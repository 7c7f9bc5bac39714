"""Sandbox time and provider ids."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class SandboxClock:
    """Business time (QR expiry, settlement delays, callback retries): wall time plus an offset
    that only moves forward, or frozen at ``frozen_at_ms`` for exact tests."""

    def __init__(self, *, frozen_at_ms: int | None = None,
                 wall: Callable[[], int] = wall_ms) -> None:
        self._wall = wall
        self._frozen = frozen_at_ms
        self._offset_ms = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            base = self._frozen if self._frozen is not None else self._wall()
            return base + self._offset_ms

    def advance(self, seconds: int | Decimal) -> int:
        delta = int(Decimal(seconds) * 1000)
        if delta < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset_ms += delta
        return self.now_ms()


class IdSource:
    """Numeric ids that never repeat, not even across restarts of the sandbox.

    Each id is at least the wall clock in microseconds and above the previous one, so a new
    process starts above anything an earlier one issued unless that one issued more than a
    million ids a second. A merchant store that outlives the sandbox therefore never sees an
    old operation id come back for a different operation.
    """

    def __init__(self, wall_us: Callable[[], int] = lambda: time.time_ns() // 1000) -> None:
        self._wall_us = wall_us
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._last = max(self._last + 1, self._wall_us())
            return self._last
