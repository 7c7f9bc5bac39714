"""Managing staff accounts. Every change is an audit entry in the same transaction."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from data.models import User
from services.core import audit
from services.identity import sessions
from services.core.access import ADMIN, APPROVER, OPERATOR, ROLES, VIEWER, Actor, refusal
from services.identity.passwords import MIN_PASSWORD_LENGTH, check_password  # noqa: F401 (the Users page reads the length here)
from services.identity.sign_in import hash_password, password_matches
from services.core.context import Services
from services.core.errors import ConfigurationError, ConflictError, InputError, NotFoundError
from services.core.refusals import require
from services.core.unit_of_work import UnitOfWork

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str


# Sandbox only: the sign-in page shows these, so they are deliberately trivial.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("viewer", VIEWER, "viewer"),
    DemoUser("operator", OPERATOR, "operator"),
    DemoUser("approver", APPROVER, "approver"),
    DemoUser("admin", ADMIN, "admin"),
)


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    disabled: bool
    totp_required: bool
    totp_enrolled: bool
    locked_until: datetime | None
    last_sign_in_at: datetime | None


def _view(user: User) -> UserView:
    return UserView(
        id=user.id or 0,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        disabled=user.disabled,
        totp_required=user.totp_required,
        totp_enrolled=bool(user.totp_secret),
        locked_until=user.locked_until,
        last_sign_in_at=user.last_sign_in_at,
    )


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role '{role}'; use one of {', '.join(ROLES)}", field="role")
    return role


def _get(uow, username: str) -> User:  # type: ignore[no-untyped-def]
    user = uow.session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFoundError(f"no user '{username}'; `paydesk users list` shows who exists")
    return user


def count_users(services: Services) -> int:
    """Unauthenticated on purpose: the sign-in page says what to do when there are none."""
    with services.uow() as uow:
        return int(uow.session.exec(select(func.count()).select_from(User)).one())


def list_users(services: Services, actor: Actor) -> list[UserView]:
    require(services, actor, "users.manage")
    with services.uow() as uow:
        return [_view(u) for u in uow.session.exec(select(User).order_by(User.username)).all()]


def create_user(
    services: Services,
    actor: Actor,
    *,
    username: str,
    role: str,
    password: str | None,
    display_name: str = "",
    email: str | None = None,
    totp_required: bool = False,
) -> UserView:
    """`password=None` makes a single-sign-on-only account (needs `email`)."""
    require(services, actor, "users.manage")
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InputError(
            "use 2-64 characters: lowercase letters, digits, '.', '_' or '-'", field="username",
            value=username,
        )
    _check_role(role)
    if password is None and not email:
        raise InputError("give a password, or an email for single sign-on", field="password")
    if password is not None:
        check_password(password, name)
    return _insert(services, actor, name=name, role=role, password=password,
                   display_name=display_name, email=email, totp_required=totp_required)


def _insert(services: Services, actor: Actor | str, *, name: str, role: str,
            password: str | None, display_name: str = "", email: str | None = None,
            totp_required: bool = False) -> UserView:
    now = services.now()
    with services.uow() as uow:
        user = User(
            username=name,
            role=role,
            display_name=display_name.strip(),
            email=email.strip().lower() if email else None,
            password_hash=hash_password(password) if password is not None else None,
            totp_required=totp_required,
            created_at=now,
        )
        uow.session.add(user)
        try:
            uow.session.flush()
        except IntegrityError:
            raise ConflictError(f"user '{name}' already exists") from None
        audit.record(uow, actor=actor, action="users.add", target_type="user",
                     target_id=user.id, at=now,
                     detail={"username": name, "role": role, "totp_required": totp_required,
                             "sso_only": password is None})
        uow.commit()
        return _view(user)


Guard = Callable[[UnitOfWork, User], None]


def _change(services: Services, actor: Actor, username: str, action: str, *,  # type: ignore[no-untyped-def]
            guard: Guard | None = None, **changes) -> UserView:
    require(services, actor, "users.manage")
    now = services.now()
    with services.uow() as uow:
        user = _get(uow, username)
        if guard is not None:
            guard(uow, user)  # a refusal raised here is audited by the unit of work
        detail: dict[str, object] = {"username": user.username}
        for field, value in changes.items():
            if field != "password_hash":
                detail[field] = value
            setattr(user, field, value)
        if changes.get("disabled") is True or "password_hash" in changes:
            # Signed-in browsers of a disabled account (or one whose password was reset by an
            # admin, e.g. after a suspected leak) end now, not at their next idle timeout.
            sessions.revoke_all(uow, user.id, now,
                                reason="disabled" if changes.get("disabled") else "password")
        audit.record(uow, actor=actor, action=action, target_type="user", target_id=user.id,
                     at=now, detail=detail)
        uow.commit()
        return _view(user)


def _not_self(actor: Actor, action: str, what: str) -> Guard:
    def guard(uow: UnitOfWork, user: User) -> None:
        if user.id == actor.user_id or user.username == actor.username:
            raise refusal(actor, action, f"nobody {what}; ask another admin",
                          target_type="user", target_id=user.username)
    return guard


def _keeps_an_admin(actor: Actor, action: str, *, removing: Guard | None = None) -> Guard:
    """Refuse when `user` is the last enabled admin (then nobody could manage users)."""
    def guard(uow: UnitOfWork, user: User) -> None:
        if removing is not None:
            removing(uow, user)
        if user.role != ADMIN or user.disabled:
            return
        others = uow.session.exec(
            select(func.count()).select_from(User).where(
                User.role == ADMIN, User.disabled == False, User.id != user.id  # noqa: E712
            )
        ).one()
        if not others:
            raise refusal(actor, action,
                          f"{user.username} is the last admin; make someone else admin first",
                          target_type="user", target_id=user.username)
    return guard


def disable_user(services: Services, actor: Actor, username: str) -> UserView:
    """Nobody disables themselves, and the last admin stays."""
    guard = _keeps_an_admin(actor, "users.disable", removing=_not_self(
        actor, "users.disable", "disables their own account"))
    return _change(services, actor, username, "users.disable", guard=guard, disabled=True)


def enable_user(services: Services, actor: Actor, username: str) -> UserView:
    return _change(services, actor, username, "users.enable", disabled=False)


def set_role(services: Services, actor: Actor, username: str, role: str) -> UserView:
    """Nobody changes their own role, and the last admin keeps hers."""
    require(services, actor, "users.manage")
    role = _check_role(role)
    guard = _not_self(actor, "users.set_role", "changes their own role")
    if role != ADMIN:
        guard = _keeps_an_admin(actor, "users.set_role", removing=guard)
    return _change(services, actor, username, "users.set_role", guard=guard, role=role)


def reset_password(services: Services, actor: Actor, username: str, password: str) -> UserView:
    """New password; also lifts a lockout, which is how an admin unlocks an account."""
    require(services, actor, "users.manage")  # before the policy: a refusal reveals nothing
    check_password(password, username.strip().lower())
    return _change(services, actor, username, "users.reset_password",
                   password_hash=hash_password(password), failed_attempts=0, locked_until=None)


def set_totp_required(services: Services, actor: Actor, username: str, required: bool) -> UserView:
    return _change(services, actor, username, "users.set_totp_required", totp_required=required)


def reset_totp(services: Services, actor: Actor, username: str) -> UserView:
    """Forget the authenticator (lost phone); they enrol again at next sign-in if required."""
    return _change(services, actor, username, "users.reset_totp", totp_secret=None,
                   totp_last_step=None)


def require_totp_for_roles(services: Services, actor: Actor, roles: list[str]) -> list[str]:
    """Require the second factor of every current user holding one of `roles`."""
    require(services, actor, "users.manage")
    changed = []
    for view in list_users(services, actor):
        if view.role in roles and not view.totp_required:
            set_totp_required(services, actor, view.username, True)
            changed.append(view.username)
    return changed


def enabled_demo_accounts(services: Services) -> list[str]:
    """Enabled accounts that are still the sandbox's demo users: their name and the password the
    sandbox sign-in page shows (or the name the sandbox gave them)."""
    by_name = {d.username: d for d in DEMO_USERS}
    with services.uow() as uow:
        rows = uow.session.exec(
            select(User).where(User.username.in_(list(by_name)), User.disabled == False)  # noqa: E712
        ).all()
        found = [
            u.username for u in rows
            if u.display_name == f"Demo {by_name[u.username].role}"
            or password_matches(u.password_hash, by_name[u.username].password)
        ]
    return sorted(found)


def ensure_demo_users(services: Services) -> int:
    """Sandbox only: create the missing demo users (one per role); returns how many were created.

    Idempotent and safe to race: an existing user is left exactly as it is.
    """
    if not services.settings.is_sandbox:
        raise ConfigurationError("demo users exist only in sandbox mode")
    with services.uow() as uow:
        existing = set(uow.session.exec(select(User.username)).all())
    created = 0
    for demo in DEMO_USERS:
        if demo.username in existing:
            continue
        try:
            _insert(services, audit.SYSTEM, name=demo.username, role=demo.role,
                    password=demo.password, display_name=f"Demo {demo.role}")
        except ConflictError:
            continue  # another session created it a moment ago
        created += 1
    return created
