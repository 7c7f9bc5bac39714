"""A faithful, in-memory Monetix Gate for Binance Pay (see README.md in this folder)."""

from .asgi import create_app
from .clock import IdSource, SandboxClock
from .engine import MonetixSandbox, SandboxResponse
from .faults import FaultKind
from .outbox import CollectingSink, HttpSink, retry_delay_s
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
