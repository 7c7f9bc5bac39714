"""Four-eyes approval: roles, self-approval, a single decision per item, mandatory comments."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import argon2
import pytest
from sqlmodel import col, select

from data.models import Approval, AuditEntry
from services.core import approvals
from services.identity import sign_in as auth
from services.identity import users
from services.core.access import Actor, cli_actor
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError, InputError, PermissionDeniedError

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth, "PASSWORD_HASHER", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    )


@pytest.fixture
def staff(services: Services) -> dict[str, Actor]:
    people = {}
    for name, role in (("olga", "operator"), ("oscar", "operator"), ("anna", "approver"),
                       ("arno", "approver"), ("vic", "viewer"), ("ada", "admin")):
        view = users.create_user(services, cli_actor("t"), username=name, role=role,
                                 password=PASSWORD)
        people[name] = Actor(user_id=view.id, username=name, role=role)
    return people


def request(services: Services, actor: Actor, item: str = "B-1", kind: str = "payout",
            amount: str = "1500.00") -> approvals.ApprovalView:
    with services.uow() as uow:
        view = approvals.request_approval(uow, actor=actor, kind=kind, item_id=item,
                                          amount=Decimal(amount), currency="USDT", at=AT)
        uow.commit()
        return view


def test_an_approver_approves_what_an_operator_prepared(
    services: Services, staff: dict[str, Actor]
) -> None:
    asked = request(services, staff["olga"])
    assert asked.status == "PENDING" and asked.prepared_by == "olga"
    assert [p.item_id for p in approvals.list_pending(services, staff["anna"])] == ["B-1"]
    decided = approvals.decide(services, actor=staff["anna"], approval_id=asked.id,
                               approve_it=True, comment="  matches the invoice  ")
    assert (decided.status, decided.decided_by, decided.comment) == (
        "APPROVED", "anna", "matches the invoice")
    with services.uow() as uow:
        entries = uow.session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.action).in_(("approval.requested", "approval.approved")))
            .order_by(col(AuditEntry.id))
        ).all()
        assert [(e.actor_name, e.action, e.amount) for e in entries] == [
            ("olga", "approval.requested", Decimal("1500.00")),
            ("anna", "approval.approved", Decimal("1500.00")),
        ]


def test_the_preparer_can_never_approve_their_own_item(
    services: Services, staff: dict[str, Actor]
) -> None:
    # Even if an approver account prepared it (e.g. a role changed after preparing).
    asked = request(services, staff["olga"])
    same_person = Actor(user_id=staff["olga"].user_id, username="olga", role="approver")
    with pytest.raises(PermissionDeniedError, match="cannot decide on it"):
        approvals.decide(services, actor=same_person, approval_id=asked.id, approve_it=True,
                         comment="looks fine")
    with services.uow() as uow:
        assert uow.session.get(Approval, asked.id).status == "PENDING"  # type: ignore[union-attr]


@pytest.mark.parametrize("who", ["olga", "vic", "ada"])
def test_only_approvers_decide(services: Services, staff: dict[str, Actor], who: str) -> None:
    asked = request(services, staff["oscar"])
    with pytest.raises(PermissionDeniedError):
        approvals.decide(services, actor=staff[who], approval_id=asked.id, approve_it=True,
                         comment="ok")


@pytest.mark.parametrize("who", ["anna", "vic", "ada"])
def test_only_operators_ask(services: Services, staff: dict[str, Actor], who: str) -> None:
    with pytest.raises(PermissionDeniedError):
        request(services, staff[who])


def test_an_item_is_decided_at_most_once(services: Services, staff: dict[str, Actor]) -> None:
    asked = request(services, staff["olga"], kind="refund", item="R-9")
    approvals.decide(services, actor=staff["anna"], approval_id=asked.id, approve_it=False,
                     comment="customer withdrew the claim")
    for approve_it in (True, False):
        with pytest.raises(ConflictError, match="already rejected by anna"):
            approvals.decide(services, actor=staff["arno"], approval_id=asked.id,
                             approve_it=approve_it, comment="second opinion")
    with pytest.raises(ConflictError, match="already has an approval request"):
        request(services, staff["oscar"], kind="refund", item="R-9")


def test_a_decision_needs_a_comment(services: Services, staff: dict[str, Actor]) -> None:
    asked = request(services, staff["olga"])
    with pytest.raises(InputError, match="comment"):
        approvals.decide(services, actor=staff["anna"], approval_id=asked.id, approve_it=True,
                         comment="   ")


def test_amounts_are_exact_and_positive(services: Services, staff: dict[str, Actor]) -> None:
    with pytest.raises(InputError):
        request(services, staff["olga"], amount="0")
    with pytest.raises(InputError):
        request(services, staff["olga"], amount="1.123456789")


def test_refund_threshold(services: Services) -> None:
    threshold = services.settings.refund_approval_threshold
    assert not approvals.refund_needs_approval(services.settings, threshold, "USDT")
    assert approvals.refund_needs_approval(services.settings, threshold + Decimal("0.01"), "USDT")


def test_btc_and_eth_refunds_have_their_own_threshold(services: Services) -> None:
    # Against the one 1,000 threshold, a 5 BTC refund went out on one signature.
    settings = services.settings
    assert approvals.refund_needs_approval(settings, Decimal("5"), "BTC")
    assert approvals.refund_needs_approval(settings, Decimal("1"), "ETH")
    btc = settings.refund_threshold_for("btc")
    assert btc < settings.refund_approval_threshold
    assert not approvals.refund_needs_approval(settings, btc, "BTC")
    assert approvals.refund_needs_approval(settings, btc + Decimal("0.00000001"), "BTC")
    assert not approvals.refund_needs_approval(settings, Decimal("999"), "USDC")


def test_two_approvers_clicking_together_cannot_both_win(
    services: Services, staff: dict[str, Actor]
) -> None:
    asked = request(services, staff["olga"])
    with services.uow() as late:
        # The late approver saw the item while it was still pending...
        assert late.session.get(Approval, asked.id).status == "PENDING"  # type: ignore[union-attr]
        approvals.decide(services, actor=staff["anna"], approval_id=asked.id, approve_it=True,
                         comment="first")
        # ...and their decision finds it already taken.
        with pytest.raises(ConflictError, match="already approved by anna"):
            approvals.approve(late, actor=staff["arno"], approval_id=asked.id, comment="second",
                              at=AT)
