"""What every provider sandbox needs and nothing provider-specific: business time, a fault book,
the httpx transport that runs a sandbox in-process, the ASGI app that serves one over HTTP, and
a sink that posts notifications to a merchant URL.

Provider packages import this; it imports no provider package, so the import-linter contract
that keeps provider packages apart still holds (pyproject.toml).
"""

from .asgi import create_app
from .clock import SandboxClock, wall_ms
from .faults import ANY_PATH, Fault, FaultBook
from .notifications import shaped
from .scheduler import Scheduler
from .sinks import HttpSink
from .transport import Handler, SandboxAnswer, SandboxTransport

__all__ = [
    "ANY_PATH",
    "Fault",
    "FaultBook",
    "Handler",
    "HttpSink",
    "SandboxAnswer",
    "SandboxClock",
    "SandboxTransport",
    "Scheduler",
    "create_app",
    "shaped",
    "wall_ms",
]
