"""Outgoing Juicyway webhooks: signed bodies, retried until HTTP 200 for up to 48 hours."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

#: A sink takes (headers, raw body) and answers the HTTP status.
WebhookSink = Callable[[Mapping[str, str], bytes], int]

#: Juicyway resends "for the next 48 hours at specific intervals"; the schedule is not
#: published, so the sandbox uses a doubling one that ends inside 48 hours.
RETRY_DELAYS = tuple(
    timedelta(seconds=s) for s in (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 57600, 57600)
)

_ids = itertools.count(1)


@dataclass
class Delivery:
    event: str
    payment_id: str
    body: bytes
    due: datetime
    id: int = field(default_factory=lambda: next(_ids))
    attempts: int = 0
    done: bool = False
    given_up: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event,
            "payment_id": self.payment_id,
            "due": self.due.isoformat(),
            "attempts": self.attempts,
            "done": self.done,
            "given_up": self.given_up,
        }


class Outbox:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()

    def add(self, delivery: Delivery) -> None:
        with self._lock:
            self.deliveries.append(delivery)

    def due(self, now: datetime) -> list[Delivery]:
        with self._lock:
            ready = [d for d in self.deliveries if not (d.done or d.given_up) and d.due <= now]
        return sorted(ready, key=lambda d: (d.due, d.id))

    def record(self, delivery: Delivery, status: int, now: datetime) -> None:
        delivery.attempts += 1
        if status == 200:
            delivery.done = True
        elif delivery.attempts > len(RETRY_DELAYS):
            delivery.given_up = True
        else:
            delivery.due = now + RETRY_DELAYS[delivery.attempts - 1]


class CollectingSink:
    """An in-process merchant that answers 200 and keeps every body (tests, demos)."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self._lock = threading.Lock()

    def __call__(self, headers: Mapping[str, str], body: bytes) -> int:
        with self._lock:
            self.received.append(body)
        return 200


class HttpSink:
    def __init__(self, url: str, *, timeout_s: int = 10) -> None:
        self.url = url
        self._client = httpx.Client(timeout=timeout_s)

    def __call__(self, headers: Mapping[str, str], body: bytes) -> int:
        try:
            return self._client.post(self.url, content=body, headers=dict(headers)).status_code
        except httpx.HTTPError:
            return 0

    def close(self) -> None:
        self._client.close()
