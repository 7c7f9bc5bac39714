"""Future state changes of a sandbox, keyed by its business time."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator

#: An action receives the time it was due, which may lie before now (the clock was pushed).
Action = Callable[[int], None]


class Scheduler:
    """Actions in time order; ties keep the order they were scheduled in."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Action]] = []
        self._seq = itertools.count()

    def at(self, when_ms: int, action: Action) -> None:
        heapq.heappush(self._heap, (when_ms, next(self._seq), action))

    def pop_due(self, now_ms: int) -> Iterator[tuple[int, Action]]:
        """Due actions in time order; one may schedule another that is also due, and it comes
        in its turn."""
        while self._heap and self._heap[0][0] <= now_ms:
            when, _, action = heapq.heappop(self._heap)
            yield when, action

    def run_due(self, now_ms: int) -> int:
        """Run every action due by ``now_ms``, each with its own due time; returns how many."""
        ran = 0
        for when, action in self.pop_due(now_ms):
            action(when)
            ran += 1
        return ran

    def pending(self) -> int:
        return len(self._heap)
