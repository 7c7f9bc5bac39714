"""`paydesk reconcile --from --to [--statement FILE ...] --out DIR` (for cron).

Imports the given statement files (or pulls the provider's transaction reports when none are
given), runs a reconciliation for the local days [from, to] in PAYDESK_TIMEZONE, writes every
report as CSV and XLSX into DIR, and exits 1 while unresolved breaks remain (2 on bad input), so
a scheduler can alert on the exit code alone.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date
from pathlib import Path

from services.core.access import OPERATOR, Actor
from services.core.errors import InputError


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "reconcile", help="reconcile a period against provider statements and write the reports",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--statement", action="append", default=[], type=Path, metavar="FILE",
                        help="a statement file (CSV or XLSX); repeat for several")
    parser.add_argument("--source", default="upload", metavar="NAME",
                        help="whose statement the files are; its saved column mapping is used "
                             "(files with Binance's own headers need none)")
    parser.add_argument("--window", type=int, default=10, metavar="MINUTES",
                        help="amount + currency matches within this many minutes (default 10)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR")
    parser.set_defaults(handler=_reconcile)


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text}' is not a date; write it like 2026-01-31", field=flag) from None


def _reconcile(args: argparse.Namespace) -> int:
    from services.entrypoints.bootstrap import build_services
    from services.reconciliation import reports, runs, statements

    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    runs.check_period(start, end)
    services = build_services()
    # Running and exporting a reconciliation is an operator's job; cli_actor is an admin, and
    # admins deliberately hold no money or books permissions.
    actor = Actor(user_id=None, username=f"cli:{getpass.getuser()}"[:64], role=OPERATOR)
    imported = []
    for path in args.statement:
        if not path.is_file():
            raise InputError(f"no such file {path}", field="--statement")
        result = statements.import_statement(services, actor, path.read_bytes(),
                                             file_name=path.name, source=args.source)
        note = " (already imported)" if result.already_imported else ""
        print(f"statement {path.name}: {result.line_count} lines{note}", file=sys.stderr)
        imported.append(result)
    if not args.statement:
        imported = statements.pull_provider_statements(services, actor, start, end)
        print(f"pulled {len(imported)} report file(s) from the provider", file=sys.stderr)
    run = runs.start_run(services, actor, start=start, end=end,
                         statement_ids=sorted({r.statement_id for r in imported}),
                         window_minutes=args.window)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in reports.write_all(services, actor, run.id, args.out):
        print(path)
    counts = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in run.totals.items() if n)
    print(f"run {run.id} ({run.timezone}): {counts or 'nothing to reconcile'}; "
          f"{run.break_count} unresolved break(s)", file=sys.stderr)
    return 1 if run.break_count else 0
