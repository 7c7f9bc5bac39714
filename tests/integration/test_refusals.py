"""Every service that acts for a person checks the role first, and every refusal is audited.

The list of services is not written by hand: every public function under services/ that takes
`services` and `actor` is found by inspection, so a new one is covered (or must be declared
readable by viewers below) the day it is written.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable
from typing import Any

import argon2
import pytest
from sqlmodel import SQLModel, select

import services as services_package
from data.models import AuditEntry
from services.identity import sign_in as auth
from services.identity import users
from services.core.access import APPROVER, OPERATOR, VIEWER, Actor, cli_actor
from services.entrypoints.bootstrap import Services
from services.core.errors import PermissionDeniedError
from services.core.refusals import ACTION as REFUSED

ADMIN_CLI = cli_actor("tester")
PASSWORD = "correct horse battery"

# What a viewer may call: reading, exporting, asking the provider for news, their own account.
VIEWER_MAY = {
    "services.core.approvals.list_pending",
    "services.identity.sign_in.sign_out", "services.identity.sign_in.enrol_totp", "services.identity.sign_in.change_own_password",
    "services.identity.sign_in.second_factor_state",
    "services.orders.exports.orders.export_orders", "services.orders.exports.orders.export_orders_bytes",
    "services.mandates.contracts.signing_links", "services.mandates.contracts.sync_contract",
    "services.mandates.contracts.list_mandates", "services.mandates.contracts.list_debits",
    "services.orders.book.search_orders", "services.orders.book.count_orders",
    "services.orders.book.filter_choices", "services.orders.book.get_order_detail",
    "services.orders.overview.get_overview",
    "services.orders.payment_requests.resolve_request", "services.orders.payment_requests.refresh_request",
    "services.orders.payment_requests.get_request", "services.orders.payment_requests.recent_requests",
    "services.payouts.drafts.draft_record", "services.payouts.drafts.excluded_lines",
    "services.payouts.drafts.recorded_warnings", "services.payouts.following.refresh_upload",
    "services.payouts.views.list_uploads", "services.payouts.views.upload",
    "services.payouts.views.lines", "services.payouts.not_sent.uploads_not_sent",
    "services.reconciliation.reports.build_report", "services.reconciliation.reports.export_report",
    "services.reconciliation.reports.write_all",
    "services.reconciliation.runs.list_runs", "services.reconciliation.runs.get_run",
    "services.reconciliation.runs.list_items", "services.reconciliation.runs.breaks_per_day",
    "services.refunds.listing.count_refunds", "services.refunds.listing.list_refunds",
    "services.refunds.listing.filter_choices", "services.refunds.listing.export_refunds_csv",
    "services.refunds.commands.refund_position",
    "services.identity.sessions.start",  # a signed-in person's own browser session
    "services.payouts.balances.read_balances", "services.desk.follow.check_open",
    "services.desk.follow.open_items", "services.payouts.drafts.recorded_edits",
    "services.reconciliation.runs.break_summary", "services.orders.rollups.check",
    # the finance desk: each person's inbox and alerts hold only what their role may act on
    "services.desk.inbox.items", "services.desk.inbox.count",
    "services.desk.alerts.open_alerts", "services.desk.alerts.alerts_in_inbox",
    "services.desk.customers.search", "services.desk.customers.profile",
    # scheduling a report is exporting: every role exports; pausing another's is refused below
    "services.desk.scheduled_reports.create_schedule", "services.desk.scheduled_reports.set_active",
    "services.desk.scheduled_reports.list_schedules", "services.desk.scheduled_reports.list_runs", "services.desk.scheduled_reports.run_file",
    # a person's own saved filters of a page they may read
    "services.desk.saved_views.save", "services.desk.saved_views.mine", "services.desk.saved_views.remove",
}
# The checks themselves, not services.
HELPERS = {"services.core.refusals.require", "services.core.refusals.require_any",
           "services.core.refusals.refuse"}
# Decisions belong to approvers: an operator is refused too (duties are separated).
APPROVER_ONLY = {
    "services.core.approvals.decide", "services.payouts.approval.approve",
    "services.payouts.approval.reject", "services.payouts.approval.awaiting_approval",
    "services.refunds.commands.decide_refund", "services.refunds.commands.refund_ids_awaiting_approval",
    "services.reconciliation.runs.resolve_item",
    "services.desk.inbox.payout_uploads_to_approve", "services.desk.inbox.refunds_to_approve",
    "services.desk.inbox.needs_review", "services.desk.inbox.breaks_to_resolve",
}


def acting_services() -> dict[str, Callable[..., Any]]:
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.walk_packages(services_package.__path__, "services."):
        if ".providers" in info.name or ".cli" in info.name or ".demo." in info.name:
            continue
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != info.name:
                continue
            parameters = inspect.signature(function).parameters
            if "services" in parameters and "actor" in parameters:
                found[f"{info.name}.{name}"] = function
    return found


ALL = acting_services()
REFUSED_TO_VIEWERS = sorted(set(ALL) - VIEWER_MAY - HELPERS)


def test_every_acting_service_is_classified() -> None:
    assert VIEWER_MAY <= set(ALL), sorted(VIEWER_MAY - set(ALL))
    assert APPROVER_ONLY <= set(REFUSED_TO_VIEWERS)
    # A sanity floor: the money movements are among those refused to viewers.
    for name in ("services.payouts.sending.send_batch", "services.refunds.commands.request_refund",
                 "services.identity.users.set_role", "services.core.system.describe_configuration"):
        assert name in REFUSED_TO_VIEWERS


def _call(function: Callable[..., Any], services: Services, actor: Actor) -> Any:
    """Call with the actor and placeholder values: the role check must come before any use."""
    arguments: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "services":
            arguments[name] = services
        elif name == "actor":
            arguments[name] = actor
        elif parameter.default is inspect.Parameter.empty:
            arguments[name] = "1"
    result = function(**arguments)
    if inspect.isgenerator(result):  # streamed exports check on the first chunk
        next(result, None)
    return result


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        auth, "PASSWORD_HASHER", argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    )


def _person(services: Services, name: str, role: str) -> Actor:
    view = users.create_user(services, ADMIN_CLI, username=name, role=role, password=PASSWORD)
    return Actor(user_id=view.id, username=view.username, role=view.role)


def refusals_of(services: Services) -> list[tuple[str, dict[str, str]]]:
    with services.uow() as uow:
        rows = uow.session.exec(
            select(AuditEntry).where(AuditEntry.action == REFUSED).order_by(AuditEntry.id)
        ).all()
        return [(r.actor_name, json.loads(r.detail or "{}")) for r in rows]


def store_contents(services: Services) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused call changed nothing but the audit log."""
    with services.engine.connect() as connection:
        return {table.name: sorted(repr(tuple(row)) for row in connection.execute(table.select()))
                for table in SQLModel.metadata.sorted_tables}


