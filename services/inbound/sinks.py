"""Provider notifications in: the receiver (shared by HTTP and the in-process sandbox).

`paydesk webhooks --host H --port N` serves `POST /webhooks/binance-pay` (see `app.py`); in
sandbox mode `services.entrypoints.bootstrap` hands the in-process sandbox a sink (`in_process_sink`) that
runs the same `WebhookReceiver.handle`, so the dashboard gets its webhooks without HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.core.context import Services
    from services.providers.binance_pay.sandbox import SandboxEngine


def in_process_sink(
    services: Services, engine: SandboxEngine
) -> Callable[[Mapping[str, str], bytes], tuple[int, bytes]]:
    """A sandbox webhook sink that runs the receiver in this process.

    Its keys come straight from the engine: asking the in-process provider for certificates
    would run a sandbox request, whose tick delivers webhooks, re-entering this very sink.
    """
    from services.providers.base import Certificate
    from services.inbound.certificates import CertificateCache
    from services.inbound.receiver import WebhookReceiver

    def engine_certificates() -> tuple[Certificate, ...]:
        cert = engine.certificate
        return (Certificate(cert["certSerial"], cert["certPublic"]),)

    receiver = WebhookReceiver(
        services, CertificateCache(engine_certificates, min_refresh_seconds=0))
    return receiver.handle
