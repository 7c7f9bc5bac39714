"""`paydesk webhooks --host 127.0.0.1 --port N`: the provider webhook receiver over HTTP.

Point Binance Pay's webhook URL (merchant portal, or a request's webhookUrl) at
`http(s)://<host>:<port>/webhooks/binance-pay`. Signatures are checked against the keys of
the configured provider. In sandbox mode the dashboard already receives the in-process
sandbox's webhooks without this server; a separate `paydesk sandbox` process signs with its
own key, which this receiver (asking its own in-process sandbox) does not know.
"""

from __future__ import annotations

import argparse

from services.core.errors import ConfigurationError


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    webhooks = commands.add_parser("webhooks", help="serve the provider webhook receiver")
    webhooks.add_argument("--host", default="127.0.0.1")
    webhooks.add_argument("--port", type=int, default=8502)
    webhooks.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from services.entrypoints.bootstrap import build_services, store_is_current
    from services.entrypoints.webhooks_app import WEBHOOK_PATH, serve

    services = build_services()
    if not store_is_current(services):
        raise ConfigurationError("the store is not migrated: run `paydesk db upgrade` first")
    print(f"webhook receiver on http://{args.host}:{args.port}{WEBHOOK_PATH}")
    serve(services, args.host, args.port)
    return 0
