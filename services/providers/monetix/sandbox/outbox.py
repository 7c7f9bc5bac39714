"""Callbacks the platform owes the merchant: signing, the retry curve, where they go."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import signature, wire

#: A sink takes (headers, raw body) and answers (HTTP status, response body).
CallbackSink = Callable[[Mapping[str, str], bytes], tuple[int, bytes]]

#: "at most 120 attempts within 11 days" (providers.md §4).
MAX_ATTEMPTS = 120
MAX_INTERVAL_S = 4 * 3600


def retry_delay_s(attempt: int) -> int:
    """Seconds before attempt number ``attempt`` (2, 3, ...): six tries 10 s apart, then
    ``70 + 10 * 1.12 ** (n - 4)`` seconds until that passes four hours, then every four hours."""
    if attempt <= 6:
        return 10
    interval = 70 + 10 * Decimal("1.12") ** (attempt - 4)
    return int(min(interval, Decimal(MAX_INTERVAL_S)))


def signed_bytes(body: Mapping[str, Any], secret: str) -> bytes:
    return wire.encode({**body, signature.SIGNATURE_KEY: signature.sign(body, secret)})


@dataclass
class Delivery:
    seq: int
    body: bytes
    payment_id: str
    operation_id: int
    operation_type: str
    operation_status: str
    origin_path: str
    due_ms: int
    target_url: str | None = None
    attempts: int = 0
    done: bool = False
    history: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"seq": self.seq, "paymentId": self.payment_id, "operationId": self.operation_id,
                "operation": f"{self.operation_type} {self.operation_status}",
                "attempts": self.attempts, "done": self.done, "dueMs": self.due_ms,
                "history": list(self.history), "body": self.body.decode("utf-8")}


class Outbox:
    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._seq = itertools.count(1)

    def add(self, body: bytes, *, payment_id: str, operation_id: int, operation_type: str,
            operation_status: str, origin_path: str, due_ms: int,
            target_url: str | None) -> Delivery:
        delivery = Delivery(next(self._seq), body, payment_id, operation_id, operation_type,
                            operation_status, origin_path, due_ms, target_url)
        self.deliveries.append(delivery)
        return delivery

    def due(self, now_ms: int) -> list[Delivery]:
        ready = [d for d in self.deliveries if not d.done and d.due_ms <= now_ms]
        return sorted(ready, key=lambda d: (d.due_ms, d.seq))

    def record(self, delivery: Delivery, ok: bool, now_ms: int, detail: str) -> None:
        delivery.attempts += 1
        delivery.history.append(detail)
        if ok or delivery.attempts >= MAX_ATTEMPTS:
            delivery.done = True
            return
        delivery.due_ms = now_ms + retry_delay_s(delivery.attempts + 1) * 1000


class CollectingSink:
    """Keeps every delivery and answers 200 (or ``status`` while set)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[bytes] = []

    def __call__(self, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        self.received.append(body)
        return self.status, b'{"status":"ok"}'

    def bodies(self) -> list[dict[str, Any]]:
        return [wire.loads(body) for body in self.received]
