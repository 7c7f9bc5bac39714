"""Chromium journey: an operator uploads a payout file and submits it; a second person, the
approver, approves it in another session and it goes out."""

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
from tests.e2e.conftest import StreamlitServer, sign_in_as, wait_for_app_idle

FILE = (
    "Receive Type;Receiver;Amount;Currency;Remark\r\n"
    "BINANCE_ID;354678912;25.50;USDT;June affiliate\r\n"
    "EMAIL;alice@example.com;12;USDT;June bonus\r\n"
).encode("utf-8-sig")


def _sign_in(browser: Any, server: StreamlitServer, user: str) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    sign_in_as(page, server.url, user)
    page.get_by_test_id("stSidebarNav").get_by_text("Payouts").click()
    wait_for_app_idle(page)
    expect(page.get_by_role("heading", name="Payouts", exact=True)).to_be_visible()
    return page


def test_upload_then_approve_as_a_second_user(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'payouts.db'}"
    migrate.upgrade(url)
    services = build_services(settings_for(url))
    ensure_demo_users(services)
    upload = tmp_path / "june-payouts.csv"
    upload.write_bytes(FILE)
    server = streamlit_server(env={"DATABASE_URL": url})

    operator = _sign_in(browser, server, "operator")
    try:
        operator.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
        wait_for_app_idle(operator)
        expect(operator.get_by_text("Planned batches")).to_be_visible()
        expect(operator.get_by_test_id("stMetricValue").first).to_have_text("2")
        operator.get_by_role("button", name="Submit for approval").click()
        wait_for_app_idle(operator)
        expect(operator.get_by_text("Nothing is sent before approval.")).to_be_visible()
    finally:
        operator.context.close()

    approver = _sign_in(browser, server, "approver")
    try:
        approver.get_by_role("radio", name="Awaiting approval").or_(
            approver.get_by_role("button", name="Awaiting approval")).first.click()
        wait_for_app_idle(approver)
        expect(approver.get_by_text("alice@example.com").first).to_be_attached()
        approver.get_by_label("Comment (required for approving or rejecting)").fill(
            "matches the June affiliate sheet")
        approver.get_by_role("button", name="Approve and send…").click()
        wait_for_app_idle(approver)
        dialog = approver.get_by_role("dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Yes, send").click()
        wait_for_app_idle(approver, timeout_ms=30_000)
        expect(approver.get_by_text("sent:").first).to_be_visible()
    finally:
        approver.context.close()

    with services.uow() as uow:
        approver_id = uow.session.exec(select(User.id).where(User.username == "approver")).one()
        batches = uow.session.exec(select(PayoutBatch)).all()
        assert [(b.status, b.approved_by_id, b.line_count) for b in batches] == [
            ("ACCEPTED", approver_id, 2)]
    services.engine.dispose()