def assert_only_the_refusal_was_written(before: dict[str, list[str]],
                                        after: dict[str, list[str]]) -> None:
    audit_table = AuditEntry.__tablename__
    assert {k: v for k, v in after.items() if k != audit_table} == \
        {k: v for k, v in before.items() if k != audit_table}
    assert set(before[audit_table]) <= set(after[audit_table])
    assert len(after[audit_table]) == len(before[audit_table]) + 1  # the refusal, nothing else


@pytest.mark.parametrize("name", REFUSED_TO_VIEWERS)
def test_a_viewer_is_refused_and_the_refusal_is_audited(services: Services, name: str) -> None:
    viewer = _person(services, "vera", VIEWER)
    before = store_contents(services)
    with pytest.raises(PermissionDeniedError):
        _call(ALL[name], services, viewer)
    recorded = refusals_of(services)
    assert len(recorded) == 1, recorded
    who, detail = recorded[0]
    assert who == "vera"
    assert detail["action"] != "unknown" and detail["reason"]
    assert_only_the_refusal_was_written(before, store_contents(services))


@pytest.mark.parametrize("name", sorted(APPROVER_ONLY))
def test_an_operator_cannot_decide(services: Services, name: str) -> None:
    operator = _person(services, "otto", OPERATOR)
    before = store_contents(services)
    with pytest.raises(PermissionDeniedError):
        _call(ALL[name], services, operator)
    assert [who for who, _ in refusals_of(services)] == ["otto"]
    assert_only_the_refusal_was_written(before, store_contents(services))


