"""Receiving one provider notification: verify, store, dedupe, apply, answer.

Every delivery is stored, valid or not, with its headers and raw body. Only a delivery whose
RSA signature verifies is applied, through `services.inbound.dispatch.dispatch`, in the same
transaction as its own row. A delivery that repeats one already applied (same biz type, id,
status and body: a Binance retry or a replay) is stored with `duplicate_of_id` and applied no
second time.

Answers follow Binance: HTTP 200 `{"returnCode":"SUCCESS","returnMessage":null}` when the
delivery is handled (also for duplicates and for events we have no use for, which a retry would
not change); 401 for a bad signature; 500/503 with returnCode FAIL when the fault is ours, so
that Binance retries later.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from data.models import WebhookDelivery
from services.core.context import Services
from services.inbound.dispatch import ProviderEvent, dispatch
from services.providers.binance_pay import wire
from services.providers.binance_pay.errors import PROVIDER
from services.providers.binance_pay.webhooks import SUCCESS_ACK, parse_webhook
from services.providers.errors import ProviderError
from services.core.unit_of_work import UnitOfWork
from services.inbound.certificates import CertificateCache, CertificatesUnavailable

log = logging.getLogger(__name__)

FAIL_ACK = b'{"returnCode":"FAIL","returnMessage":"%s"}'
BAD_SIGNATURE, UNKNOWN_CERTIFICATE = "bad_signature", "unknown_certificate"
DUPLICATE, ERROR, MALFORMED = "duplicate", "error", "malformed"


def _fail(status: int, reason: str) -> tuple[int, bytes]:
    return status, FAIL_ACK % reason.encode()


class WebhookReceiver:
    def __init__(self, services: Services, certificates: CertificateCache | None = None) -> None:
        self.services = services
        self.certificates = certificates or CertificateCache(
            lambda: services.provider.get_certificates())

    def handle(self, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        """Process one delivery; returns (HTTP status, response body)."""
        h = {k.lower(): v for k, v in headers.items()}
        row = self._new_row(h, body)
        serial = h.get("binancepay-certificate-sn", "")
        try:
            key = self.certificates.key_for(serial)
        except CertificatesUnavailable:
            self._store(_refused_row(row, body), outcome="certificates_unavailable")
            return _fail(503, "certificates unavailable")
        if key is None:
            self._store(_refused_row(row, body), outcome=UNKNOWN_CERTIFICATE)
            return _fail(401, "unknown certificate")
        try:
            envelope, data = parse_webhook(h, body, {serial: key})
        except ProviderError:
            self._store(_refused_row(row, body), outcome=BAD_SIGNATURE)
            return _fail(401, "bad signature")
        except (ValueError, ValidationError, RecursionError):
            row.signature_valid = True
            self._store(row, outcome=MALFORMED)
            return 200, SUCCESS_ACK  # genuine but unreadable: a retry would not read better
        row.signature_valid = True
        event = ProviderEvent(
            provider=PROVIDER,
            biz_type=envelope.bizType,
            biz_id=envelope.bizIdStr or envelope.bizId,
            biz_status=envelope.bizStatus,
            data=data if isinstance(data, dict) else {"value": data},
            occurred_at=_occurred_at(data, h) or self.services.now(),
        )
        try:
            self._apply(row, event)
        except Exception:  # noqa: BLE001 - any failure: keep the delivery, let Binance retry
            log.exception("webhook %s %s %s could not be applied",
                          event.biz_type, event.biz_id, event.biz_status)
            self._store(self._new_row(h, body, valid=True), outcome=ERROR)
            return _fail(500, "not applied")
        return 200, SUCCESS_ACK

    # -- storage --------------------------------------------------------------------------------

    def _new_row(self, h: dict[str, str], body: bytes, *, valid: bool = False) -> WebhookDelivery:
        envelope = _loose_envelope(body)
        biz_id = envelope.get("bizIdStr") or envelope.get("bizId")
        stamp = _millis(h.get("binancepay-timestamp", ""))
        return WebhookDelivery(
            provider=PROVIDER,
            biz_type=_clip(envelope.get("bizType"), 32),
            biz_id_str=_clip(biz_id, 64),
            biz_status=_clip(envelope.get("bizStatus"), 32),
            certificate_sn=_clip(h.get("binancepay-certificate-sn"), 128),
            nonce=_clip(h.get("binancepay-nonce"), 64),
            timestamp_ms=stamp,
            headers_json=json.dumps(h, sort_keys=True),
            body=_text(body),
            signature_valid=valid,
            received_at=self.services.now(),
        )

    def _store(self, row: WebhookDelivery, *, outcome: str) -> None:
        row.outcome = outcome
        row.processed_at = self.services.now()
        with self.services.uow() as uow:
            uow.session.add(row)
            uow.commit()

    def _apply(self, row: WebhookDelivery, event: ProviderEvent) -> None:
        row.dedupe_key = _dedupe_key(row)
        with self.services.uow() as uow:
            self._serialize(uow, event)
            uow.session.add(row)
            try:
                # Insert first: a second receiver holding the same delivery waits on this key
                # (both stores) and then fails on it, instead of both reading "not seen yet".
                uow.session.flush()
            except IntegrityError:
                uow.rollback()
                self._store_duplicate(row)
                return
            row.outcome = dispatch(self.services, uow, event)
            row.processed_at = self.services.now()
            uow.session.add(row)
            uow.commit()

    def _store_duplicate(self, row: WebhookDelivery) -> None:
        copy = WebhookDelivery(**{name: getattr(row, name) for name in _COPIED})
        with self.services.uow() as uow:
            copy.duplicate_of_id = uow.session.exec(
                select(WebhookDelivery.id).where(WebhookDelivery.dedupe_key == row.dedupe_key)
            ).first()
            copy.outcome = DUPLICATE
            copy.processed_at = self.services.now()
            uow.session.add(copy)
            uow.commit()

    def _serialize(self, uow: UnitOfWork, event: ProviderEvent) -> None:
        # Two receivers given the same delivery at once (Binance retries, several replicas) take
        # turns per business object, so the second one sees the first as its original.
        if self._is_postgres():
            digest = hashlib.sha256(
                f"{event.provider}|{event.biz_type}|{event.biz_id}".encode()).digest()
            uow.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                {"key": int.from_bytes(digest[:8], "big", signed=True)})

    def _is_postgres(self) -> bool:
        return self.services.engine.dialect.name == "postgresql"


def _dedupe_key(row: WebhookDelivery) -> str:
    """What makes two deliveries one event: a provider's retry repeats type, id, status and body."""
    identity = "|".join((row.provider, row.biz_type or "", row.biz_id_str or "",
                         row.biz_status or "", row.body))
    return hashlib.sha256(identity.encode()).hexdigest()


