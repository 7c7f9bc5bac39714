"""The sign-in gate: who is using this browser session, and the sign-in page for everyone else.

A signed-in browser has a session stored server-side (services.identity.sessions), named by an HttpOnly
cookie (dashboard/session_cookie.py), so a refresh or a bookmarked link in a new tab finds it again
while it lives. Every run re-checks it against the store: signing out, idle expiry, the absolute
limit and disabling the user end it on the very next click, in every tab.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard import session_cookie
from dashboard.navigation import SECTIONS
from dashboard.runtime import get_services
from services.identity import sign_in as auth
from services.identity import sessions
from services.identity import users
from services.core.access import Actor
from services.entrypoints.bootstrap import store_is_current

ACTOR_KEY = "paydesk_actor"
SESSION_KEY = "paydesk_session_id"
TICKET_KEY = "paydesk_session_ticket"
FORGET_COOKIE_KEY = "paydesk_forget_cookie"
SEEN_KEY = "paydesk_last_seen"
PENDING_KEY = "paydesk_pending_second_factor"
NOTICE_KEY = "paydesk_sign_in_notice"
SSO_REFUSED_KEY = "paydesk_sso_refused"


# --- single sign-on ------------------------------------------------------------------------------


def _auth_secrets() -> Mapping[str, Any] | None:
    try:
        section = st.secrets["auth"] if "auth" in st.secrets else None
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return None  # no secrets file at all: st.secrets raises instead of answering "absent"
    return section if isinstance(section, Mapping) else None


def sso_provider() -> tuple[bool, str | None]:
    """(configured, provider name for st.login). Named providers live in [auth.<name>]."""
    section = _auth_secrets()
    if not section or not section.get("redirect_uri") or not section.get("cookie_secret"):
        return False, None
    if section.get("client_id") and section.get("server_metadata_url"):
        return True, None
    for name, value in section.items():
        if isinstance(value, Mapping) and value.get("client_id"):
            return True, str(name)
    return False, None


def _sso_user_email() -> str | None:
    if not sso_provider()[0]:
        return None
    if not getattr(st.user, "is_logged_in", False):
        return None
    return str(st.user.get("email") or "") or None


# --- the session ---------------------------------------------------------------------------------


def current_actor() -> Actor | None:
    """The signed-in actor for this run, or None; applies expiry, revocation and account changes.

    A browser session is a row in the store (services.identity.sessions) named by an HttpOnly cookie, so
    a refresh or a new tab finds it again; sign-out, idle expiry and disabling end it everywhere.
    """
    services = get_services()
    session_id = st.session_state.get(SESSION_KEY)
    if session_id is not None:
        live = sessions.check(services, session_id)
        if live is None:
            reason = sessions.end_reason(services, session_id) or "idle"
            end_session(reason=reason, notice=_ENDED.get(reason, _ENDED["idle"]).format(
                minutes=services.settings.session_idle_minutes), revoke=False)
            return None
        st.session_state[ACTOR_KEY] = live.actor
        return live.actor
    actor: Actor | None = st.session_state.get(ACTOR_KEY)
    if actor is None:
        resumed = sessions.resume(services, _cookie())
        if resumed is not None:
            st.session_state[SESSION_KEY] = resumed.id
            st.session_state[ACTOR_KEY] = resumed.actor
            return resumed.actor
        return _adopt_sso_identity()
    # A session put in place without a stored session (tests arranging a signed-in page).
    last_seen = st.session_state.get(SEEN_KEY)
    if last_seen is None or auth.idle_expired(services, last_seen):
        end_session(reason="idle", notice=_ENDED["idle"].format(
            minutes=services.settings.session_idle_minutes))
        return None
    fresh = auth.current_actor(services, actor.user_id) if actor.user_id is not None else None
    if fresh is None:
        end_session(reason="disabled", notice=_ENDED["disabled"])
        return None
    st.session_state[ACTOR_KEY] = fresh
    st.session_state[SEEN_KEY] = services.now()
    return fresh


_ENDED = {
    "idle": "Signed out after {minutes} minutes without activity.",
    "expired": "Your session reached its time limit; sign in again.",
    "disabled": "This account was disabled; ask an admin.",
    "password": "Your password was reset by an admin; sign in with the new one.",
    "user": "You signed out.",
}


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE_NAME)
    except (AttributeError, RuntimeError):
        return None
    # No browser request behind this run (AppTest, bare mode) answers with something else.
    return value if isinstance(value, str) else None


def signed_in_actor() -> Actor:
    """For pages: the entry script already ran the gate, so an actor is present."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        st.stop()
    return actor


