"""`paydesk seed --orders N --days D --seed S [--end YYYY-MM-DD] [--if-empty]`."""

from __future__ import annotations

import argparse
from datetime import date


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    seed = commands.add_parser(
        "seed", help="write deterministic demo data into an empty store (DATABASE_URL)"
    )
    seed.add_argument(
        "--orders",
        type=_non_negative,
        default=None,
        help="number of orders (default PAYDESK_DEMO_ORDERS)",
    )
    seed.add_argument(
        "--days",
        type=_positive,
        default=None,
        help="days of history ending at --end (default PAYDESK_DEMO_DAYS)",
    )
    seed.add_argument(
        "--seed",
        type=_non_negative,
        default=None,
        help="random seed; same arguments give identical rows (default PAYDESK_DEMO_SEED)",
    )
    seed.add_argument(
        "--end",
        type=_day,
        default=None,
        help="last day covered, YYYY-MM-DD (default today, UTC; data up to now)",
    )
    seed.add_argument(
        "--if-empty", action="store_true", help="do nothing when the store already has orders"
    )
    seed.set_defaults(handler=_seed)


def _seed(args: argparse.Namespace) -> int:
    from services.entrypoints.bootstrap import build_services
    from services.demo.data import seed_demo_data

    services = build_services()
    settings = services.settings
    report = seed_demo_data(
        services,
        orders=settings.demo_orders if args.orders is None else args.orders,
        days=settings.demo_days if args.days is None else args.days,
        seed=settings.demo_seed if args.seed is None else args.seed,
        end=args.end,
        if_empty=args.if_empty,
    )
    if report.skipped:
        print(f"paydesk seed: {report.message}")
        return 0
    print(
        f"seeded {report.orders} orders, {report.refunds} refunds, {report.payout_batches} payout "
        f"batches ({report.payout_lines} lines), {report.mandates} mandates, "
        f"{report.direct_debits} direct debits in {report.seconds:.1f} s"
    )
    return 0


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; write YYYY-MM-DD") from None
