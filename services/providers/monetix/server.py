"""Run the Monetix sandbox as an HTTP server (``paydesk sandbox monetix``).

Credentials come from ``MONETIX_PROJECT_ID``, ``MONETIX_SECRET_KEY`` and
``MONETIX_ENCRYPTION_KEY``; unset, the sandbox values below apply. They are read here, not in
the settings, until the provider-neutral core gives every provider its own settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import uvicorn

from .sandbox import MonetixSandbox, create_app

SANDBOX_PROJECT_ID = 1234
SANDBOX_SECRET = "paydesk-monetix-sandbox-secret"
SANDBOX_ENCRYPTION_KEY = "paydesk-sandbox-encryption-key"


def credentials(env: Mapping[str, str] = os.environ) -> tuple[int, str, str]:
    raw = env.get("MONETIX_PROJECT_ID", "").strip() or str(SANDBOX_PROJECT_ID)
    if not raw.isdigit():
        raise ValueError(f"MONETIX_PROJECT_ID must be the numeric project id, not {raw!r}")
    return (int(raw), env.get("MONETIX_SECRET_KEY", "") or SANDBOX_SECRET,
            env.get("MONETIX_ENCRYPTION_KEY", "") or SANDBOX_ENCRYPTION_KEY)


def build_sandbox(env: Mapping[str, str] = os.environ, **kwargs) -> MonetixSandbox:  # type: ignore[no-untyped-def]
    project_id, secret, encryption_key = credentials(env)
    return MonetixSandbox(project_id, secret, encryption_key=encryption_key, **kwargs)


def serve(host: str, port: int, *, callback_url: str | None = None,
          env: Mapping[str, str] = os.environ) -> None:
    """Serve the sandbox until interrupted; blocks the calling thread. Callbacks go to
    ``callback_url`` (else to each request's ``merchant_callback_url``, else nowhere).
    ``paydesk sandbox monetix`` passes the credentials from the settings as ``env``."""
    sandbox = build_sandbox(env, callback_sink=callback_url,
                            follow_request_callback_urls=callback_url is None)
    try:
        uvicorn.run(create_app(sandbox), host=host, port=port, log_level="info")
    finally:
        sandbox.close()
