"""`paydesk export orders --from --to [--status ...] [--currency ...] [--columns ...] --out FILE`.

The same service as the dashboard's export buttons: same filters, same columns, same file.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from services.core.errors import InputError
from services.orders.exports.columns import COLUMNS


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("export", help="export data to CSV or XLSX")
    kinds = group.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    orders = kinds.add_parser(
        "orders", help="orders matching the filters; the format follows --out (.csv or .xlsx)",
        description="Dates are in PAYDESK_TIMEZONE, both ends included: YYYY-MM-DD, or "
                    "YYYY-MM-DDTHH:MM for a time (the --to time is exclusive).",
    )
    orders.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    orders.add_argument("--to", dest="date_to", required=True, metavar="DATE")
    orders.add_argument("--status", action="append", default=[], metavar="STATUS",
                        help="repeat or comma-separate, e.g. --status PAID,REFUNDED")
    orders.add_argument("--currency", action="append", default=[], metavar="CODE")
    orders.add_argument("--provider", action="append", default=[], metavar="NAME")
    orders.add_argument("--min-amount", metavar="AMOUNT")
    orders.add_argument("--max-amount", metavar="AMOUNT")
    orders.add_argument("--search", metavar="TEXT",
                        help="order ID, provider order ID, transaction id or e-mail (prefix)")
    orders.add_argument("--columns", metavar="LIST",
                        help=f"comma-separated, from: {', '.join(COLUMNS)}")
    orders.add_argument("--out", required=True, type=Path, metavar="FILE")
    orders.set_defaults(handler=_orders)


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for v in values for p in v.split(",") if p.strip()))


def _orders(args: argparse.Namespace) -> int:
    from services.core.access import cli_actor
    from services.entrypoints.bootstrap import build_services
    from services.orders.exports.orders import export_orders
    from services.orders.book import OrderFilters, parse_amount, parse_local_stamp

    suffix = args.out.suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx"):
        raise InputError("the output file must end in .csv or .xlsx", field="--out")
    day_from, time_from = parse_local_stamp(args.date_from, "--from")
    day_to, time_to = parse_local_stamp(args.date_to, "--to")
    filters = OrderFilters(
        statuses=tuple(s.upper() for s in _split(args.status)),
        currencies=tuple(c.upper() for c in _split(args.currency)),
        providers=tuple(p.lower() for p in _split(args.provider)),
        date_from=day_from, time_from=time_from, date_to=day_to, time_to=time_to,
        amount_min=parse_amount(args.min_amount, "--min-amount") if args.min_amount else None,
        amount_max=parse_amount(args.max_amount, "--max-amount") if args.max_amount else None,
        text=args.search,
    )
    services = build_services()
    actor = cli_actor(getpass.getuser())
    partial = args.out.with_name(args.out.name + ".partial")
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent != shown[0] and sys.stderr.isatty():
            shown[0] = percent
            print(f"\r{done:,} / {total:,} rows ({percent}%)", end="", file=sys.stderr)

    try:
        # Written aside and renamed at the end, so a failed run never leaves a half file behind.
        with partial.open("wb") as out:
            result = export_orders(services, actor, filters=filters,
                                   columns=_split([args.columns]) if args.columns else None,
                                   fmt=suffix, out=out, progress=progress)  # type: ignore[arg-type]
        os.replace(partial, args.out)
    finally:
        partial.unlink(missing_ok=True)
        services.engine.dispose()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    totals = ", ".join(f"{amount:f} {code}" for code, amount in result.totals.items()) or "nothing"
    print(f"{result.rows:,} orders written to {args.out} (times in {result.timezone}); "
          f"amount totals: {totals}")
    return 0
