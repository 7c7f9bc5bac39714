"""Secrets PayDesk must read back (TOTP seeds) are stored encrypted: Fernet, keys from settings.

`PAYDESK_TOTP_KEYS` lists keys newest first (MultiFernet): the first encrypts, every one decrypts,
so rotating is "put a new key in front, re-encrypt, drop the old key later". A value written before
encryption existed (a bare base32 seed) is still read, and re-encrypted by `rotate`.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlmodel import col, select

from data.models import User
from services.core.config import Settings
from services.core.errors import ConfigurationError

# Every Fernet token starts with the version byte 0x80, "gAAAAA" in base64; a base32 TOTP seed
# (A-Z, 2-7) never does.
_TOKEN_START = "gAAAAA"


def _box(settings: Settings) -> MultiFernet:
    keys = [k.strip() for k in settings.totp_keys.get_secret_value().split(",") if k.strip()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except (ValueError, TypeError):
        raise ConfigurationError(
            "PAYDESK_TOTP_KEYS holds something that is not a Fernet key"
        ) from None


def seal(settings: Settings, secret: str) -> str:
    return _box(settings).encrypt(secret.encode()).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(_TOKEN_START)


def unseal(settings: Settings, stored: str) -> str:
    if not is_sealed(stored):
        return stored  # written before secrets were encrypted; `rotate` seals it
    try:
        return _box(settings).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise ConfigurationError(
            "a stored TOTP secret cannot be decrypted with PAYDESK_TOTP_KEYS: keep the old key "
            "in the list (after the new one) until `paydesk users rotate-totp-keys` has run"
        ) from None


def rotate(services) -> int:  # type: ignore[no-untyped-def]
    """Re-encrypt every stored TOTP secret with the newest key; returns how many were written."""
    box = _box(services.settings)
    changed = 0
    with services.uow() as uow:
        for user in uow.session.exec(select(User).where(col(User.totp_secret).is_not(None))):
            stored = user.totp_secret or ""
            try:
                user.totp_secret = (box.rotate(stored.encode()).decode() if is_sealed(stored)
                                    else box.encrypt(stored.encode()).decode())
            except InvalidToken:
                raise ConfigurationError(
                    f"the TOTP secret of {user.username} cannot be decrypted with any key in "
                    "PAYDESK_TOTP_KEYS; nothing was changed"
                ) from None
            changed += 1
        uow.commit()
    return changed
