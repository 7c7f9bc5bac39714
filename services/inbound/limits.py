"""Per-source limits for the webhook receiver: a sender that keeps being refused is cut off for
a while, so forged or broken posts cannot fill the store or burn CPU on signature checks.

In memory, per receiver process: a second replica counts on its own, which at worst doubles the
allowance. Binance's own deliveries are signed and answered 200, so they never count as refused.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

REFUSALS_PER_WINDOW = 30
REQUESTS_PER_WINDOW = 1_200
WINDOW_SECONDS = 60.0
_MAX_SOURCES = 10_000  # the oldest sources are forgotten first


class SourceLimiter:
    def __init__(self, *, refusals: int = REFUSALS_PER_WINDOW,
                 requests: int = REQUESTS_PER_WINDOW,
                 window: float = WINDOW_SECONDS,  # float-ok: seconds
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = {"refused": refusals, "request": requests}
        self._window = window
        self._clock = clock
        self._seen: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allowed(self, source: str) -> bool:
        """Count a request from `source`; False while it is over either limit."""
        with self._lock:
            now = self._clock()
            over = any(len(self._recent(kind, source, now)) >= limit
                       for kind, limit in self._limits.items())
            if not over:
                self._recent("request", source, now).append(now)
            return not over

    def refused(self, source: str) -> None:
        with self._lock:
            now = self._clock()
            self._recent("refused", source, now).append(now)

    def _recent(self, kind: str, source: str, now: float) -> deque[float]:  # float-ok: time
        key = (kind, source)
        times = self._seen.pop(key, None) or deque()
        while times and now - times[0] > self._window:
            times.popleft()
        self._seen[key] = times
        while len(self._seen) > _MAX_SOURCES:
            self._seen.popitem(last=False)
        return times
