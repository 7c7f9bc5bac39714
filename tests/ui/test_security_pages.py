"""AppTest: live mode refuses demo accounts on screen, the host override shows a banner, single
sign-on still asks for the second factor, and changing the authenticator asks for the password."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.auth import ACTOR_KEY, PENDING_KEY
from services.identity import users
from services.core.access import cli_actor
from services.entrypoints.bootstrap import Services
from tests.unit.test_settings import LIVE_TOTP_KEY, REAL_KEY, REAL_SECRET

SSO = {
    "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
    "client_id": "paydesk", "client_secret": "s",
    "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
}


def _live(monkeypatch: pytest.MonkeyPatch, **extra: str) -> None:
    for name, value in {"PAYDESK_MODE": "live", "BINANCE_PAY_API_KEY": REAL_KEY,
                        "BINANCE_PAY_API_SECRET": REAL_SECRET,
                        "PAYDESK_TOTP_KEYS": LIVE_TOTP_KEY, **extra}.items():
        monkeypatch.setenv(name, value)


def test_live_mode_with_demo_accounts_says_what_to_run(
    new_app: Callable[[], AppTest], ui_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    users.ensure_demo_users(ui_services)
    _live(monkeypatch)
    at = new_app().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["PayDesk cannot start"]
    assert "paydesk users disable admin" in at.error[0].value
    assert not at.text_input  # no sign-in form at all


def test_the_base_url_override_is_shown_on_every_page(
    new_app: Callable[[], AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    _live(monkeypatch, BINANCE_PAY_BASE_URL="https://pay-proxy.example.com",
          BINANCE_PAY_ALLOW_CUSTOM_BASE_URL="true")
    at = new_app().run()
    assert not at.exception
    assert any("pay-proxy.example.com" in e.value and "override" in e.value for e in at.error)


def test_single_sign_on_asks_for_the_authenticator_code(
    new_app: Callable[[], AppTest], ui_services: Services
) -> None:
    users.create_user(ui_services, cli_actor("t"), username="dora", role="approver",
                      password=None, email="dora@example.com", totp_required=True)
    at = new_app()
    at.secrets["auth"] = SSO
    at.user = {"is_logged_in": True, "email": "dora@example.com"}  # type: ignore[assignment]
    at.run()
    assert not at.exception
    assert ACTOR_KEY not in at.session_state  # the identity provider alone is not enough
    assert [s.value for s in at.subheader] == ["Set up your authenticator app"]
    secret = at.session_state[PENDING_KEY]["secret"]
    at.text_input(key="sign_in_code").input(pyotp.TOTP(secret).now())
    at.button(key="FormSubmitter:second_factor-Continue").click().run()
    assert at.session_state[ACTOR_KEY].username == "dora"


def test_replacing_the_authenticator_on_the_account_page_needs_the_password(
    signed_in_app: Callable[[str], AppTest],
) -> None:
    at = signed_in_app("approver")
    at.switch_page("app_pages/account.py").run()
    at.button(key="account_totp_start").click().run()
    secret = at.session_state["account_totp_secret"]
    at.text_input(key="account_totp_password").input("not my password")
    at.text_input(key="account_totp_code").input(pyotp.TOTP(secret).now())
    at.button(key="FormSubmitter:account_totp-Confirm").click().run()
    assert not at.exception
    assert any("current password is wrong" in e.value for e in at.error)
    assert not at.success
