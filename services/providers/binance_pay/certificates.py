"""Binance Pay's webhook signing keys, fetched once and refreshed when a new serial shows up."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from services.providers.base import Certificate
from services.providers.errors import ProviderError, VerificationUnavailable

log = logging.getLogger(__name__)


class CertificatesUnavailable(VerificationUnavailable):
    """The provider could not be asked for its keys: the delivery cannot be judged now."""


class CertificateCache:
    """Serial -> PEM public key.

    An unknown serial triggers one refresh (the provider rotated its key), but at most one per
    `min_refresh_seconds`, so that a stream of forged serials cannot turn the receiver into a
    flood of certificate requests.
    """

    def __init__(
        self,
        fetch: Callable[[], Iterable[Certificate]],
        *,
        min_refresh_seconds: float = 30.0,  # float-ok: seconds
        monotonic: Callable[[], float] = time.monotonic,  # float-ok: seconds
    ) -> None:
        self._fetch = fetch
        self._min_refresh = min_refresh_seconds
        self._monotonic = monotonic
        self._keys: dict[str, str] = {}
        self._fetched_at: float | None = None  # float-ok: seconds
        self._lock = threading.Lock()
        self.fetch_count = 0

    def key_for(self, serial: str) -> str | None:
        """The PEM key for `serial`, or None when the provider does not know it either.

        Raises `CertificatesUnavailable` when the keys were never fetched and cannot be now.
        """
        with self._lock:
            if serial in self._keys:
                return self._keys[serial]
            due = (self._fetched_at is None
                   or self._monotonic() - self._fetched_at >= self._min_refresh)
            if due:
                self._refresh()
            return self._keys.get(serial)

    def _refresh(self) -> None:
        try:
            certificates = tuple(self._fetch())
        except ProviderError as error:
            log.warning("webhook certificates could not be fetched: %s", error)
            if self._fetched_at is None:
                raise CertificatesUnavailable(str(error)) from error
            return
        self.fetch_count += 1
        self._fetched_at = self._monotonic()
        # Old keys stay: deliveries signed just before a rotation are still genuine.
        self._keys.update({c.serial: c.public_key_pem for c in certificates})
