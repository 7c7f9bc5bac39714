"""Chromium journey: no data before sign-in, even on a deep link; a demo user signs in and out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import StreamlitServer, wait_for_app_idle


def test_sign_in_journey(streamlit_server: Callable[..., StreamlitServer], browser: Any) -> None:
    server = streamlit_server()
    page = browser.new_page()
    try:
        # A deep link to a data page lands on the sign-in page and shows nothing else.
        page.goto(f"{server.url}/audit")
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name="Sign in to PayDesk")).to_be_visible()
        expect(page.get_by_text("Audit log")).to_have_count(0)
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)

        page.get_by_label("Username").fill("approver")
        page.get_by_label("Password", exact=True).fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Wrong username or password.")).to_be_visible()

        page.get_by_label("Password", exact=True).fill("approver")
        page.get_by_role("button", name="Sign in").click()
        wait_for_app_idle(page)
        expect(page.get_by_text("Signed in as approver")).to_be_visible()
        expect(page.get_by_role("heading", name="Sign in to PayDesk")).to_have_count(0)

        # The approver's menu has the audit log, which shows this very sign-in.
        page.get_by_test_id("stSidebarNav").get_by_text("Audit").click()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name="Audit log")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name="Sign in to PayDesk")).to_be_visible()
    except Exception:
        page.screenshot(path=str(server.log_path.with_suffix(".png")), full_page=True)
        print(server.log())
        raise
    finally:
        page.close()
