"""My account: who I am, my authenticator app, my password, signing out."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import end_session, signed_in_actor
from dashboard.runtime import get_services
from services.identity import sign_in as auth
from services.core.errors import PayDeskError

ENROL_KEY = "account_totp_secret"

services = get_services()
actor = signed_in_actor()

st.title("My account")
st.write(f"Signed in as **{actor.username}** with the **{actor.role}** role.")
st.caption(f"Idle sessions end after {services.settings.session_idle_minutes} minutes.")

st.subheader("Authenticator app")
required, enrolled = auth.second_factor_state(services, actor)
if enrolled:
    st.success("Your sign-in asks for a code from your authenticator app.",
               icon=":material/verified_user:")
elif required:
    st.warning("An admin requires an authenticator app for your account.")
else:
    st.info("Optional: add a code from an authenticator app to your sign-in.")

if st.button("Replace my authenticator app" if enrolled else "Set up an authenticator app",
             key="account_totp_start"):
    st.session_state[ENROL_KEY] = auth.new_totp_secret()
secret = st.session_state.get(ENROL_KEY)
if secret:
    st.image(auth.totp_qr_png(auth.totp_uri(secret, actor.username)), width=220)
    with st.expander("Cannot scan? Enter this key instead"):
        st.code(secret, language=None)
    with st.form("account_totp", clear_on_submit=True):
        # Re-authentication: an unattended signed-in screen must not be enough to move the
        # second factor to someone else's phone.
        password = st.text_input("Your current password", type="password",
                                 autocomplete="current-password", key="account_totp_password")
        code = st.text_input("6-digit code from the app", max_chars=8, key="account_totp_code")
        if st.form_submit_button("Confirm", type="primary"):
            try:
                enrolled_now = auth.enrol_totp(services, actor, secret, code, password=password)
            except PayDeskError as error:
                st.error(str(error))
            else:
                if enrolled_now:
                    st.session_state.pop(ENROL_KEY, None)
                    st.success("Authenticator app set up.")
                else:
                    st.error("That code does not match; check the app's clock and try the "
                             "next one.")

st.subheader("Password")
with st.form("account_password", clear_on_submit=True):
    current = st.text_input("Current password", type="password", autocomplete="current-password")
    new = st.text_input("New password", type="password", autocomplete="new-password")
    repeat = st.text_input("Repeat the new password", type="password", autocomplete="new-password")
    if st.form_submit_button("Change password"):
        if new != repeat:
            st.error("The two new passwords differ.")
        else:
            try:
                auth.change_own_password(services, actor, current, new)
                st.success("Password changed.")
            except PayDeskError as error:
                st.error(str(error))

st.divider()
if st.button("Sign out", key="account_sign_out", icon=":material/logout:"):
    end_session(reason="user", notice="You signed out.")
    st.rerun()
