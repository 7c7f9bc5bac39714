"""A faithful, in-memory Binance Pay sandbox (see README.md in this folder)."""

from services.providers.sandbox_kit import HttpSink, SandboxClock

from .adoption import (
    ContractSnapshot,
    OrderSnapshot,
    PayoutLineSnapshot,
    PayoutSnapshot,
    RefundSnapshot,
)
from .asgi import create_app
from .engine import SandboxEngine
from .faults import FaultKind
from .state import Timings
from .transport import SandboxTransport
from .webhooks import CollectingSink, WebhookSigner

__all__ = [
    "CollectingSink",
    "ContractSnapshot",
    "FaultKind",
    "HttpSink",
    "OrderSnapshot",
    "PayoutLineSnapshot",
    "PayoutSnapshot",
    "RefundSnapshot",
    "SandboxClock",
    "SandboxEngine",
    "SandboxTransport",
    "Timings",
    "WebhookSigner",
    "create_app",
]
