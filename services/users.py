"""Managing staff accounts. Every change is an audit entry in the same transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from data.models import User
from services import audit
from services.access import ADMIN, APPROVER, OPERATOR, ROLES, VIEWER, Actor, require
from services.auth import hash_password
from services.bootstrap import Services
from services.errors import ConfigurationError, ConflictError, InputError, NotFoundError

MIN_PASSWORD_LENGTH = 12
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


def check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}",
            field="password",
        )
    if username.lower() in password.lower():
        raise InputError("the password must not contain the username", field="password")


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
    require(actor, "users.manage")
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
    require(actor, "users.manage")
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


def _change(services: Services, actor: Actor, username: str, action: str, **changes) -> UserView:  # type: ignore[no-untyped-def]
    require(actor, "users.manage")
    now = services.now()
    with services.uow() as uow:
        user = _get(uow, username)
        detail: dict[str, object] = {"username": user.username}
        for field, value in changes.items():
            if field != "password_hash":
                detail[field] = value
            setattr(user, field, value)
        audit.record(uow, actor=actor, action=action, target_type="user", target_id=user.id,
                     at=now, detail=detail)
        uow.commit()
        return _view(user)


def disable_user(services: Services, actor: Actor, username: str) -> UserView:
    if actor.username == username.strip().lower():
        raise ConflictError("you cannot disable your own account; ask another admin")
    return _change(services, actor, username, "users.disable", disabled=True)


def enable_user(services: Services, actor: Actor, username: str) -> UserView:
    return _change(services, actor, username, "users.enable", disabled=False)


def set_role(services: Services, actor: Actor, username: str, role: str) -> UserView:
    return _change(services, actor, username, "users.set_role", role=_check_role(role))


def reset_password(services: Services, actor: Actor, username: str, password: str) -> UserView:
    """New password; also lifts a lockout, which is how an admin unlocks an account."""
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
    require(actor, "users.manage")
    changed = []
    for view in list_users(services, actor):
        if view.role in roles and not view.totp_required:
            set_totp_required(services, actor, view.username, True)
            changed.append(view.username)
    return changed


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
