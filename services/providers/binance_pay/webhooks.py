"""Verifying and reading Binance Pay webhooks (merchant side)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import wire
from .errors import PROVIDER
from .errors import InvalidSignature as InvalidSignatureError
from .models import WebhookEnvelope

SUCCESS_ACK = b'{"returnCode":"SUCCESS","returnMessage":null}'
FAIL_ACK = b'{"returnCode":"FAIL","returnMessage":"rejected"}'


def verify_signature(public_key_pem: str, timestamp: str, nonce: str, body: bytes,
                     signature_b64: str) -> bool:
    """RSA PKCS#1 v1.5 / SHA-256 over ``timestamp\\nnonce\\nbody\\n`` (raw body bytes)."""
    key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    payload = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    try:
        key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def parse_webhook(
    headers: Mapping[str, str], body: bytes, public_keys: Mapping[str, str]
) -> tuple[WebhookEnvelope, Any]:
    """Check the signature against the key named by ``BinancePay-Certificate-SN`` and return
    the envelope plus its ``data`` parsed a second time (Decimals kept exact).

    Raises ``InvalidSignature`` for an unknown certificate or a bad signature; a caller that
    sees an unknown serial should refresh ``certificates()`` once and try again.
    """
    h = {k.lower(): v for k, v in headers.items()}
    serial = h.get("binancepay-certificate-sn", "")
    key = public_keys.get(serial)
    if key is None:
        raise InvalidSignatureError(f"unknown webhook certificate {serial!r}", code="400002",
                                    provider=PROVIDER)
    if not verify_signature(key, h.get("binancepay-timestamp", ""), h.get("binancepay-nonce", ""),
                            body, h.get("binancepay-signature", "")):
        raise InvalidSignatureError("webhook signature does not verify", code="400002",
                                    provider=PROVIDER)
    raw = wire.loads(body)
    envelope = WebhookEnvelope.model_validate(raw)
    data = envelope.data
    if isinstance(data, str):
        data = wire.loads(data)
    return envelope, data
