"""`paydesk sandbox [PROVIDER] --host 127.0.0.1 --port N`: a provider's sandbox over HTTP.

PROVIDER is binance-pay (the default), monetix or juicyway (binance_pay also works). Each
sandbox takes its provider's settings (.env or the environment), the sandbox's own values where
they are unset:
``binance-pay`` accepts requests signed with BINANCE_PAY_API_KEY / BINANCE_PAY_API_SECRET; its
control API is documented in services/providers/binance_pay/sandbox/README.md.
``juicyway`` accepts JUICYWAY_API_KEY and signs webhooks with JUICYWAY_BUSINESS_ID; its control
API is documented in services/providers/juicyway/sandbox/asgi.py.
``monetix`` takes MONETIX_PROJECT_ID, MONETIX_SECRET_KEY and MONETIX_ENCRYPTION_KEY; see
services/providers/monetix/sandbox/README.md.
"""

from __future__ import annotations

import argparse

from services.core.provider_names import PROVIDER_NAMES, provider_name

PROVIDERS = tuple(name.replace("_", "-") for name in PROVIDER_NAMES)


def _provider(text: str) -> str:
    name = provider_name(text)
    if name not in PROVIDER_NAMES:
        raise argparse.ArgumentTypeError(
            f"unknown provider '{text}'; choose one of {', '.join(PROVIDERS)}")
    return name


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sandbox = commands.add_parser("sandbox", help="serve a provider's sandbox over HTTP")
    sandbox.add_argument("provider", nargs="?", type=_provider, default="binance_pay",
                         metavar="{" + ",".join(PROVIDERS) + "}")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--webhook-url",
                         help="where the juicyway or monetix sandbox posts its notifications")
    sandbox.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from services.core.config import Settings
    from services.entrypoints.provider_factory import juicyway_credentials, monetix_credentials

    settings = Settings()
    if args.provider == "juicyway":
        from services.providers.juicyway import server as juicyway

        api_key, business_id = juicyway_credentials(settings)
        print(f"Juicyway sandbox on http://{args.host}:{args.port} (control API under "
              f"/sandbox/); API key {api_key}, business id {business_id}")
        juicyway.serve(args.host, args.port, api_key=api_key, business_id=business_id,
                       webhook_url=args.webhook_url)
        return 0
    if args.provider == "monetix":
        from services.providers.monetix import server as monetix

        project_id, secret, encryption_key = monetix_credentials(settings)
        print(f"Monetix sandbox (project {project_id}) on http://{args.host}:{args.port} "
              "(control API under /sandbox/)")
        monetix.serve(args.host, args.port, callback_url=args.webhook_url,
                      env={"MONETIX_PROJECT_ID": str(project_id), "MONETIX_SECRET_KEY": secret,
                           "MONETIX_ENCRYPTION_KEY": encryption_key})
        return 0
    from services.providers.binance_pay.server import serve

    print(f"Binance Pay sandbox on http://{args.host}:{args.port} (control API under /sandbox/)")
    serve(
        args.host,
        args.port,
        settings.binance_pay_api_key.get_secret_value(),
        settings.binance_pay_api_secret.get_secret_value(),
    )
    return 0
