"""The sign-in gate: who is using this browser session, and the sign-in page for everyone else.

Session state holds only the signed-in Actor and the time of their last click (both server-side;
the browser cannot forge them). Every run re-reads the user from the store, so disabling someone or
changing their role takes effect on their next click, and ends the session after the configured
idle time (a browser refresh also ends it: Streamlit session state does not survive one).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard.navigation import SECTIONS
from dashboard.runtime import get_services
from services import auth, users
from services.access import Actor
from services.bootstrap import store_is_current

ACTOR_KEY = "paydesk_actor"
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
    """The signed-in actor for this run, or None; applies idle expiry and account changes."""
    services = get_services()
    actor: Actor | None = st.session_state.get(ACTOR_KEY)
    if actor is None:
        return _adopt_sso_identity()
    last_seen = st.session_state.get(SEEN_KEY)
    if last_seen is None or auth.idle_expired(services, last_seen):
        minutes = services.settings.session_idle_minutes
        end_session(reason="idle", notice=f"Signed out after {minutes} minutes without activity.")
        return None
    fresh = auth.current_actor(services, actor.user_id) if actor.user_id is not None else None
    if fresh is None:
        end_session(reason="disabled", notice="This account was disabled; ask an admin.")
        return None
    st.session_state[ACTOR_KEY] = fresh
    st.session_state[SEEN_KEY] = services.now()
    return fresh


def signed_in_actor() -> Actor:
    """For pages: the entry script already ran the gate, so an actor is present."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        st.stop()
    return actor


def _start_session(actor: Actor) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SEEN_KEY] = get_services().now()
    st.session_state.pop(PENDING_KEY, None)
    st.session_state.pop(NOTICE_KEY, None)


def end_session(*, reason: str = "user", notice: str | None = None) -> None:
    actor = st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(SEEN_KEY, None)
    st.session_state.pop(PENDING_KEY, None)
    if actor is not None:
        auth.sign_out(get_services(), actor, reason=reason)
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if _sso_user_email():
        # Otherwise the identity cookie would sign the same person straight back in.
        st.logout()


def _adopt_sso_identity() -> Actor | None:
    email = _sso_user_email()
    if email is None or st.session_state.get(SSO_REFUSED_KEY) == email:
        return None
    actor = auth.sign_in_by_email(get_services(), email)
    if actor is None:
        st.session_state[SSO_REFUSED_KEY] = email
        return None
    _start_session(actor)
    return actor


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
        _handle(auth.authenticate(services, username, password), username)
    if services.settings.is_sandbox:
        _demo_accounts()


def _handle(result: auth.SignInResult, username: str) -> None:
    if result.status == "ok" and result.actor is not None:
        _start_session(result.actor)
        st.rerun()
    elif result.status in ("totp", "enrol") and result.user_id is not None:
        st.session_state[PENDING_KEY] = {
            "user_id": result.user_id,
            "username": username.strip(),
            "kind": result.status,
            "secret": auth.new_totp_secret() if result.status == "enrol" else None,
            "since": get_services().now(),
        }
        st.rerun()
    else:
        st.error(result.message, icon=":material/block:")


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
    with st.sidebar:
        st.caption(f"Signed in as **{actor.username}** · {actor.role}")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            end_session(reason="user", notice="You signed out.")
            st.rerun()
