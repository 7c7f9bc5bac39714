"""Provider ids for the Monetix sandbox."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


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
