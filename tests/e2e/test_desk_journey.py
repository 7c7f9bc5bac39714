"""Chromium journeys of the finance desk: an operator uploads a payout, the approver sees the
Inbox badge and approves from the Inbox; an admin adds a user in the app who then signs in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlmodel import select

from data import migrate
from data.models import PayoutBatch, User
from services.entrypoints.bootstrap import build_services
from services.identity.users import ensure_demo_users
from tests.conftest import settings_for
from tests.e2e.conftest import StreamlitServer, wait_for_app_idle

FILE = (
    "Receive Type;Receiver;Amount;Currency;Remark\r\n"
    "EMAIL;alice@example.com;12;USDT;June bonus\r\n"
).encode("utf-8-sig")


def _session(browser: Any, server: StreamlitServer, user: str, password: str | None = None) -> Any:
    """Sign in through the form (a demo user's password is its name)."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(server.url)
    _idle(page)
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password", exact=True).fill(password or user)
    page.get_by_role("button", name="Sign in").click()
    _idle(page)
    return page


def _idle(page: Any) -> None:
    # A generous wait, not a time limit under test: the first run after a start imports the
    # whole app, which on a busy two-core machine takes longer than the usual 15 s.
    wait_for_app_idle(page, timeout_ms=90_000)


def _go(page: Any, entry: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(entry, exact=True).click()
    _idle(page)


def _store(tmp_path: Path) -> tuple[str, Any]:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    migrate.upgrade(url)
    services = build_services(settings_for(url))
    ensure_demo_users(services)
    return url, services


def test_operator_uploads_and_the_approver_approves_from_the_inbox(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url, services = _store(tmp_path)
    upload = tmp_path / "june.csv"
    upload.write_bytes(FILE)
    server = streamlit_server(env={"DATABASE_URL": url})

    operator = _session(browser, server, "operator")
    try:
        _go(operator, "Payouts")
        operator.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
        _idle(operator)
        operator.get_by_role("button", name="Submit for approval").click()
        _idle(operator)
        expect(operator.get_by_text("Nothing is sent before approval.")).to_be_visible()
    finally:
        operator.context.close()

    approver = _session(browser, server, "approver")
    try:
        nav = approver.get_by_test_id("stSidebarNav")
        expect(nav.get_by_text("Inbox · 1", exact=True)).to_be_visible()  # the badge
        _go(approver, "Inbox · 1")
        expect(approver.get_by_text("Payout uploads to approve (1)")).to_be_visible()
        approver.get_by_label("Comment (required)").fill("matches the June sheet")
        approver.get_by_role("button", name="Approve…").click()
        _idle(approver)
        dialog = approver.get_by_role("dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Yes, approve and send").click()
        _idle(approver)
        expect(approver.get_by_text("1 of 1 batch accepted")).to_be_visible()
        expect(approver.get_by_text("Nothing is waiting for you.")).to_be_visible()
        expect(nav.get_by_text("Inbox", exact=True)).to_be_visible()  # no count left
    finally:
        approver.context.close()

    with services.uow() as uow:
        approver_id = uow.session.exec(select(User.id).where(User.username == "approver")).one()
        batches = uow.session.exec(select(PayoutBatch)).all()
        assert [(b.status, b.approved_by_id) for b in batches] == [("ACCEPTED", approver_id)]
    services.engine.dispose()


def test_an_admin_adds_a_user_who_then_signs_in(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url, services = _store(tmp_path)
    server = streamlit_server(env={"DATABASE_URL": url})
    admin = _session(browser, server, "admin")
    try:
        _go(admin, "Users")
        admin.get_by_role("textbox", name="Username", exact=True).fill("nora")
        admin.get_by_label("Name", exact=True).fill("Nora Finance")
        admin.get_by_role("textbox", name="First password").fill("correct horse battery")
        admin.get_by_role("button", name="Add the user").click()
        _idle(admin)
        expect(admin.get_by_text("User nora added as viewer.")).to_be_visible()
    finally:
        admin.context.close()

    nora = _session(browser, server, "nora", "correct horse battery")
    try:
        expect(nora.get_by_text("Signed in as nora")).to_be_visible()
        expect(nora.get_by_test_id("stSidebarNav").get_by_text("Users", exact=True)).to_have_count(0)
    finally:
        nora.context.close()
    services.engine.dispose()
