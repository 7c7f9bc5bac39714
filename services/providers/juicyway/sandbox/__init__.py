"""A faithful, in-memory Juicyway sandbox (payment sessions captured as Binance Pay orders)."""

from services.providers.sandbox_kit import SandboxClock

from .asgi import create_app
from .engine import Answer, JuicywaySandbox
from .faults import FaultKind
from .outbox import CollectingSink, HttpSink
from .transport import SandboxTransport

__all__ = [
    "Answer",
    "CollectingSink",
    "FaultKind",
    "HttpSink",
    "JuicywaySandbox",
    "SandboxClock",
    "SandboxTransport",
    "create_app",
]
