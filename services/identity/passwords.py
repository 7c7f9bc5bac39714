"""The password policy: what a new password must be, checked before it is hashed."""

from __future__ import annotations

from services.core.errors import InputError

MIN_PASSWORD_LENGTH = 12


def check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}",
            field="password",
        )
    if username.lower() in password.lower():
        raise InputError("the password must not contain the username", field="password")
