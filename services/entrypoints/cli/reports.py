"""`paydesk reports run [--loop] [--interval S]`: write the scheduled reports that are due.

The same work also runs after each `paydesk sync` pass; this command is for a dedicated worker.
Reports go to PAYDESK_REPORTS_DIR; the Scheduled reports page lists them with download links.
"""

from __future__ import annotations

import argparse
import threading

from services.core.errors import ConfigurationError, InputError


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    reports = commands.add_parser("reports", help="scheduled reports")
    actions = reports.add_subparsers(dest="reports_command", required=True, metavar="ACTION")
    run = actions.add_parser("run", help="write the reports that are due (and send alerts)")
    run.add_argument("--loop", action="store_true", help="repeat until interrupted")
    run.add_argument("--interval", type=int, default=60,
                     help="seconds between passes with --loop (default 60)")
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    from services.entrypoints.bootstrap import build_services, store_is_current
    from services.desk.jobs import run_desk_jobs

    if args.interval <= 0:
        raise InputError("must be a positive number of seconds", field="--interval")
    services = build_services()
    if not store_is_current(services):
        raise ConfigurationError("the store is not migrated: run `paydesk db upgrade` first")
    stop = stop or threading.Event()
    try:
        while True:
            print(f"reports: {run_desk_jobs(services)}", flush=True)
            if not args.loop or stop.wait(args.interval):
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        services.engine.dispose()
