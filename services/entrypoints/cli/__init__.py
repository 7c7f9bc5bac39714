"""`paydesk` command line: thin wrappers that call the same services as the dashboard."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from services.entrypoints.cli import db as db_commands
from services.entrypoints.cli import export as export_commands
from services.entrypoints.cli import payouts as payouts_commands
from services.entrypoints.cli import prepare as prepare_commands
from services.entrypoints.cli import reconcile as reconcile_commands
from services.entrypoints.cli import reports as reports_commands
from services.entrypoints.cli import rollups as rollups_commands
from services.entrypoints.cli import sandbox as sandbox_commands
from services.entrypoints.cli import seed as seed_commands
from services.entrypoints.cli import sync as sync_commands
from services.entrypoints.cli import users as users_commands
from services.entrypoints.cli import webhooks as webhooks_commands
from services.core.errors import PayDeskError

# Each module registers its sub-commands on the parser; one module per command group.
_COMMAND_GROUPS: list[Callable[[argparse._SubParsersAction], None]] = [  # type: ignore[type-arg]
    db_commands.register,
    export_commands.register,
    payouts_commands.register,
    prepare_commands.register,
    reconcile_commands.register,
    reports_commands.register,
    rollups_commands.register,
    sandbox_commands.register,
    users_commands.register,
    seed_commands.register,
    sync_commands.register,
    webhooks_commands.register,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paydesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in _COMMAND_GROUPS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except PayDeskError as error:
        print(f"paydesk: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
