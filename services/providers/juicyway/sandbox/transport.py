"""The Juicyway sandbox as an httpx transport: the client talks to it with no network."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from services.providers.sandbox_kit import SandboxTransport as KitTransport

from .engine import JuicywaySandbox


class SandboxTransport(KitTransport):
    """``JuicywayClient(key, transport=SandboxTransport(sandbox))``; due webhooks are delivered
    after each request when ``auto_tick`` is on, so no background thread is needed."""

    def __init__(self, sandbox: JuicywaySandbox, *, auto_tick: bool = True,
                 sleep: Callable[[int], object] = time.sleep) -> None:
        super().__init__(
            lambda method, path, headers, body, query: sandbox.handle(
                method, path, headers, body, dict(httpx.QueryParams(query))),
            sandbox.tick, auto_tick=auto_tick, sleep=sleep)
        self.sandbox = sandbox
