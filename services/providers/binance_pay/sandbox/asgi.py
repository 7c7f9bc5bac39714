"""The Binance Pay sandbox over HTTP (Starlette): every path goes to ``engine.handle``."""

from __future__ import annotations

from starlette.applications import Starlette

from services.providers.sandbox_kit import asgi

from .engine import SandboxEngine


def create_app(engine: SandboxEngine, *,
               tick_interval_s: float = asgi.TICK_INTERVAL_S) -> Starlette:  # float-ok: seconds
    return asgi.create_app(
        lambda method, path, headers, body, _query: engine.handle(method, path, headers, body),
        engine.tick, name="binance-pay", tick_interval_s=tick_interval_s)