# Open to every role, and not refusing a call without a person, for a reason:
NOBODY_IS_NOT_REFUSED = {
    # the caller's own account or session: with no one signed in there is no one to act for, and
    # they say so in their own words (tests/integration/test_auth.py, test_sessions.py)
    "services.identity.sign_in.sign_out", "services.identity.sign_in.enrol_totp", "services.identity.sign_in.change_own_password",
    "services.identity.sign_in.second_factor_state", "services.identity.sessions.start",
    # no person is the system asking the provider for news (the sync worker and the funding
    # check call these without one); they read and record what the provider says, nothing else
    "services.payouts.balances.read_balances", "services.mandates.contracts.sync_contract",
    "services.orders.payment_requests.refresh_request", "services.orders.payment_requests.resolve_request",
    # what waits for the caller, filtered by what their role may act on: nobody holds no role
    # and is shown nothing (test_filtered_lists_show_nobody_nothing below)
    "services.desk.inbox.items", "services.desk.inbox.count", "services.desk.alerts.open_alerts",
    "services.core.approvals.list_pending",
}


@pytest.mark.parametrize("name", sorted(VIEWER_MAY - NOBODY_IS_NOT_REFUSED))
def test_services_open_to_every_role_still_refuse_nobody_first(services: Services,
                                                                name: str) -> None:
    """Open to every role is not open to anyone: the check comes before any lookup or write."""
    before = store_contents(services)
    with pytest.raises(PermissionDeniedError):
        _call(ALL[name], services, None)  # type: ignore[arg-type]
    [(who, detail)] = refusals_of(services)
    assert who == "(not signed in)" and "sign in" in detail["reason"]
    assert_only_the_refusal_was_written(before, store_contents(services))


def test_deciding_on_ones_own_item_is_a_refusal_on_record(services: Services) -> None:
    """A refusal raised inside a transaction survives that transaction's rollback."""
    from decimal import Decimal

    from services.core import approvals

    approver = _person(services, "anna", APPROVER)
    with services.uow() as uow:
        view = approvals.request_approval(
            uow, actor=Actor(approver.user_id, "anna", OPERATOR), kind="refund",
            item_id="x1", amount=Decimal("5"), currency="USDT", at=services.now())
        uow.commit()
    with pytest.raises(PermissionDeniedError):
        approvals.decide(services, actor=approver, approval_id=view.id, approve_it=True,
                         comment="fine")
    [(who, detail)] = refusals_of(services)
    assert who == "anna" and "cannot decide" in detail["reason"]


def test_filtered_lists_show_nobody_nothing(services: Services) -> None:
    """With a refund waiting for approval and an alert open, a call without a person sees none."""
    from datetime import timedelta
    from decimal import Decimal

    from data.models import Alert
    from services.desk import alerts
    from services.core import approvals
    from services.desk import inbox

    operator = _person(services, "otto", OPERATOR)
    approver = _person(services, "anna", APPROVER)
    with services.uow() as uow:
        approvals.request_approval(uow, actor=operator, kind="refund", item_id="RF-9",
                                   amount=Decimal("5"), currency="USDT", at=services.now())
        uow.commit()
    alerts.collect(services)  # alerts begin now; the failure below is news
    with services.uow() as uow:
        uow.session.add(Alert(kind="refund", item_ref="RF-8", message="5 USDT did not go back",
                              audience="refund.request",
                              created_at=services.now() + timedelta(seconds=1)))
        uow.commit()
    assert len(approvals.list_pending(services, approver)) == 1  # the data is there
    assert len(alerts.open_alerts(services, operator)) == 1
    assert inbox.count(services, operator) >= 1
    assert approvals.list_pending(services, None) == []  # type: ignore[arg-type]
    assert alerts.open_alerts(services, None) == []  # type: ignore[arg-type]
    assert inbox.items(services, None) == {}  # type: ignore[arg-type]
    assert inbox.count(services, None) == 0  # type: ignore[arg-type]
    assert refusals_of(services) == []
