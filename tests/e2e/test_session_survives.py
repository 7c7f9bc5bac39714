"""Chromium: a signed-in session survives a refresh and a bookmarked link in a new tab, through
a Secure, HttpOnly, SameSite cookie; sign-out and disabling the user end it everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from services.identity import users
from services.core.access import cli_actor
from services.entrypoints.bootstrap import build_services
from services.core.config import Settings
from services.identity.sessions import COOKIE_NAME
from tests.e2e.conftest import StreamlitServer, sign_in_as, wait_for_app_idle

SIGN_IN = "Sign in to PayDesk"
# What `make run` serves: the dashboard plus the session cookie route (st.App).
SERVER = "dashboard/server.py"


def _session_cookie(context: Any) -> dict[str, Any]:
    # The page hands its ticket over right after sign-in; wait until the answer set the cookie.
    for _ in range(50):
        found = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
        if found:
            return found[0]
        context.pages[0].wait_for_timeout(100)
    raise AssertionError("no session cookie was set after sign-in")


def _open(context: Any, url: str) -> Any:
    page = context.new_page()
    page.goto(url)
    wait_for_app_idle(page)
    return page


def test_refresh_and_new_tabs_keep_the_session_until_sign_out(
    streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    server = streamlit_server(script=SERVER)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        # A deep link before sign-in: the sign-in page, then the page it named.
        page.goto(f"{server.url}/audit")
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
        sign_in_as(page, f"{server.url}/audit", "approver")
        expect(page.get_by_role("heading", name="Audit log")).to_be_visible()

        cookie = _session_cookie(context)
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
        # Page scripts cannot read it.
        assert COOKIE_NAME not in page.evaluate("document.cookie")

        page.reload()
        wait_for_app_idle(page)
        expect(page.get_by_text("Signed in as approver")).to_be_visible()
        expect(page.get_by_role("heading", name="Audit log")).to_be_visible()

        bookmarked = _open(context, f"{server.url}/audit")
        expect(bookmarked.get_by_role("heading", name="Audit log")).to_be_visible()
        expect(bookmarked.get_by_role("heading", name=SIGN_IN)).to_have_count(0)

        # Signing out in one tab ends the session in the other on its next click, and after a
        # refresh neither tab is signed in.
        page.get_by_role("button", name="Sign out").click()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
        bookmarked.reload()
        wait_for_app_idle(bookmarked)
        expect(bookmarked.get_by_role("heading", name=SIGN_IN)).to_be_visible()
        page.reload()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    except Exception:
        page.screenshot(path=str(server.log_path.with_suffix(".png")), full_page=True)
        print(server.log())
        raise
    finally:
        context.close()


def test_disabling_the_user_ends_the_session(
    streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    server = streamlit_server(script=SERVER)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        sign_in_as(page, server.url, "operator")
        expect(page.get_by_text("Signed in as operator")).to_be_visible()
        _session_cookie(context)

        services = build_services(Settings(DATABASE_URL=server.database_url,  # type: ignore[call-arg]
                                           PAYDESK_MODE="sandbox"))
        try:
            users.disable_user(services, cli_actor("e2e"), "operator")
        finally:
            services.engine.dispose()

        fresh = _open(context, server.url)  # the cookie is still there; the session is not
        expect(fresh.get_by_role("heading", name=SIGN_IN)).to_be_visible()
        page.reload()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name=SIGN_IN)).to_be_visible()
    except Exception:
        page.screenshot(path=str(server.log_path.with_suffix(".png")), full_page=True)
        print(server.log())
        raise
    finally:
        context.close()
