"""Settings an admin may change while PayDesk runs, and where every other setting comes from.

Only settings that are safe to change at run time are editable (a refund threshold, the time
zone, the default payment request expiry, who gets alert e-mails); credentials, the database and
the mode stay in the environment, shown read-only with their source. A change is stored in
`runtime_settings`, audited with its old and new value in the same transaction, and overrides the
environment from the next page run or worker pass on (`apply`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import select

from data.models import RuntimeSetting
from services.core import audit
from services.core.access import Actor
from services.core.context import Services
from services.core.refusals import require
from services.core.config import EXPIRY_MINUTES_MAX, Settings
from services.core.errors import InputError
from services.core.money import plain_amount

_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def _threshold(raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", "").strip())
    except InvalidOperation:
        raise InputError("enter an amount such as 1000 or 2500.50",
                         field="refund_approval_threshold", value=raw) from None
    if not value.is_finite() or value < 0:
        raise InputError("enter zero or a positive amount", field="refund_approval_threshold",
                         value=raw)
    return value


def _zone(raw: str) -> str:
    name = raw.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError("use an IANA time zone such as Europe/Berlin or UTC", field="timezone",
                         value=raw) from None
    return name


def _expiry(raw: str) -> int:
    try:
        minutes = int(raw.strip())
    except ValueError:
        raise InputError("enter whole minutes", field="payment_request_expiry_minutes",
                         value=raw) from None
    # The settings' own bound (1-60); each payment request is further held to its provider's
    # longest expiry (services.orders.request_form.payment_terms), so a default longer than
    # a provider allows is shortened for that provider, never refused by it.
    if not 1 <= minutes <= EXPIRY_MINUTES_MAX:
        raise InputError(f"between 1 and {EXPIRY_MINUTES_MAX} minutes (no provider keeps an "
                         "unpaid payment longer than an hour; each request is held to its "
                         "provider's own limit)",
                         field="payment_request_expiry_minutes", value=raw)
    return minutes


def _emails(raw: str) -> str:
    addresses = [a.strip().lower() for a in raw.replace(";", ",").split(",") if a.strip()]
    for address in addresses:
        if not _EMAIL.match(address):
            raise InputError(f"'{address}' is not an e-mail address; separate several with commas",
                             field="alert_emails", value=raw)
    return ", ".join(addresses)


@dataclass(frozen=True)
class Editable:
    key: str  # the Settings field
    label: str
    variable: str
    parse: Callable[[str], object]
    show: Callable[[object], str]


EDITABLE: dict[str, Editable] = {e.key: e for e in (
    Editable("refund_approval_threshold", "Refund approval above (order's currency)",
             "PAYDESK_REFUND_APPROVAL_THRESHOLD", _threshold,
             lambda v: plain_amount(v)),  # type: ignore[arg-type]
    Editable("timezone", "Time zone", "PAYDESK_TIMEZONE", _zone, str),
    Editable("payment_request_expiry_minutes", "Payment request expiry (minutes)",
             "PAYDESK_PAYMENT_REQUEST_EXPIRY_MINUTES", _expiry, str),
    Editable("alert_emails", "Alert e-mail recipients", "PAYDESK_ALERT_EMAILS", _emails,
             lambda v: str(v) or "nobody"),
)}


@dataclass(frozen=True)
class SettingRow:
    key: str
    label: str
    value: str
    variable: str
    source: str
    changed_at: datetime | None


def _stored(services: Services) -> dict[str, RuntimeSetting]:
    with services.uow() as uow:
        rows = {row.key: row for row in uow.session.exec(select(RuntimeSetting)).all()}
        uow.session.expunge_all()
        return rows


def apply(services: Services) -> Settings:
    """Put the stored overrides on top of the environment's settings; returns the result.

    A stored value that no longer parses (e.g. a zone removed from tzdata) is skipped, so the
    environment's value stays in force rather than the app failing to start.
    """
    base = services.env_settings
    updates: dict[str, object] = {}
    for key, row in _stored(services).items():
        editable = EDITABLE.get(key)
        if editable is None:
            continue
        try:
            updates[key] = editable.parse(row.value)
        except InputError:
            continue
    settings = base.model_copy(update=updates) if updates else base
    services.settings = settings
    return settings


def describe(services: Services) -> list[SettingRow]:
    """The editable settings with their value in force and where it comes from."""
    stored = _stored(services)
    base = services.env_settings
    rows = []
    for key, editable in EDITABLE.items():
        row = stored.get(key)
        if row is not None:
            value = editable.show(editable.parse(row.value))
            source = f"changed in the app by {row.updated_by}"
        else:
            value = editable.show(getattr(base, key))
            source = ("environment or .env" if key in base.model_fields_set
                      else "built-in default")
        rows.append(SettingRow(key, editable.label, value, editable.variable, source,
                               row.updated_at if row else None))
    return rows


def change(services: Services, actor: Actor, key: str, raw: str) -> SettingRow:
    """Validate and store a new value for one editable setting; audited."""
    require(services, actor, "settings.manage")
    editable = EDITABLE.get(key)
    if editable is None:
        raise InputError(f"'{key}' cannot be changed in the app; set it in the environment",
                         field="setting", value=key)
    value = editable.parse(raw)
    text = str(value)
    before = editable.show(getattr(services.settings, key))
    now = services.now()
    with services.uow() as uow:
        row = uow.session.get(RuntimeSetting, key)
        if row is None:
            row = RuntimeSetting(key=key, value=text, updated_at=now, updated_by=actor.username)
        else:
            row.value, row.updated_at, row.updated_by = text, now, actor.username
        uow.session.add(row)
        audit.record(uow, actor=actor, action="settings.change", target_type="setting",
                     target_id=editable.variable, at=now,
                     detail={"setting": editable.label, "before": before,
                             "after": editable.show(value)})
        uow.commit()
    apply(services)
    return next(r for r in describe(services) if r.key == key)


def revert(services: Services, actor: Actor, key: str) -> None:
    """Forget the app's value: the environment's (or the default) is in force again."""
    require(services, actor, "settings.manage")
    editable = EDITABLE.get(key)
    if editable is None:
        raise InputError(f"'{key}' is not a setting changed in the app", field="setting",
                         value=key)
    now = services.now()
    with services.uow() as uow:
        row = uow.session.get(RuntimeSetting, key)
        if row is None:
            return
        before = editable.show(editable.parse(row.value))
        uow.session.delete(row)
        audit.record(uow, actor=actor, action="settings.revert", target_type="setting",
                     target_id=editable.variable, at=now,
                     detail={"setting": editable.label, "before": before,
                             "after": editable.show(getattr(services.env_settings, key))})
        uow.commit()
    apply(services)


def source_of(services: Services, variable: str) -> str:
    """Where a read-only setting's value comes from, for 'PAYDESK_X' (or 'A / B')."""
    names = [v.strip() for v in variable.split("/")]
    fields = {f.alias: name for name, f in Settings.model_fields.items() if f.alias}
    stored = _stored(services)
    if any(fields.get(n) in stored for n in names):
        return "changed in the app"
    explicit = services.env_settings.model_fields_set
    if any(fields.get(n) in explicit for n in names):
        return "environment or .env"
    return "built-in default"
