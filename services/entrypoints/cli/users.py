"""`paydesk users add | disable | enable | reset-password | list | require-totp | reset-totp |
rotate-totp-keys`.

Passwords come from a no-echo prompt (twice) or, for scripts, one line on stdin with
--password-stdin; never from an argument, which would land in shell history and `ps`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from services.core.access import ROLES, Actor, cli_actor
from services.core.errors import InputError

if TYPE_CHECKING:
    from services.entrypoints.bootstrap import Services


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("users", help="staff accounts: add, disable, reset passwords")
    actions = group.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="create a user (prompts for the password)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name", default="")
    add.add_argument("--email", help="matched against the single sign-on identity")
    add.add_argument("--totp-required", action="store_true",
                     help="the user must set up an authenticator app at first sign-in")
    add.add_argument("--sso-only", action="store_true",
                     help="no password: the user signs in through single sign-on only")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(handler=_add)

    for name, handler, text in (
        ("disable", _disable, "stop a user from signing in (their history stays)"),
        ("enable", _enable, "let a disabled user sign in again"),
        ("reset-totp", _reset_totp, "forget a user's authenticator app (lost phone)"),
    ):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("username")
        sub.set_defaults(handler=handler)

    reset = actions.add_parser("reset-password", help="set a new password and lift any lockout")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true",
                       help="read the password from stdin")
    reset.set_defaults(handler=_reset_password)

    totp = actions.add_parser("require-totp", help="require an authenticator app at sign-in")
    totp.add_argument("username", nargs="?", help="one user (or use --role)")
    totp.add_argument("--role", action="append", choices=ROLES, default=[],
                      help="every current user with this role (repeatable)")
    totp.add_argument("--off", action="store_true", help="stop requiring it for the user")
    totp.set_defaults(handler=_require_totp)

    listing = actions.add_parser("list", help="show every user, role and state")
    listing.set_defaults(handler=_list)

    rotate = actions.add_parser(
        "rotate-totp-keys",
        help="re-encrypt every stored TOTP secret with the first key of PAYDESK_TOTP_KEYS",
    )
    rotate.set_defaults(handler=_rotate_totp_keys)


def _rotate_totp_keys(_args: argparse.Namespace) -> int:
    from services.identity import secret_box

    count = secret_box.rotate(build_services())
    print(f"re-encrypted {count} TOTP secret(s) with the newest key; older keys may now be "
          "removed from PAYDESK_TOTP_KEYS")
    return 0


def _users():  # type: ignore[no-untyped-def]
    # The store and its services load only when a users command runs, not for `--help`.
    from services.identity import users

    return users


def build_services() -> Services:
    from services.entrypoints.bootstrap import build_services as build

    return build()


def _actor() -> Actor:
    return cli_actor(getpass.getuser())


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise InputError("the two passwords differ; nothing was changed", field="password")
    if not password:
        raise InputError("empty password; nothing was changed", field="password")
    return password


def _add(args: argparse.Namespace) -> int:
    services = build_services()
    password = None if args.sso_only else _read_password(args)
    user = _users().create_user(
        services, _actor(), username=args.username, role=args.role, password=password,
        display_name=args.display_name, email=args.email, totp_required=args.totp_required,
    )
    print(f"created {user.username} ({user.role})")
    return 0


def _disable(args: argparse.Namespace) -> int:
    user = _users().disable_user(build_services(), _actor(), args.username)
    print(f"disabled {user.username}")
    return 0


def _enable(args: argparse.Namespace) -> int:
    user = _users().enable_user(build_services(), _actor(), args.username)
    print(f"enabled {user.username}")
    return 0


def _reset_totp(args: argparse.Namespace) -> int:
    user = _users().reset_totp(build_services(), _actor(), args.username)
    print(f"{user.username} will set up an authenticator app again at next sign-in"
          if user.totp_required else f"{user.username} has no authenticator app now")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    services = build_services()
    user = _users().reset_password(services, _actor(), args.username, _read_password(args))
    print(f"new password set for {user.username}; any lockout is lifted")
    return 0


def _require_totp(args: argparse.Namespace) -> int:
    services = build_services()
    if args.username and not args.role:
        user = _users().set_totp_required(services, _actor(), args.username, not args.off)
        state = "requires" if user.totp_required else "no longer requires"
        print(f"{user.username} {state} an authenticator app")
        return 0
    if args.role and not args.username and not args.off:
        changed = _users().require_totp_for_roles(services, _actor(), args.role)
        print(f"now required for: {', '.join(changed) or 'nobody new'}")
        return 0
    raise InputError("give either a username or --role (and --off only with a username)")


def _list(_args: argparse.Namespace) -> int:
    services = build_services()
    rows = _users().list_users(services, _actor())
    if not rows:
        print("no users yet: add one with `paydesk users add NAME --role admin`")
        return 0
    print(f"{'username':<20} {'role':<9} {'state':<9} {'2fa':<9} {'email':<30} last sign-in")
    for u in rows:
        state = "disabled" if u.disabled else ("locked" if u.locked_until else "active")
        second = "on" if u.totp_enrolled else ("pending" if u.totp_required else "-")
        last = u.last_sign_in_at.isoformat(timespec="minutes") if u.last_sign_in_at else "never"
        print(f"{u.username:<20} {u.role:<9} {state:<9} {second:<9} {u.email or '-':<30} {last}")
    return 0
