"""AppTest: nothing renders before sign-in; sign-in works; roles decide which pages exist."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import ACTOR_KEY, PENDING_KEY, SEEN_KEY
from services.identity import sign_in as auth
from services.identity import users
from services.core.access import cli_actor
from services.entrypoints.bootstrap import Services
from tests.ui.conftest import demo_actor
from tests.unit.test_settings import LIVE_TOTP_KEY, REAL_KEY, REAL_SECRET

AUDIT_PAGE = Path(__file__).resolve().parents[2] / "dashboard" / "app_pages" / "audit.py"


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.title, *at.markdown, *at.caption, *at.info, *at.error)]
    return "\n".join(str(p) for p in parts)


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    return at.button(key="FormSubmitter:sign_in-Sign in").click().run()


def test_only_the_sign_in_page_renders_before_sign_in(new_app: Callable[[], AppTest]) -> None:
    at = new_app().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to PayDesk"]
    assert not at.metric and not at.get("plotly_chart")
    # Sandbox mode shows the demo accounts, passwords included.
    demo = at.dataframe[0].value
    assert list(demo["Username"]) == ["viewer", "operator", "approver", "admin"]


def test_deep_link_to_a_page_still_shows_the_sign_in_page(new_app: Callable[[], AppTest]) -> None:
    at = new_app()
    at.switch_page("app_pages/audit.py").run()
    assert [t.value for t in at.title] == ["Sign in to PayDesk"]


def test_sign_in_with_a_demo_account(new_app: Callable[[], AppTest]) -> None:
    at = sign_in(new_app().run(), "operator", "operator")
    assert not at.exception
    assert at.session_state[ACTOR_KEY].role == "operator"
    assert "Signed in as **operator**" in texts(at)
    assert "Sign in to PayDesk" not in texts(at)


def test_wrong_password_is_refused(new_app: Callable[[], AppTest]) -> None:
    at = sign_in(new_app().run(), "operator", "wrong")
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert ACTOR_KEY not in at.session_state


def test_a_viewer_cannot_open_the_audit_page(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = signed_in_app("viewer")
    # The page is not registered for a viewer at all, so no URL leads to it...
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/audit.py")
    # ...and run on its own (a stale session, a future routing bug) it still refuses.
    page = AppTest.from_file(str(AUDIT_PAGE), default_timeout=15)
    page.session_state[ACTOR_KEY] = demo_actor(ui_services, "viewer")
    page.run()
    assert [e.value for e in page.error] == ["Your role cannot see the audit log."]
    assert not page.dataframe


def test_an_approver_can_open_the_audit_page(signed_in_app: Callable[[str], AppTest]) -> None:
    at = signed_in_app("approver")
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Audit log"]
    assert "Times are in **UTC**" in texts(at)


def test_idle_session_ends(signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    at = signed_in_app("viewer")
    idle = ui_services.settings.session_idle_minutes
    at.session_state[SEEN_KEY] = ui_services.now() - timedelta(minutes=idle, seconds=1)
    at.run()
    assert [t.value for t in at.title] == ["Sign in to PayDesk"]
    assert f"Signed out after {idle} minutes without activity." in texts(at)


def test_sign_out(signed_in_app: Callable[[str], AppTest]) -> None:
    at = signed_in_app("admin")
    at.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in to PayDesk"]
    assert ACTOR_KEY not in at.session_state


def test_live_mode_has_no_demo_users_and_says_how_to_add_one(
    new_app: Callable[[], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAYDESK_MODE", "live")
    monkeypatch.setenv("BINANCE_PAY_API_KEY", REAL_KEY)
    monkeypatch.setenv("BINANCE_PAY_API_SECRET", REAL_SECRET)
    monkeypatch.setenv("PAYDESK_TOTP_KEYS", LIVE_TOTP_KEY)
    at = new_app().run()
    assert not at.exception
    assert any("paydesk users add" in w.value for w in at.warning)
    assert not at.dataframe  # no demo accounts table


def test_required_totp_is_enrolled_at_sign_in(
    new_app: Callable[[], AppTest], ui_services: Services
) -> None:
    users.create_user(ui_services, cli_actor("t"), username="bob", role="approver",
                      password="correct horse battery", totp_required=True)
    at = sign_in(new_app().run(), "bob", "correct horse battery")
    assert ACTOR_KEY not in at.session_state
    assert [s.value for s in at.subheader] == ["Set up your authenticator app"]
    assert [type(e).__name__ for e in at.main if type(e).__name__ == "Image"]  # local QR code
    secret = at.session_state[PENDING_KEY]["secret"]
    at.text_input(key="sign_in_code").input(pyotp.TOTP(secret).now())
    at.button(key="FormSubmitter:second_factor-Continue").click().run()
    assert at.session_state[ACTOR_KEY].username == "bob"


def test_single_sign_on_maps_the_email_to_a_paydesk_user(
    new_app: Callable[[], AppTest], ui_services: Services
) -> None:
    users.create_user(ui_services, cli_actor("t"), username="carol", role="viewer",
                      password=None, email="carol@example.com")
    at = new_app()
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "paydesk", "client_secret": "s",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": True, "email": "carol@example.com"}  # type: ignore[assignment]
    at.run()
    assert not at.exception
    assert at.session_state[ACTOR_KEY].username == "carol"

    stranger = new_app()
    stranger.secrets["auth"] = at.secrets["auth"]
    stranger.user = {"is_logged_in": True, "email": "who@example.com"}  # type: ignore[assignment]
    stranger.run()
    assert ACTOR_KEY not in stranger.session_state
    assert any("no active PayDesk user has that email" in e.value for e in stranger.error)


def test_the_audit_page_filters_and_offers_the_export(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = signed_in_app("approver")
    auth.authenticate(ui_services, "approver", "approver")
    auth.authenticate(ui_services, "viewer", "wrong")
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    at.selectbox(key="audit_user").select("approver").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Action"]) == ["Signed in"]
    # Words only: the stored action code (auth.sign_in) is in the export, not on the screen.
    assert "Code" not in table.columns
    assert not any("auth." in str(cell) for column in table.columns for cell in table[column])
    assert set(table["User"]) == {"approver"}
    assert set(table["Target"]) == {"user approver"}  # the username, not "user 3"
    # Details read as text, never as raw JSON.
    assert list(table["Detail"]) == ["method: password"]
    assert not any(cell.lstrip().startswith(("{", "[")) for cell in table["Detail"])
    assert at.get("download_button")
