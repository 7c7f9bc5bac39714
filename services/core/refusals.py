"""Every refusal leaves an audit entry: who tried what, and why it was refused.

A refusal raised inside a unit of work is recorded by the unit of work after its rollback (so the
entry survives the refused transaction); `require` here covers checks made before any transaction.
An error is recorded once, wherever it is caught first.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import NoReturn

from sqlalchemy.orm import Session

from data.models import AuditEntry
from services.core import access
from services.core.access import Actor
from services.core.errors import PermissionDeniedError

ACTION = "access.refused"
_NAME_MAX = 64
_FIELD_MAX = 64


def record(session: Session, error: PermissionDeniedError, *, at: datetime | None = None) -> None:
    """Write `error` as an audit entry in its own transaction on `session` (already rolled back)."""
    if error.audited:
        return
    entry = AuditEntry(
        actor_id=error.actor_id,
        actor_name=(error.actor_name or "(not signed in)")[:_NAME_MAX],
        action=ACTION,
        target_type=(error.target_type or None) and str(error.target_type)[:32],
        target_id=None if error.target_id is None else str(error.target_id)[:_FIELD_MAX],
        outcome="refused",
        detail=_detail(error),
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    session.commit()
    error.audited = True


def _detail(error: PermissionDeniedError) -> str:
    return json.dumps({"action": error.action or "unknown", "reason": error.message},
                      sort_keys=True)


def require(services, actor: Actor | None, action: str) -> Actor:  # type: ignore[no-untyped-def]
    """`access.require`, with the refusal audited (for checks made outside a transaction)."""
    try:
        return access.require(actor, action)
    except PermissionDeniedError as error:
        _record_now(services, error)
        raise


def require_any(services, actor: Actor | None, actions: Iterable[str], *,  # type: ignore[no-untyped-def]
                what: str) -> Actor:
    """The actor when their role allows at least one of `actions`, else an audited refusal of
    `what`: for services whose exact permission is only known after a lookup (an alert's
    audience, a saved view's page), so the role is still checked before anything is read."""
    wanted = tuple(actions)
    if not wanted:
        raise ValueError(f"'{what}' names no action to check")  # a coding error, never allow
    if actor is None:
        return require(services, actor, wanted[0])  # "sign in first", audited
    if any(access.allowed(actor.role, action) for action in wanted):
        return actor
    roles = {role for action in wanted for role in access.roles_for(action)}
    needed = " or ".join(r for r in access.ROLES if r in roles)
    refuse(services, actor, what, f"{actor.username} ({actor.role}) may not {what}; it needs "
           f"the {needed} role")


def refuse(services, actor: Actor | None, action: str, why: str, *,  # type: ignore[no-untyped-def]
           target_type: str | None = None, target_id: str | int | None = None) -> NoReturn:
    """Refuse `action` for a reason other than the role (own account, last admin…), audited."""
    error = access.refusal(actor, action, why, target_type=target_type, target_id=target_id)
    _record_now(services, error)
    raise error


def _record_now(services, error: PermissionDeniedError) -> None:  # type: ignore[no-untyped-def]
    session = services.session_factory()
    try:
        record(session, error, at=services.now())
    finally:
        session.close()
