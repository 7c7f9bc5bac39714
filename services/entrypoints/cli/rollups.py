"""`paydesk rollups check | rebuild`: the day totals behind the Overview.

check compares them with the orders and refunds they sum (exit 0 equal, 1 different); rebuild
recomputes them for PAYDESK_TIMEZONE in one transaction (needed after changing the zone;
`paydesk prepare`, run by `make run`, does it by itself).
"""

from __future__ import annotations

import argparse
import getpass
import sys

from services.core.access import cli_actor


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("rollups", help="check or rebuild the Overview's day totals",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = group.add_subparsers(dest="rollups_command", required=True, metavar="ACTION")
    actions.add_parser("check", help="compare the day totals with the orders and refunds; "
                                     "exit 1 when they differ").set_defaults(handler=_check)
    actions.add_parser("rebuild", help="recompute the day totals for PAYDESK_TIMEZONE"
                       ).set_defaults(handler=_rebuild)


def _check(_args: argparse.Namespace) -> int:
    from services.orders import rollups
    from services.entrypoints.bootstrap import build_services

    services = build_services()
    result = rollups.check(services, cli_actor(getpass.getuser()))
    for problem in result.problems[:50]:
        print(problem, file=sys.stderr)
    if len(result.problems) > 50:
        print(f"... and {len(result.problems) - 50} more", file=sys.stderr)
    if result.ok:
        print(f"day totals match the orders and refunds (days in {result.zone})")
        return 0
    print(f"{len(result.problems)} difference(s); `paydesk rollups rebuild` recomputes them",
          file=sys.stderr)
    return 1


def _rebuild(_args: argparse.Namespace) -> int:
    from services.orders import rollups
    from services.entrypoints.bootstrap import build_services

    services = build_services()
    written = rollups.rebuild(services, cli_actor(getpass.getuser()))
    print(f"day totals rebuilt for {services.settings.zone.key}: "
          + ", ".join(f"{rows:,} rows in {table}" for table, rows in written.items()))
    return 0
