"""Provider events and the one dispatcher that applies them to the store.

The webhook receiver (`services.inbound.sinks`), the in-process sandbox (through the same receiver)
and tests all turn what a provider tells us into a `ProviderEvent` and call `dispatch`. Every
handler registered for the event's `biz_type` runs inside ONE unit of work, which the dispatcher's
caller commits together with the stored delivery row: an event is applied completely or not at
all.

Adding a handler (refunds, payouts, mandates)
---------------------------------------------
1. Write `services/<kind>_updates.py` with functions decorated by `@handles(...)`:

       from services.inbound.dispatch import ProviderEvent, handles

       @handles("PAY_REFUND")
       def on_refund(services: Services, uow: UnitOfWork, event: ProviderEvent) -> str | None:
           ...  # lock the row (`.with_for_update()`), move it forward only, audit money changes
           return "refund_succeeded"

   Return a short outcome (it is stored on the delivery, at most ~24 characters), or None when
   the event is not about anything this handler owns (several handlers may share a biz type:
   a `PAY` event is an order payment or a direct-debit payment).
   Do not commit, do not call the provider (no network inside the transaction), and be
   idempotent: the same event may arrive many times and in any order.
2. Add one line with your module to `HANDLER_MODULES` below (only modules that exist).

Handler modules are imported on first dispatch, so importing this module stays cheap and a
handler module may import anything of its domain without a cycle.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.core.context import Services
    from services.core.unit_of_work import UnitOfWork

HANDLER_MODULES: tuple[str, ...] = (
    "services.orders.events",
    "services.refunds.events",  # PAY_REFUND
    "services.payouts.events",  # PAYOUT, PAYOUT_NON_BN
    "services.mandates.events",  # DIRECT_DEBIT_CT, direct-debit PAY
)

#: Outcome when no handler claimed the event (unknown biz type or an object we do not hold).
UNMATCHED = "unmatched"
_OUTCOME_MAX = 32


@dataclass(frozen=True)
class ProviderEvent:
    """One thing a provider reports, in the provider's own status vocabulary.

    `data` is the notification payload parsed with exact decimals (`parse_float=Decimal`), read
    only. `biz_id` is always a string: Binance ids exceed 2**63.
    """

    provider: str
    biz_type: str
    biz_id: str
    biz_status: str
    data: Mapping[str, Any] = field(default_factory=dict)
    occurred_at: datetime | None = None

    def __post_init__(self) -> None:
        # Handlers share one event; a read-only view stops one from changing what the next sees.
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))


Handler = Callable[["Services", "UnitOfWork", ProviderEvent], "str | None"]

_handlers: dict[str, list[Handler]] = {}
_loaded = False
_load_lock = threading.Lock()


def handles(*biz_types: str) -> Callable[[Handler], Handler]:
    """Register the decorated function for the given biz types (e.g. `@handles("PAY")`)."""

    def register(handler: Handler) -> Handler:
        for biz_type in biz_types:
            registered = _handlers.setdefault(biz_type, [])
            if handler not in registered:  # a re-imported module must not apply events twice
                registered.append(handler)
        return handler

    return register


def load_handlers() -> None:
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if not _loaded:
            for name in HANDLER_MODULES:
                importlib.import_module(name)
            _loaded = True


def handlers_for(biz_type: str) -> tuple[Handler, ...]:
    load_handlers()
    return tuple(_handlers.get(biz_type, ()))


def dispatch(services: Services, uow: UnitOfWork, event: ProviderEvent) -> str:
    """Run every handler for the event inside `uow` (the caller commits); return the outcome."""
    outcomes = [
        outcome
        for handler in handlers_for(event.biz_type)
        if (outcome := handler(services, uow, event)) is not None
    ]
    return (",".join(outcomes) or UNMATCHED)[:_OUTCOME_MAX]