_COPIED = ("provider", "biz_type", "biz_id_str", "biz_status", "certificate_sn", "nonce",
           "timestamp_ms", "headers_json", "body", "signature_valid", "received_at")


def _loose_envelope(body: bytes) -> dict[str, Any]:
    """Envelope fields for the stored row, read before (and regardless of) verification."""
    try:
        parsed = wire.loads(body)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        return {}
    if not isinstance(parsed, dict):
        return {}
    return {k: parsed.get(k) for k in ("bizType", "bizId", "bizIdStr", "bizStatus")}


def _clip(value: Any, limit: int) -> str | None:
    return None if value is None else _text(str(value))[:limit]


def _text(value: bytes | str) -> str:
    """Storable text: PostgreSQL text refuses NUL, so it is replaced (the hash keeps the proof)."""
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
    return text.replace("\x00", "\ufffd")


def _millis(header: str) -> int | None:
    # isdigit() alone accepts '²' and Arabic-Indic digits, which int() then refuses or misreads.
    return int(header) if header.isascii() and header.isdigit() and len(header) < 16 else None


# A refused delivery is anyone's: keep enough to investigate, never the body an attacker chose.
REFUSED_BODY_CHARS = 256
_KEPT_HEADERS = ("binancepay-certificate-sn", "binancepay-nonce", "binancepay-timestamp",
                 "content-length", "content-type", "user-agent", "x-forwarded-for")


def _refused_row(row: WebhookDelivery, body: bytes) -> WebhookDelivery:
    """A small record of a refused (unverified) delivery: its first bytes, size and hash."""
    headers = json.loads(row.headers_json)
    kept = {k: _text(str(headers[k]))[:128] for k in _KEPT_HEADERS if k in headers}
    kept["body-bytes"] = str(len(body))
    kept["body-sha256"] = hashlib.sha256(body).hexdigest()
    row.headers_json = json.dumps(kept, sort_keys=True)
    row.body = _text(body[:REFUSED_BODY_CHARS])
    return row


def _occurred_at(data: Any, h: Mapping[str, str]) -> datetime | None:
    """When it happened at the provider: the transaction time, else the delivery's timestamp."""
    candidates = []
    if isinstance(data, dict):
        candidates += [data.get("transactTime"), data.get("contractTerminationTime")]
    candidates.append(_millis(h.get("binancepay-timestamp", "")))
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return datetime.fromtimestamp(value // 1000, tz=UTC).replace(
                microsecond=(value % 1000) * 1000)
    return None
