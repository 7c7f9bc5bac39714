"""Errors the services raise; pages and the command line turn them into messages.

PayDeskError
 ├── ConfigurationError      settings are missing or unsafe (e.g. placeholder secrets in live mode)
 ├── InputError              bad input; names the row, the field and the fix
 │    └── MoneyError         an amount that is not an exact, allowed money value
 ├── NotFoundError           the thing asked for does not exist
 ├── PermissionDeniedError   the actor's role does not allow the action
 ├── ConflictError           the action does not fit the current state (e.g. refund of an unpaid order)
 │    ├── LimitExceededError a limit would be exceeded (refundable amount, mandate limit, caps)
 │    └── NotOfferedError    the item's provider does not offer the action (Juicyway refunds)
 └── ProviderCallError       the provider refused or could not be reached; carries its code
"""

from __future__ import annotations


class PayDeskError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(PayDeskError):
    pass


class InputError(PayDeskError):
    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        row: int | None = None,
        value: object = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.row = row
        self.value = value

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class MoneyError(InputError):
    """`code` says which rule refused the amount (bad_amount, too_large, too_many_decimals), for
    file previews that list findings by kind."""

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None,
                 value: object = None, code: str = "bad_amount") -> None:
        super().__init__(message, field=field, row=row, value=value)
        self.code = code


class NotFoundError(PayDeskError):
    pass


class PermissionDeniedError(PayDeskError):
    """A refusal; `services.core.refusals` writes it to the audit log (who, what, why) exactly once."""

    def __init__(
        self,
        message: str,
        *,
        action: str | None = None,
        actor_id: int | None = None,
        actor_name: str | None = None,
        target_type: str | None = None,
        target_id: str | int | None = None,
    ) -> None:
        super().__init__(message)
        self.action = action
        self.actor_id = actor_id
        self.actor_name = actor_name
        self.target_type = target_type
        self.target_id = target_id
        self.audited = False


class ConflictError(PayDeskError):
    pass


class LimitExceededError(ConflictError):
    pass


class NotOfferedError(ConflictError):
    """The provider that owns the item (or was chosen for it) does not offer the action; the
    message says why in words. Nothing was sent to the provider."""

    def __init__(self, message: str, *, provider: str, capability: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.capability = capability


class ProviderCallError(PayDeskError):
    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
