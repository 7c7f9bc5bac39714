"""The Monetix sandbox over HTTP (Starlette): Gate, Payment Page and the control API, all
through ``sandbox.handle``."""

from __future__ import annotations

from starlette.applications import Starlette

from services.providers.sandbox_kit import asgi

from .engine import MonetixSandbox


def create_app(sandbox: MonetixSandbox, *,
               tick_interval_s: float = asgi.TICK_INTERVAL_S) -> Starlette:  # float-ok: seconds
    return asgi.create_app(sandbox.handle, sandbox.tick, name="monetix",
                           tick_interval_s=tick_interval_s)