def _start_session(actor: Actor) -> None:
    services = get_services()
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SEEN_KEY] = services.now()
    st.session_state.pop(PENDING_KEY, None)
    st.session_state.pop(NOTICE_KEY, None)
    if actor.user_id is not None:
        session_id, ticket = sessions.start(services, actor)
        st.session_state[SESSION_KEY] = session_id
        # The next run hands the ticket to the cookie route (session_cookie.py).
        st.session_state[TICKET_KEY] = ticket


def end_session(*, reason: str = "user", notice: str | None = None, revoke: bool = True) -> None:
    actor = st.session_state.pop(ACTOR_KEY, None)
    session_id = st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(SEEN_KEY, None)
    st.session_state.pop(PENDING_KEY, None)
    st.session_state.pop(TICKET_KEY, None)
    services = get_services()
    if session_id is not None and revoke:
        sessions.revoke(services, session_id, reason=reason)
    if actor is not None:
        auth.sign_out(services, actor, reason=reason)
    st.session_state[FORGET_COOKIE_KEY] = True
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if _sso_user_email():
        # Otherwise the identity cookie would sign the same person straight back in.
        st.logout()


def _adopt_sso_identity() -> Actor | None:
    email = _sso_user_email()
    if email is None or st.session_state.get(SSO_REFUSED_KEY) == email:
        return None
    if st.session_state.get(PENDING_KEY):
        return None  # the second factor is being asked for
    result = auth.sign_in_by_email(get_services(), email)
    if result.status == "ok" and result.actor is not None:
        _start_session(result.actor)
        return result.actor
    if result.status in ("totp", "enrol") and result.user_id is not None:
        # Single sign-on proves the email, not the second factor: ask for the code as well.
        _ask_second_factor(result, email)
        return None
    st.session_state[SSO_REFUSED_KEY] = email
    return None


def gate() -> Actor:
    """Return the signed-in actor, or show only the sign-in page and stop this run."""
    actor = current_actor()
    if actor is not None:
        return actor
    # Every section's URL answers with the sign-in page, so a bookmarked link asks for a password
    # (instead of "page not found") and, once signed in, the same URL is the page itself.
    pages = [st.Page(sign_in_page, title="Sign in", icon=":material/login:", default=True)]
    pages += [st.Page(sign_in_page, title="Sign in", url_path=section.url_path)
              for section in SECTIONS]
    st.navigation(pages, position="hidden").run()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


# --- the sign-in page ----------------------------------------------------------------------------


