"""The Monetix sandbox as an httpx transport: a sync client talks to it with no network."""

from __future__ import annotations

from services.providers.sandbox_kit import SandboxTransport as KitTransport

from .engine import MonetixSandbox


class SandboxTransport(KitTransport):
    """``MonetixClient(project_id, secret, transport=SandboxTransport(sandbox))``.

    With ``auto_tick`` every request is followed by ``sandbox.tick()``, so callbacks that fell
    due are delivered without a background thread.
    """

    def __init__(self, sandbox: MonetixSandbox, *, auto_tick: bool = True) -> None:
        super().__init__(sandbox.handle, sandbox.tick, auto_tick=auto_tick)
        self.sandbox = sandbox
