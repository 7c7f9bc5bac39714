"""Receiving one provider notification: verify, store, dedupe, apply, answer — for every provider.

Every delivery is stored, valid or not. Verifying and reading belong to the provider (its
`EventReader`: Binance's RSA certificates, Monetix's HMAC-SHA512, Juicyway's checksum); this
module sees only the neutral `InboundEvent` it returns. Only a verified event is applied, through
`services.inbound.dispatch.dispatch`, in the same transaction as its own row. A delivery that
repeats one already applied (the same event: a provider's retry or a replay) is stored with
`duplicate_of_id` and applied no second time. News a provider signs too weakly to move money on
(`needs_confirmation`) is stored, then confirmed by asking the provider once the row is saved.

Answers: HTTP 200 with the body the provider expects when the delivery is handled (also for
duplicates and for events we have no use for, which a retry would not change); 401 for a
delivery that does not verify; 404 for a provider this deployment does not run; 500/503 when
the fault is ours, so that the provider retries later.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from data.models import WebhookDelivery
from services.core.context import Services
from services.core.unit_of_work import UnitOfWork
from services.inbound.dispatch import AWAITING_CONFIRMATION, confirm, dispatch
from services.providers import errors as neutral
from services.providers.events import EventReader, InboundEvent

log = logging.getLogger(__name__)

BAD_SIGNATURE, UNKNOWN_KEY = "bad_signature", "unknown_certificate"
UNVERIFIABLE = "certificates_unavailable"
DUPLICATE, ERROR, MALFORMED = "duplicate", "error", "malformed"
_UNKNOWN_PROVIDER = b'{"error":"no such provider here"}'


class WebhookReceiver:
    def __init__(self, services: Services, readers: Mapping[str, EventReader]) -> None:
        self.services = services
        self.readers = dict(readers)

    def handle(self, provider: str, headers: Mapping[str, str],
               body: bytes) -> tuple[int, bytes]:
        """Process one delivery for `provider`; returns (HTTP status, response body)."""
        reader = self.readers.get(provider)
        if reader is None:
            return 404, _UNKNOWN_PROVIDER
        h = {k.lower(): v for k, v in headers.items()}
        row = self._new_row(provider, h, body)
        try:
            event = reader.parse_event(h, body)
        except neutral.VerificationUnavailable:
            self._store(_refused_row(row, body), outcome=UNVERIFIABLE)
            return 503, reader.answer(False, "cannot verify now")
        except neutral.UnknownSigningKey:
            self._store(_refused_row(row, body), outcome=UNKNOWN_KEY)
            return 401, reader.answer(False, "unknown certificate")
        except (neutral.UnreadableEvent, ValueError, RecursionError):
            row.signature_valid = True
            self._store(row, outcome=MALFORMED)
            return 200, reader.answer(True)  # genuine but unreadable: a retry reads no better
        except neutral.ProviderError:
            self._store(_refused_row(row, body), outcome=BAD_SIGNATURE)
            return 401, reader.answer(False, "bad signature")
        row.signature_valid = True
        _describe(row, event)
        try:
            outcome = self._apply(row, event)
        except Exception:  # noqa: BLE001 - any failure: keep the delivery, let the provider retry
            log.exception("%s notification %s %s could not be applied", provider,
                          event.kind.value, event.provider_status)
            failed = self._new_row(provider, h, body, valid=True)
            _describe(failed, event)
            self._store(failed, outcome=ERROR)
            return 500, reader.answer(False, "not applied")
        if outcome == AWAITING_CONFIRMATION:
            self._confirm(row, event)
        return 200, reader.answer(True)

    # -- storage --------------------------------------------------------------------------------

    def _new_row(self, provider: str, h: dict[str, str], body: bytes, *,
                 valid: bool = False) -> WebhookDelivery:
        return WebhookDelivery(
            provider=provider,
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

    def _apply(self, row: WebhookDelivery, event: InboundEvent) -> str:
        row.dedupe_key = hashlib.sha256(event.identity.encode()).hexdigest()
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
                return DUPLICATE
            row.outcome = dispatch(self.services, uow, event)
            row.processed_at = self.services.now()
            uow.session.add(row)
            uow.commit()
            return row.outcome

    def _confirm(self, row: WebhookDelivery, event: InboundEvent) -> None:
        """Weakly signed news: the provider's answer to a query decides, never the notice."""
        try:
            outcome = confirm(self.services, event)
        except neutral.ProviderError as error:
            # Stored as "confirming": the sync worker follows the item and settles it.
            log.warning("%s news about %s not confirmed yet: %s", event.provider,
                        event.merchant_id or event.provider_id, error)
            return
        with self.services.uow() as uow:
            stored = uow.session.get(WebhookDelivery, row.id)
            if stored is not None:
                stored.outcome = f"confirmed:{outcome}"[:32]
                uow.session.add(stored)
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

    def _serialize(self, uow: UnitOfWork, event: InboundEvent) -> None:
        # Two receivers given the same delivery at once (provider retries, several replicas)
        # take turns per business object, so the second one sees the first as its original.
        if self.services.engine.dialect.name == "postgresql":
            subject = event.merchant_id or event.provider_id or ""
            digest = hashlib.sha256(
                f"{event.provider}|{event.kind.value}|{subject}".encode()).digest()
            uow.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                {"key": int.from_bytes(digest[:8], "big", signed=True)})


def _describe(row: WebhookDelivery, event: InboundEvent) -> None:
    """What a verified event is about, in the row's searchable columns."""
    row.event_type = _clip(event.provider_event or event.kind.value, 64)
    row.provider_item_id = _clip(event.provider_id or event.merchant_id, 64)
    row.provider_status = _clip(event.provider_status, 64)
    row.kind = event.kind.value
    row.merchant_id = _clip(event.merchant_id, 64)
    if event.occurred_at is not None:
        row.timestamp_ms = int(event.occurred_at.astimezone(UTC).timestamp() * 1000)


_COPIED = ("provider", "event_type", "provider_item_id", "provider_status", "signature_key_id",
           "kind", "merchant_id", "nonce", "timestamp_ms", "headers_json", "body",
           "signature_valid", "received_at")


def _clip(value: object, limit: int) -> str | None:
    return None if value is None else _text(str(value))[:limit]


def _text(value: bytes | str) -> str:
    """Storable text: PostgreSQL text refuses NUL, so it is replaced (the hash keeps the proof)."""
    text_ = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
    return text_.replace("\x00", "\ufffd")


# A refused delivery is anyone's: keep enough to investigate, never the body an attacker chose.
REFUSED_BODY_CHARS = 256
_MAX_KEPT_HEADERS = 12
_SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "api-key"})


def _refused_row(row: WebhookDelivery, body: bytes) -> WebhookDelivery:
    """A small record of a refused (unverified) delivery: a few headers, its first bytes, size
    and hash."""
    headers = json.loads(row.headers_json)
    kept = {_text(k)[:64]: _text(str(v))[:128] for k, v in sorted(headers.items())
            if k not in _SECRET_HEADERS}
    kept = dict(list(kept.items())[:_MAX_KEPT_HEADERS])
    kept["body-bytes"] = str(len(body))
    kept["body-sha256"] = hashlib.sha256(body).hexdigest()
    row.headers_json = json.dumps(kept, sort_keys=True)
    row.body = _text(body[:REFUSED_BODY_CHARS])
    return row
