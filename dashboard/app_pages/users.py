"""Users: staff accounts, through the same services (checks and audit) as `paydesk users`."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.auth import signed_in_actor
from dashboard.components.formatting import format_time, or_empty
from dashboard.runtime import get_services
from services.identity import passwords, users
from services.core.access import ROLES
from services.core.errors import PayDeskError

FLASH = "users_flash"

services = get_services()
actor = signed_in_actor()
zone = services.settings.zone

st.title("Users")
st.caption("Every change here is checked and audited exactly as with `paydesk users` on the "
           f"server. Times are in **{services.settings.timezone}**.")
if (flash := st.session_state.pop(FLASH, None)) is not None:
    st.success(flash, icon=":material/check_circle:")


def attempt(change: Callable[[], object], done: str) -> None:
    try:
        change()
    except PayDeskError as error:
        st.error(str(error), icon=":material/block:")
        return
    st.session_state[FLASH] = done
    st.rerun()


def _when(moment: object) -> str:
    return format_time(moment.astimezone(zone)) if moment is not None else or_empty(None)  # type: ignore[attr-defined]


def _status(user: users.UserView) -> str:
    if user.disabled:
        return "Disabled"
    if user.locked_until is not None and user.locked_until > services.now():
        return f"Locked until {_when(user.locked_until)}"
    return "Active"


def _second_factor(user: users.UserView) -> str:
    if user.totp_enrolled:
        return "Set up"
    return "Required, not set up yet" if user.totp_required else "Not required"


accounts = users.list_users(services, actor)
st.dataframe(
    [{"Username": u.username, "Name": or_empty(u.display_name), "E-mail": or_empty(u.email),
      "Role": u.role, "Status": _status(u), "Second factor": _second_factor(u),
      "Last sign-in": _when(u.last_sign_in_at)} for u in accounts],
    hide_index=True, width="stretch", key="users_table",
)

add_tab, change_tab = st.tabs(["Add a user", "Change a user"])

with add_tab, st.form("users_add", clear_on_submit=False):
    left, right = st.columns(2)
    username = left.text_input("Username", key="users_new_username",
                               help="2-64 characters: lowercase letters, digits, '.', '_', '-'")
    display_name = right.text_input("Name", key="users_new_name")
    email = left.text_input("E-mail (optional)", key="users_new_email")
    role = right.selectbox("Role", ROLES, key="users_new_role")
    password = left.text_input("First password", type="password", key="users_new_password",
                               help=f"At least {passwords.MIN_PASSWORD_LENGTH} characters; "
                                    "tell it to the person, who can change it under My account.")
    totp = right.checkbox("Require a second factor (authenticator app)", key="users_new_totp")
    if st.form_submit_button("Add the user", type="primary"):
        attempt(lambda: users.create_user(
            services, actor, username=username, role=role, password=password,
            display_name=display_name, email=email.strip() or None, totp_required=totp),
            f"User {username.strip().lower()} added as {role}.")

with change_tab:
    names = [u.username for u in accounts]
    chosen = st.selectbox("User", names, key="users_pick")
    user = next((u for u in accounts if u.username == chosen), None)
    if user is not None:
        st.caption(f"{user.username} is **{user.role}**, {_status(user).lower()}; second factor: "
                   f"{_second_factor(user).lower()}.")
        role_col, button_col = st.columns([2, 1])
        new_role = role_col.selectbox("Role", ROLES, index=ROLES.index(user.role),
                                      key="users_role")
        if button_col.button("Change the role", key="users_set_role",
                             disabled=new_role == user.role):
            attempt(lambda: users.set_role(services, actor, user.username, new_role),
                    f"{user.username} is now {new_role}.")
        pw_col, pw_button = st.columns([2, 1])
        new_password = pw_col.text_input("New password", type="password",
                                         key="users_reset_password")
        if pw_button.button("Reset the password", key="users_reset",
                            help="Also lifts a lockout after failed sign-ins."):
            attempt(lambda: users.reset_password(services, actor, user.username, new_password),
                    f"Password of {user.username} reset.")
        buttons = st.columns(3)
        if user.disabled:
            if buttons[0].button("Re-enable", key="users_enable"):
                attempt(lambda: users.enable_user(services, actor, user.username),
                        f"{user.username} can sign in again.")
        elif buttons[0].button("Disable", key="users_disable"):
            attempt(lambda: users.disable_user(services, actor, user.username),
                    f"{user.username} is disabled and signed out at their next click.")
        if buttons[1].button("Require second factor" if not user.totp_required
                             else "Stop requiring second factor", key="users_totp_required"):
            attempt(lambda: users.set_totp_required(services, actor, user.username,
                                                    not user.totp_required),
                    f"Second factor {'required' if not user.totp_required else 'optional'} "
                    f"for {user.username}.")
        if buttons[2].button("Reset authenticator", key="users_reset_totp",
                             disabled=not user.totp_enrolled,
                             help="For a lost phone: they set it up again at next sign-in."):
            attempt(lambda: users.reset_totp(services, actor, user.username),
                    f"Authenticator of {user.username} reset.")