def sign_in_page() -> None:
    services = get_services()
    st.title("Sign in to PayDesk")
    if not store_is_current(services):
        st.error("The store is not set up yet. Run `paydesk prepare` (or `make run`) first.")
        return
    if services.settings.is_sandbox:
        users.ensure_demo_users(services)
    if st.session_state.pop(FORGET_COOKIE_KEY, False):
        session_cookie.forget()
    notice = st.session_state.get(NOTICE_KEY)
    if notice:
        st.info(notice, icon=":material/logout:")

    pending = st.session_state.get(PENDING_KEY)
    if pending and services.now() - pending["since"] > timedelta(
        minutes=auth.SECOND_FACTOR_MINUTES
    ):
        st.session_state.pop(PENDING_KEY, None)
        st.warning("The second step took too long; sign in again.")
        pending = None
    if pending:
        _second_factor_form(pending)
        return

    _sso_section()
    if users.count_users(services) == 0:
        st.warning(
            "There are no PayDesk users yet. An administrator creates the first one on the "
            "server with `paydesk users add NAME --role admin`.",
            icon=":material/person_add:",
        )
    with st.form("sign_in", enter_to_submit=True):
        username = st.text_input("Username", key="sign_in_username", autocomplete="username")
        password = st.text_input("Password", type="password", key="sign_in_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        _handle(auth.authenticate(services, username, password, source=_source()), username)
    if services.settings.is_sandbox:
        _demo_accounts()


def _handle(result: auth.SignInResult, username: str) -> None:
    if result.status == "ok" and result.actor is not None:
        _start_session(result.actor)
        st.rerun()
    elif result.status in ("totp", "enrol") and result.user_id is not None:
        _ask_second_factor(result, username)
        st.rerun()
    else:
        st.error(result.message, icon=":material/block:")


def _ask_second_factor(result: auth.SignInResult, username: str) -> None:
    st.session_state[PENDING_KEY] = {
        "user_id": result.user_id,
        "username": username.strip(),
        "kind": result.status,
        "secret": auth.new_totp_secret() if result.status == "enrol" else None,
        "since": get_services().now(),
    }


def _source() -> str | None:
    """The browser's address, for throttling guesses per source."""
    try:
        value = st.context.ip_address
    except (AttributeError, RuntimeError):
        return None
    return value if isinstance(value, str) else None


def _second_factor_form(pending: dict[str, Any]) -> None:
    services = get_services()
    if pending["kind"] == "enrol":
        st.subheader("Set up your authenticator app")
        st.write("Your account needs a second factor. Scan this code with an authenticator app "
                 "(Google Authenticator, 1Password, Aegis…), then enter the 6-digit code it shows.")
        uri = auth.totp_uri(pending["secret"], pending["username"])
        st.image(auth.totp_qr_png(uri), width=220)
        with st.expander("Cannot scan? Enter this key instead"):
            st.code(pending["secret"], language=None)
    else:
        st.subheader("Second factor")
    with st.form("second_factor"):
        code = st.text_input("6-digit code", max_chars=8, key="sign_in_code",
                             autocomplete="one-time-code")
        confirmed = st.form_submit_button("Continue", type="primary")
    if st.button("Cancel", key="second_factor_cancel"):
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()
    if confirmed:
        if pending["kind"] == "enrol":
            result = auth.confirm_enrolment(services, pending["user_id"], pending["secret"], code)
        else:
            result = auth.verify_second_factor(services, pending["user_id"], code)
        if result.status in ("totp", "enrol"):
            st.error(result.message, icon=":material/block:")
            return
        if result.status != "ok":
            st.session_state.pop(PENDING_KEY, None)
        _handle(result, pending["username"])


def _sso_section() -> None:
    configured, provider = sso_provider()
    if not configured:
        return
    email = _sso_user_email()
    if email and st.session_state.get(SSO_REFUSED_KEY) == email:
        st.error(f"You signed in as {email}, but no active PayDesk user has that email. "
                 "Ask an admin to run `paydesk users add NAME --role ROLE --email "
                 f"{email} --sso-only`.")
        if st.button("Sign out of single sign-on"):
            st.session_state.pop(SSO_REFUSED_KEY, None)
            st.logout()
        return
    if importlib.util.find_spec("authlib") is None:
        st.warning("Single sign-on is configured but Authlib is missing: "
                   "install `streamlit[auth]` on the server.")
        return
    st.button("Sign in with single sign-on", type="primary", on_click=st.login,
              args=(provider,) if provider else ())
    st.caption("Or, with a PayDesk password:")


def _demo_accounts() -> None:
    with st.expander("Sandbox demo accounts", expanded=True, icon=":material/science:"):
        st.caption("Sandbox mode only: no real money moves. Username and password are the same.")
        st.dataframe(
            [{"Username": d.username, "Password": d.password, "Role": d.role}
             for d in users.DEMO_USERS],
            hide_index=True,
        )


# --- signed-in chrome ----------------------------------------------------------------------------


def render_session_sidebar(actor: Actor) -> None:
    ticket = st.session_state.pop(TICKET_KEY, None)
    if ticket:
        session_cookie.hand_over(ticket)
    with st.sidebar:
        st.caption(f"Signed in as **{actor.username}** · {actor.role}")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            end_session(reason="user", notice="You signed out.")
            st.rerun()
