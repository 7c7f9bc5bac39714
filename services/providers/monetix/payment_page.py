"""Payment Page (hosted checkout) links: plain signed URLs and Monetix's encrypted form.

Plain: ``{base}?{params}&signature={sig}`` where the signature covers the parameters as
written before URL-encoding (trxhosts/paymentpage-sdk-java ``PaymentPage.getUrl``). Values
are encoded like Java's ``URLEncoder`` so both SDKs and this module print the same URL.

Encrypted: ``{scheme}://{host}/{project_id}/{cipher}`` with
``cipher = Base64(Base64(AES-256-CBC(path + "?" + query)) + "::" + Base64(iv))``, the key
being the project's encryption key (UTF-8, zero-padded to 32 bytes), PKCS#7 padding and a
random IV (``Encryptor.java``). The IV parameter exists for the reference vector only.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import parse_qsl, quote_plus, urlsplit

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import amounts, signature
from .endpoints import FORCE_PAYMENT_METHOD, PAYMENT_PAGE_URL

KEY_BYTES = 32
IV_BYTES = 16
_DELIMITER = b"::"


class PaymentPageError(ValueError):
    pass


def _encode(value: str) -> str:
    # Java's URLEncoder leaves '*' alone and encodes '~'; Python's quote_plus does the opposite.
    return quote_plus(value, safe="*").replace("~", "%7E")


def binance_pay_params(
    *,
    project_id: int,
    payment_id: str,
    amount: Decimal,
    currency: str,
    customer_id: str,
    first_name: str,
    last_name: str,
    email: str,
    register_cof: bool = False,
    extra: Mapping[str, str | int] | None = None,
    exponents: Mapping[str, int] | None = None,
) -> dict[str, str | int]:
    """The seed's Table 1 parameters, Binance Pay preselected."""
    code = currency.upper()
    if code in amounts.BINANCE_PAY_UNSUPPORTED:
        raise PaymentPageError(f"Binance Pay through Monetix does not take {code}")
    params: dict[str, str | int] = {
        "project_id": project_id,
        "payment_id": payment_id,
        "customer_id": customer_id,
        "customer_first_name": first_name,
        "customer_last_name": last_name,
        "customer_email": email,
        "payment_currency": code,
        "payment_amount": amounts.to_minor(amount, code, exponents),
        "force_payment_method": FORCE_PAYMENT_METHOD,
    }
    if register_cof:
        # Signed as the JSON text; the URL encoding is applied once, when the URL is built.
        params["recurring"] = json.dumps({"register": True}, separators=(",", ":"))
    for key, value in (extra or {}).items():
        params[key] = value
    return params


def url(params: Mapping[str, str | int], secret: str, *, base_url: str = PAYMENT_PAGE_URL) -> str:
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            # A query string has no booleans or nulls: what the page reads back would not be
            # what was signed.
            raise PaymentPageError(f"parameter {key} must be text or an integer")
    query = "&".join(f"{key}={_encode(str(value))}" for key, value in params.items())
    sig = signature.sign(dict(params), secret)
    return f"{base_url}?{query}&signature={_encode(sig)}"


def _key(encryption_key: str) -> bytes:
    raw = encryption_key.encode("utf-8")
    if not raw or len(raw) > KEY_BYTES:
        raise PaymentPageError(f"the encryption key must be 1 to {KEY_BYTES} bytes long")
    return raw.ljust(KEY_BYTES, b"\0")


def encrypt(plain_url: str, project_id: int | str, encryption_key: str, *,
            iv: bytes | None = None) -> str:
    """The encrypted form of a plain Payment Page URL."""
    parts = urlsplit(plain_url)
    iv = os.urandom(IV_BYTES) if iv is None else iv
    if len(iv) != IV_BYTES:
        raise PaymentPageError("the IV is 16 bytes")
    padder = padding.PKCS7(128).padder()
    data = padder.update(f"{parts.path}?{parts.query}".encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(_key(encryption_key)), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(data) + encryptor.finalize()
    inner = base64.b64encode(sealed) + _DELIMITER + base64.b64encode(iv)
    return f"{parts.scheme}://{parts.netloc}/{project_id}/{base64.b64encode(inner).decode()}"


def decrypt(cipher_text: str, encryption_key: str) -> str:
    """``path?query`` from the last URL segment of an encrypted link (what the page does)."""
    try:
        inner = base64.b64decode(cipher_text, validate=True)
        sealed_b64, iv_b64 = inner.split(_DELIMITER, 1)
        sealed, iv = base64.b64decode(sealed_b64, validate=True), base64.b64decode(iv_b64)
        decryptor = Cipher(algorithms.AES(_key(encryption_key)), modes.CBC(iv)).decryptor()
        data = decryptor.update(sealed) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return (unpadder.update(data) + unpadder.finalize()).decode("utf-8")
    except (ValueError, binascii.Error) as exc:
        raise PaymentPageError(f"not a valid encrypted Payment Page link: {exc}") from None


def verify_query(query: str, secret: str) -> dict[str, str] | None:
    """The parameters of a Payment Page query when its signature verifies, else ``None``."""
    pairs = parse_qsl(query, keep_blank_values=True)
    params = {k: v for k, v in pairs if k != signature.SIGNATURE_KEY}
    given = next((v for k, v in pairs if k == signature.SIGNATURE_KEY), None)
    return params if signature.verify(params, secret, given) else None
