"""Sandbox time: wall time plus an offset that tests and operators can push forward."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

from ..auth import now_ms


class SandboxClock:
    """Business time of the sandbox (order expiry, settlement delays, the 72 h payout window).

    Request timestamps are checked against the wall clock, not this one, so advancing the
    sandbox by days never breaks signing. ``frozen_at_ms`` stops the flow of time entirely,
    which makes event times in tests exact.
    """

    def __init__(
        self, *, frozen_at_ms: int | None = None, wall: Callable[[], int] = now_ms
    ) -> None:
        self._wall = wall
        self._frozen = frozen_at_ms
        self._offset_ms = 0
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        with self._lock:
            base = self._frozen if self._frozen is not None else self._wall()
            return base + self._offset_ms

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
