"""`paydesk sync [--loop] [--interval S] [--kind K]`: the status sync worker.

After each pass it also does the finance desk's work (services.desk.jobs): alerts for new
failures, their delivery where configured, and the scheduled reports that are due.

One pass asks the provider about every non-final order, refund, payout batch and debit (the
registered jobs, see services/inbound/sync_runner/__init__.py) and resolves UNKNOWN intents with their stored
merchant ids. Run as many workers as you like on PostgreSQL: rows are claimed, never shared.
"""

from __future__ import annotations

import argparse
import logging
import threading

from services.core.errors import ConfigurationError, InputError


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sync = commands.add_parser("sync", help="ask the provider about everything not final yet")
    sync.add_argument("--loop", action="store_true", help="repeat until interrupted")
    sync.add_argument("--interval", type=float, default=30,  # float-ok: seconds
                      help="seconds between passes with --loop (default 30)")
    sync.add_argument("--kind", action="append", dest="kinds", metavar="KIND",
                      help="only this kind (orders, refunds, ...); repeatable")
    sync.set_defaults(handler=_run)


def _run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    from services.entrypoints.bootstrap import build_services, store_is_current
    from services.desk.jobs import run_desk_jobs
    from services.payouts.not_sent import count_not_sent
    from services.inbound.sync_runner import jobs, run_pass

    if args.interval <= 0:
        raise InputError("must be a positive number of seconds", field="--interval")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    services = build_services()
    if not store_is_current(services):
        raise ConfigurationError("the store is not migrated: run `paydesk db upgrade` first")
    try:
        jobs(args.kinds)
    except ValueError as error:
        raise InputError(str(error), field="--kind") from error
    stop = stop or threading.Event()
    try:
        while True:
            print(f"sync: {run_pass(services, kinds=args.kinds).summary()}", flush=True)
            if waiting := count_not_sent(services):
                # Never re-sent blindly (the provider may have refused for a reason); a person
                # decides, so a person must hear of them.
                print(f"sync: {waiting} payout batch{'es' if waiting != 1 else ''} not sent, "
                      "waiting for someone to send again (Payouts page)", flush=True)
            print(f"desk: {run_desk_jobs(services)}", flush=True)
            if not args.loop or stop.wait(args.interval):
                return 0
    except KeyboardInterrupt:
        return 0
    finally:
        services.engine.dispose()
