"""Run the Juicyway sandbox as an HTTP server (``paydesk sandbox juicyway``)."""

from __future__ import annotations

import uvicorn

from .sandbox import HttpSink, JuicywaySandbox, create_app

#: Credentials the sandbox accepts unless told otherwise; never valid at Juicyway itself.
SANDBOX_API_KEY = "test_paydesk_sandbox_key"
SANDBOX_BUSINESS_ID = "paydesk-sandbox-business"


def serve(host: str, port: int, *, api_key: str = SANDBOX_API_KEY,
          business_id: str = SANDBOX_BUSINESS_ID, webhook_url: str | None = None) -> None:
    """Serve until interrupted; webhooks go to ``webhook_url`` (kept in the outbox without)."""
    sandbox = JuicywaySandbox(
        api_key, business_id, hosted_base_url=f"http://{host}:{port}/hosted",
        sink=HttpSink(webhook_url) if webhook_url else None,
    )
    try:
        uvicorn.run(create_app(sandbox), host=host, port=port, log_level="info")
    finally:
        sandbox.close()
