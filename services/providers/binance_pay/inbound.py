"""Binance Pay's inbound half of the port: verify a notification with the signing key its
certificate serial names, then read it as a neutral ``InboundEvent``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping

from pydantic import ValidationError

from services.providers import errors as neutral
from services.providers.base import Certificate
from services.providers.events import InboundEvent

from .certificates import CertificateCache
from .errors import PROVIDER
from .events import parse_event
from .webhooks import SUCCESS_ACK


class BinancePayEvents:
    """``parse_event(headers, body)`` with the keys Binance publishes (``certificates``), cached
    and refreshed at most every ``min_refresh_seconds`` when an unknown serial shows up."""

    provider = PROVIDER

    def __init__(self, certificates: Callable[[], Iterable[Certificate]], *,
                 min_refresh_seconds: float = 30.0) -> None:  # float-ok: seconds
        self.certificates = CertificateCache(certificates, min_refresh_seconds=min_refresh_seconds)

    def parse_event(self, headers: Mapping[str, str], body: bytes) -> InboundEvent:
        h = {k.lower(): v for k, v in headers.items()}
        serial = h.get("binancepay-certificate-sn", "")
        key = self.certificates.key_for(serial)  # CertificatesUnavailable: judge it later
        if key is None:
            raise neutral.UnknownSigningKey(f"unknown webhook certificate {serial[:64]!r}",
                                         code="400002", provider=PROVIDER)
        try:
            return parse_event(headers, body, {serial: key})
        except neutral.ProviderError:
            raise
        except (ValueError, ValidationError, RecursionError) as error:
            # parse_event verifies before it reads: what fails now is genuine but unreadable.
            raise neutral.UnreadableEvent(f"signed notification unreadable: {error}"[:300],
                                          provider=PROVIDER) from None

    def answer(self, accepted: bool, reason: str = "") -> bytes:
        if accepted:
            return SUCCESS_ACK
        return json.dumps({"returnCode": "FAIL", "returnMessage": reason[:64]}).encode()
