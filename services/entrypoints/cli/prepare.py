"""`paydesk prepare`: migrate the store and, in sandbox mode, seed demo data and users once."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    prepare = commands.add_parser(
        "prepare", help="migrate, and in sandbox mode seed demo data and demo users on first start"
    )
    prepare.set_defaults(handler=_prepare)


def _prepare(_args: argparse.Namespace) -> int:
    from services.entrypoints.bootstrap import build_services
    from services.core.config import mask_database_url
    from services.entrypoints.startup import prepare_store

    services = build_services()
    result = prepare_store(services)
    mode = "sandbox" if services.settings.is_sandbox else "live"
    print(f"store ready ({mode} mode, {mask_database_url(services.settings.database_url)})")
    if result.demo_users_created:
        print(f"created {result.demo_users_created} demo users "
              "(their passwords show on the sign-in page)")
    if result.seeded is not None:
        print(f"seeded demo data: {result.seeded.message}")
    return 0
