"""What validation needs to know about earlier payouts, as an injected input.

Validation stays pure: it asks a PayoutHistory. `StaticHistory` answers from plain data (tests,
the page's "no store" case); the store-backed one lives in store_history.py.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PastPayment:
    """A line of an earlier batch (any status: a draft awaiting approval counts too)."""

    receiver: str
    currency: str
    amount: Decimal
    at: datetime
    request_id: str
    status: str


@dataclass(frozen=True, slots=True)
class PastUpload:
    sha256: str
    upload_ref: str | None
    file_name: str | None
    at: datetime


class PayoutHistory(Protocol):
    def used_send_ids(self, send_ids: Collection[str]) -> Collection[str]:
        """Those of `send_ids` already used by a line of an earlier batch."""
        ...

    def payments_since(self, receivers: Collection[str], since: datetime) -> Iterable[PastPayment]:
        """Earlier lines to any of `receivers` (compared case-insensitively) created at or after
        `since`."""
        ...

    def uploads_with_hash(self, hashes: Collection[str]) -> Iterable[PastUpload]:
        """Earlier uploads whose file or content hash is one of `hashes`."""
        ...


@dataclass(frozen=True)
class StaticHistory:
    send_ids: frozenset[str] = frozenset()
    payments: tuple[PastPayment, ...] = ()
    uploads: tuple[PastUpload, ...] = ()

    def used_send_ids(self, send_ids: Collection[str]) -> Collection[str]:
        return self.send_ids.intersection(send_ids)

    def payments_since(self, receivers: Collection[str], since: datetime) -> Iterable[PastPayment]:
        if not self.payments:
            return []
        wanted = {receiver.lower() for receiver in receivers}
        return [p for p in self.payments if p.at >= since and p.receiver.lower() in wanted]

    def uploads_with_hash(self, hashes: Collection[str]) -> Iterable[PastUpload]:
        return [upload for upload in self.uploads if upload.sha256 in hashes]


NO_HISTORY = StaticHistory()
