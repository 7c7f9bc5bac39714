"""`paydesk db upgrade | current`."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = commands.add_parser("db", help="database migrations")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply every pending migration (DATABASE_URL)")
    upgrade.set_defaults(handler=_upgrade)
    current = actions.add_parser("current", help="print the store's migration revision")
    current.set_defaults(handler=_current)


def _upgrade(_args: argparse.Namespace) -> int:
    from data import migrate
    from services.entrypoints.bootstrap import build_services, upgrade_store

    services = build_services()
    upgrade_store(services)
    print(f"store at revision {migrate.current_revision(services.engine)}")
    return 0


def _current(_args: argparse.Namespace) -> int:
    from data import migrate
    from services.entrypoints.bootstrap import build_services

    services = build_services()
    current = migrate.current_revision(services.engine)
    head = migrate.head_revision()
    print(f"{current or 'empty'} (head {head})")
    return 0 if current == head else 1
