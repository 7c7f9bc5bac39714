"""A faithful, in-memory Monetix Gate for Binance Pay (see README.md in this folder)."""

from services.providers.sandbox_kit import HttpSink, SandboxClock

from .asgi import create_app
from .engine import MonetixSandbox, SandboxResponse
from .faults import FaultKind
from .ids import IdSource
from .outbox import CollectingSink, retry_delay_s
from .state import Timings
from .transport import SandboxTransport
from .world import ApiFail

__all__ = [
    "ApiFail",
    "CollectingSink",
    "FaultKind",
    "HttpSink",
    "IdSource",
    "MonetixSandbox",
    "SandboxClock",
    "SandboxResponse",
    "SandboxTransport",
    "Timings",
    "create_app",
    "retry_delay_s",
]
