"""The Binance Pay sandbox as an httpx transport: a sync client talks to it with no network."""

from __future__ import annotations

from services.providers.sandbox_kit import SandboxTransport as KitTransport

from .engine import SandboxEngine


class SandboxTransport(KitTransport):
    """``BinancePayClient(key, secret, transport=SandboxTransport(engine))``.

    Each request also runs ``engine.tick()`` afterwards when ``auto_tick`` is on, so webhooks
    that fell due are delivered without a background thread.
    """

    def __init__(self, engine: SandboxEngine, *, auto_tick: bool = True) -> None:
        # Binance Pay reads no query string: every parameter is in the signed JSON body.
        super().__init__(lambda method, path, headers, body, _query: engine.handle(
            method, path, headers, body), engine.tick, auto_tick=auto_tick)
        self.engine = engine
