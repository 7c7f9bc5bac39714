"""`paydesk sandbox [binance_pay|monetix] --host 127.0.0.1 --port N`: a provider sandbox over HTTP.

Binance Pay accepts requests signed with BINANCE_PAY_API_KEY / BINANCE_PAY_API_SECRET from the
environment (the sandbox defaults of .env.example when unset); its control API is documented in
services/providers/binance_pay/sandbox/README.md. Monetix reads MONETIX_PROJECT_ID,
MONETIX_SECRET_KEY and MONETIX_ENCRYPTION_KEY (sandbox defaults when unset); see
services/providers/monetix/sandbox/README.md.
"""

from __future__ import annotations

import argparse

from services.config import Settings
from services.providers.binance_pay.server import serve
from services.providers.monetix import server as monetix_server

PROVIDERS = ("binance_pay", "monetix")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sandbox = commands.add_parser("sandbox", help="serve a provider sandbox over HTTP")
    sandbox.add_argument("provider", nargs="?", choices=PROVIDERS, default="binance_pay",
                         help="which provider to serve (default: binance_pay)")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    if args.provider == "monetix":
        project_id, _, _ = monetix_server.credentials()
        print(f"Monetix sandbox (project {project_id}) on http://{args.host}:{args.port} "
              "(control API under /sandbox/)")
        monetix_server.serve(args.host, args.port)
        return 0
    settings = Settings()
    print(f"Binance Pay sandbox on http://{args.host}:{args.port} (control API under /sandbox/)")
    serve(
        args.host,
        args.port,
        settings.binance_pay_api_key.get_secret_value(),
        settings.binance_pay_api_secret.get_secret_value(),
    )
    return 0
