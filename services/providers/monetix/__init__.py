"""Monetix (ecommpay platform) with Binance Pay as method ``unify``: signed Gate client,
callback verification into neutral events, Payment Page links and a local sandbox.

Not wired into the services yet: that waits for the provider-neutral core (issue 11). The
package imports only the neutral port (``services.providers.base`` and ``.errors``).
"""

from .callbacks import CallbackParser, MalformedCallback
from .client import Accepted, Customer, MonetixClient, PaymentStatus, ReceiveType, ReturnUrls
from .endpoints import GATE_URL, PAYMENT_PAGE_URL
from .events import DisplayData, EventKind, Outcome, ProviderEvent

__all__ = [
    "Accepted",
    "CallbackParser",
    "Customer",
    "DisplayData",
    "EventKind",
    "GATE_URL",
    "MalformedCallback",
    "MonetixClient",
    "Outcome",
    "PAYMENT_PAGE_URL",
    "PaymentStatus",
    "ProviderEvent",
    "ReceiveType",
    "ReturnUrls",
]
