"""`paydesk sandbox --host 127.0.0.1 --port N`: the Binance Pay sandbox over HTTP.

It accepts requests signed with BINANCE_PAY_API_KEY / BINANCE_PAY_API_SECRET from the environment
(the sandbox defaults of .env.example when unset). The control API is documented in
services/providers/binance_pay/sandbox/README.md.
"""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sandbox = commands.add_parser("sandbox", help="serve the Binance Pay sandbox over HTTP")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from services.config import Settings
    from services.providers.binance_pay.server import serve

    settings = Settings()
    print(f"Binance Pay sandbox on http://{args.host}:{args.port} (control API under /sandbox/)")
    serve(
        args.host,
        args.port,
        settings.binance_pay_api_key.get_secret_value(),
        settings.binance_pay_api_secret.get_secret_value(),
    )
    return 0
