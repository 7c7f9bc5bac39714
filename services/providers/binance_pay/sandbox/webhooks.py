"""Outgoing notifications: RSA signing, the outbox and where deliveries go."""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .. import wire
from ..auth import random_nonce

#: A sink takes (headers, raw body) and answers (HTTP status, response body).
WebhookSink = Callable[[Mapping[str, str], bytes], tuple[int, bytes]]


class WebhookSigner:
    """Binance's side of webhook signing: PKCS#1 v1.5 over SHA-256, Base64."""

    def __init__(self, private_key: rsa.RSAPrivateKey | None = None) -> None:
        self._key = private_key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_pem = (
            self._key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )
        # Binance does not document how certSerial is derived; only header == certSerial matters.
        self.cert_serial = hashlib.md5(self.public_pem.encode()).hexdigest()  # noqa: S324

    def sign(self, timestamp: str, nonce: str, body: bytes) -> str:
        payload = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
        signature = self._key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(self, body: bytes, timestamp_ms: int) -> dict[str, str]:
        timestamp, nonce = str(timestamp_ms), random_nonce()
        return {
            "Content-Type": "application/json",
            "BinancePay-Timestamp": timestamp,
            "BinancePay-Nonce": nonce,
            "BinancePay-Certificate-SN": self.cert_serial,
            "BinancePay-Signature": self.sign(timestamp, nonce, body),
        }


class CollectingSink:
    """In-process merchant that accepts everything and keeps what it got (tests, demos)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()

    def __call__(self, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        with self._lock:
            self.received.append((dict(headers), body))
        return 200, b'{"returnCode":"SUCCESS","returnMessage":null}'

    def envelopes(self) -> list[dict[str, Any]]:
        with self._lock:
            return [wire.loads(body) for _, body in self.received]


def acknowledged(status: int, body: bytes) -> bool:
    """Binance counts a delivery as done only on HTTP 200 with returnCode SUCCESS."""
    if status != 200:
        return False
    try:
        answer = wire.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("returnCode") == "SUCCESS"


_delivery_ids = itertools.count(1)


@dataclass
class Delivery:
    biz_type: str
    biz_id: str
    biz_status: str
    body: bytes
    due_ms: int
    origin_path: str
    target_url: str | None = None
    id: int = field(default_factory=lambda: next(_delivery_ids))
    attempts: int = 0
    done: bool = False
    given_up: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "bizType": self.biz_type,
            "bizIdStr": self.biz_id,
            "bizStatus": self.biz_status,
            "originPath": self.origin_path,
            "dueTime": self.due_ms,
            "attempts": self.attempts,
            "done": self.done,
            "givenUp": self.given_up,
            "history": list(self.history),
            "body": self.body.decode("utf-8"),
        }


def envelope(biz_type: str, biz_id: str, biz_status: str, data: Mapping[str, Any]) -> bytes:
    """``data`` travels as JSON text inside JSON; bizId as a number and as a string."""
    body = {
        "bizType": biz_type,
        "bizId": int(biz_id),
        "bizIdStr": biz_id,
        "bizStatus": biz_status,
        "data": wire.dumps(data),
    }
    return wire.dumps(body).encode("utf-8")


class Outbox:
    def __init__(self, retry_delays_s: tuple[int, ...]) -> None:
        self.deliveries: list[Delivery] = []
        self._retry_delays_s = retry_delays_s

    def add(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)

    def due(self, now_ms: int) -> list[Delivery]:
        ready = [d for d in self.deliveries if not d.done and not d.given_up and d.due_ms <= now_ms]
        return sorted(ready, key=lambda d: (d.due_ms, d.id))

    def record(self, delivery: Delivery, ok: bool, now_ms: int, detail: str) -> None:
        delivery.attempts += 1
        delivery.history.append({"time": now_ms, "ok": ok, "detail": detail})
        if ok:
            delivery.done = True
            return
        retry = delivery.attempts - 1
        if retry >= len(self._retry_delays_s):
            delivery.given_up = True
        else:
            delivery.due_ms = now_ms + self._retry_delays_s[retry] * 1000
