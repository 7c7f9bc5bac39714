"""`paydesk sandbox [PROVIDER] --host 127.0.0.1 --port N`: a provider's sandbox over HTTP.

``binance_pay`` (the default) accepts requests signed with BINANCE_PAY_API_KEY /
BINANCE_PAY_API_SECRET from the environment (the sandbox defaults of .env.example when unset);
its control API is documented in services/providers/binance_pay/sandbox/README.md.
``juicyway`` accepts the sandbox key printed at start and signs webhooks with the sandbox
business id; its control API is documented in services/providers/juicyway/sandbox/asgi.py.
``monetix`` reads MONETIX_PROJECT_ID, MONETIX_SECRET_KEY and MONETIX_ENCRYPTION_KEY (sandbox
defaults when unset); see services/providers/monetix/sandbox/README.md.
"""

from __future__ import annotations

import argparse

PROVIDERS = ("binance_pay", "juicyway", "monetix")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sandbox = commands.add_parser("sandbox", help="serve a provider's sandbox over HTTP")
    sandbox.add_argument("provider", nargs="?", choices=PROVIDERS, default="binance_pay")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--webhook-url",
                         help="where the juicyway or monetix sandbox posts its notifications")
    sandbox.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    if args.provider == "juicyway":
        from services.providers.juicyway import server as juicyway

        print(f"Juicyway sandbox on http://{args.host}:{args.port} (control API under "
              f"/sandbox/); API key {juicyway.SANDBOX_API_KEY}, business id "
              f"{juicyway.SANDBOX_BUSINESS_ID}")
        juicyway.serve(args.host, args.port, webhook_url=args.webhook_url)
        return 0
    if args.provider == "monetix":
        from services.providers.monetix import server as monetix

        project_id, _, _ = monetix.credentials()
        print(f"Monetix sandbox (project {project_id}) on http://{args.host}:{args.port} "
              "(control API under /sandbox/)")
        monetix.serve(args.host, args.port, callback_url=args.webhook_url)
        return 0
    from services.core.config import Settings
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
