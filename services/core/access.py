"""Who may do what. Every service that reads or changes state calls `require` itself, so a page
that forgot to hide a button still cannot move money.

Roles follow the design: viewer reads and exports; operator prepares money movements; approver
decides on what an operator prepared (never their own: see services.core.approvals); admin manages users
and settings. Duties are deliberately separated: an admin cannot move money and an operator cannot
approve, so no single account can both prepare and release a payment.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.core.errors import PermissionDeniedError

VIEWER = "viewer"
OPERATOR = "operator"
APPROVER = "approver"
ADMIN = "admin"
ROLES: tuple[str, ...] = (VIEWER, OPERATOR, APPROVER, ADMIN)
ALL_ROLES: frozenset[str] = frozenset(ROLES)

_ANYONE = ALL_ROLES
_PREPARERS = frozenset({OPERATOR})
_DECIDERS = frozenset({APPROVER})

PERMISSIONS: dict[str, frozenset[str]] = {
    # reading and exporting the books
    "orders.view": _ANYONE,
    "orders.export": _ANYONE,
    # money in
    "payment_request.create": _PREPARERS,
    "payment_request.close": _PREPARERS,
    # money out: operators prepare, approvers release
    "refund.request": _PREPARERS,
    "refund.approve": _DECIDERS,
    "payout.upload": _PREPARERS,
    "payout.submit": _PREPARERS,
    "payout.approve": _DECIDERS,
    "debit.request": _PREPARERS,
    "mandate.create": _PREPARERS,
    "mandate.terminate": _PREPARERS,
    # books
    "reconciliation.run": frozenset({OPERATOR, APPROVER}),
    "reconciliation.resolve": _DECIDERS,
    # the audit log names people and failed sign-ins, so plain viewers do not see it
    "audit.view": frozenset({APPROVER, ADMIN}),
    # administration
    "users.manage": frozenset({ADMIN}),
    "settings.manage": frozenset({ADMIN}),
}
ACTIONS: tuple[str, ...] = tuple(PERMISSIONS)


@dataclass(frozen=True, slots=True)
class Actor:
    """The person (or command-line operator) on whose behalf a service acts."""

    user_id: int | None
    username: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ALL_ROLES:
            raise ValueError(f"unknown role '{self.role}'; use one of {', '.join(ROLES)}")


def cli_actor(os_user: str) -> Actor:
    """The command line runs with direct access to the store, i.e. with admin rights already."""
    return Actor(user_id=None, username=f"cli:{os_user}"[:64], role=ADMIN)


def roles_for(action: str) -> frozenset[str]:
    try:
        return PERMISSIONS[action]
    except KeyError:
        # A typo in an action name must fail loudly, never silently allow or deny.
        raise KeyError(f"unknown action '{action}'") from None


def allowed(role: str, action: str) -> bool:
    return role in roles_for(action)


def can(actor: Actor | None, action: str) -> bool:
    return actor is not None and allowed(actor.role, action)


def require(actor: Actor | None, action: str) -> Actor:
    """Return the actor when their role allows `action`, else raise PermissionDeniedError."""
    allowed_roles = roles_for(action)
    if actor is None:
        raise PermissionDeniedError(f"sign in first: '{action}' needs a signed-in user",
                                    action=action)
    if actor.role not in allowed_roles:
        needed = " or ".join(r for r in ROLES if r in allowed_roles)
        raise refusal(
            actor, action, f"{actor.username} ({actor.role}) may not {action}; it needs the "
            f"{needed} role",
        )
    return actor


def refusal(actor: Actor | None, action: str, why: str, *, target_type: str | None = None,
            target_id: str | int | None = None) -> PermissionDeniedError:
    """The error for a refused `action`, carrying who and what for the audit entry."""
    return PermissionDeniedError(
        why, action=action, actor_id=actor.user_id if actor else None,
        actor_name=actor.username if actor else None, target_type=target_type,
        target_id=target_id,
    )
