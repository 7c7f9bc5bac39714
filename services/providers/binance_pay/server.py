"""Run the Binance Pay sandbox as an HTTP server (``paydesk sandbox``)."""

from __future__ import annotations

import uvicorn

from .sandbox import SandboxEngine, create_app


def build_engine(host: str, port: int, api_key: str, api_secret: str, **kwargs) -> SandboxEngine:  # type: ignore[no-untyped-def]
    return SandboxEngine(api_key, api_secret, public_base_url=f"http://{host}:{port}", **kwargs)


def serve(host: str, port: int, api_key: str, api_secret: str) -> None:
    """Serve the sandbox until interrupted; blocks the calling thread."""
    engine = build_engine(host, port, api_key, api_secret)
    try:
        uvicorn.run(create_app(engine), host=host, port=port, log_level="info")
    finally:
        engine.close()
