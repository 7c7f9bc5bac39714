"""Sandbox business time: wall time plus an offset that only moves forward, or frozen."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class SandboxClock:
    """Business time of a sandbox (payment expiry, settlement delays, notification retries).

    Tests and operators push it forward to reach what would otherwise take minutes or days.
    ``frozen_at_ms`` stops the flow of time entirely, which makes event times in tests exact.
    Request signatures are checked against the wall clock, not this one, so advancing a sandbox
    by days never breaks signing.
    """

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

    def now(self) -> datetime:
        """The same instant as ``now_ms``, for sandboxes that speak in datetimes (integer
        arithmetic: a binary float would shift the milliseconds)."""
        ms = self.now_ms()
        return datetime.fromtimestamp(ms // 1000, tz=UTC).replace(microsecond=ms % 1000 * 1000)

    def advance(self, seconds: int | Decimal) -> int:
        """Move business time forward; returns the new now in ms."""
        delta = int(Decimal(seconds) * 1000)
        if delta < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset_ms += delta
        return self.now_ms()

    @property
    def offset_ms(self) -> int:
        return self._offset_ms
