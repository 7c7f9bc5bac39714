"""The role x action matrix, checked at the service level (services.core.access.require)."""

from __future__ import annotations

import pytest

from services.core.access import ACTIONS, PERMISSIONS, ROLES, Actor, allowed, cli_actor, require
from services.core.errors import PermissionDeniedError

# The design's duties, written out independently of the table under test.
EXPECTED: dict[str, set[str]] = {
    "viewer": {"orders.view", "orders.export"},
    "operator": {
        "orders.view", "orders.export", "payment_request.create", "payment_request.close",
        "refund.request", "payout.upload", "payout.submit", "debit.request", "mandate.create",
        "mandate.terminate", "reconciliation.run",
    },
    "approver": {
        "orders.view", "orders.export", "refund.approve", "payout.approve",
        "reconciliation.run", "reconciliation.resolve", "audit.view",
    },
    "admin": {"orders.view", "orders.export", "audit.view", "users.manage", "settings.manage"},
}
MONEY_MOVES = ("refund.request", "payout.upload", "payout.submit", "debit.request",
               "payment_request.create", "refund.approve", "payout.approve")


def test_every_product_action_is_defined() -> None:
    assert set(ACTIONS) == set().union(*EXPECTED.values())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(PERMISSIONS))
def test_role_action_matrix(role: str, action: str) -> None:
    actor = Actor(user_id=1, username=f"demo-{role}", role=role)
    if action in EXPECTED[role]:
        assert require(actor, action) is actor
        assert allowed(role, action)
    else:
        with pytest.raises(PermissionDeniedError, match=action):
            require(actor, action)


@pytest.mark.parametrize("action", MONEY_MOVES)
def test_a_viewer_cannot_move_money(action: str) -> None:
    with pytest.raises(PermissionDeniedError):
        require(Actor(user_id=1, username="v", role="viewer"), action)


def test_nobody_both_prepares_and_approves() -> None:
    for role in ROLES:
        assert not ({"payout.upload", "payout.approve"} <= EXPECTED[role])
        assert not ({"refund.request", "refund.approve"} <= EXPECTED[role])


def test_no_actor_is_refused() -> None:
    with pytest.raises(PermissionDeniedError, match="sign in"):
        require(None, "orders.view")


def test_unknown_action_fails_loudly() -> None:
    with pytest.raises(KeyError, match="refund.aprove"):
        require(Actor(user_id=1, username="a", role="admin"), "refund.aprove")


def test_unknown_role_is_rejected() -> None:
    with pytest.raises(ValueError, match="superuser"):
        Actor(user_id=1, username="x", role="superuser")


def test_command_line_acts_as_admin_without_a_user_row() -> None:
    actor = cli_actor("root")
    assert actor.user_id is None and actor.role == "admin" and actor.username == "cli:root"
