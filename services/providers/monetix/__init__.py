"""Monetix (ecommpay platform) with Binance Pay as method ``unify``: signed Gate client,
callback verification into neutral events, Payment Page links and a local sandbox.

Not wired into the services yet: that waits for the rest of the provider-neutral core
(issue 11). The package imports only the neutral port (``services.providers.base``,
``.errors``, ``.events``, ``.capabilities``).
"""

from .callbacks import CallbackParser, MalformedCallback
from .client import Accepted, Customer, MonetixClient, PaymentStatus, ReceiveType, ReturnUrls
from .endpoints import GATE_URL, PAYMENT_PAGE_URL
from .events import DisplayData, Outcome, display_of, is_flagged

__all__ = [
    "Accepted",
    "CallbackParser",
    "Customer",
    "DisplayData",
    "GATE_URL",
    "MalformedCallback",
    "MonetixClient",
    "Outcome",
    "display_of",
    "is_flagged",
    "PAYMENT_PAGE_URL",
    "PaymentStatus",
    "ReceiveType",
    "ReturnUrls",
]
