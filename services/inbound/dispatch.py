"""The one dispatcher that applies provider news to the store, for every provider.

Each provider package turns its notifications into neutral `InboundEvent`s
(services.providers.events); the receiver (services.inbound.receiver) stores each delivery and
calls `dispatch`. Handlers are registered per event kind (payment, refund, payout, payout line,
mandate, debit) and read neutral fields only: they never know which provider spoke.

Every handler registered for the event's kind runs inside ONE unit of work, which the
dispatcher's caller commits together with the stored delivery row: an event is applied
completely or not at all.

Adding a handler
----------------
1. In the domain's `events.py`, decorate a function with `@handles(EventKind...)`:

       @handles(EventKind.REFUND)
       def on_refund(services: Services, uow: UnitOfWork, event: InboundEvent) -> str | None:
           ...  # lock the row, move it forward only, audit money changes
           return "refund_succeeded"

   Return a short outcome (stored on the delivery, at most ~24 characters), or None when the
   event is not about anything this handler owns (a payment may be an order's or a debit's).
   Do not commit, do not call the provider (no network inside the transaction), and be
   idempotent: the same event may arrive many times and in any order.
2. Add the module to `HANDLER_MODULES` below.

Some providers sign too weakly for their word to move money (`event.needs_confirmation`): such
an event is never handed to the handlers. A confirmer registered with `@confirms(kind)` runs
after the delivery is stored and asks the provider itself (a query), whose answer is applied.

Handler modules are imported on first dispatch, so importing this module stays cheap and a
handler module may import anything of its domain without a cycle.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from services.providers.events import EventKind, InboundEvent

if TYPE_CHECKING:
    from services.core.context import Services
    from services.core.unit_of_work import UnitOfWork

HANDLER_MODULES: tuple[str, ...] = (
    "services.orders.events",  # payments
    "services.refunds.events",  # refunds
    "services.payouts.events",  # payout batches and lines
    "services.mandates.events",  # mandates, and payments that are direct debits
)

#: No handler claimed the event (an object we do not hold, or news we keep but never act on).
UNMATCHED = "unmatched"
#: The provider sent a status it never documented: kept for the record, changes nothing.
UNKNOWN_STATUS = "ignored_status"
#: Weakly signed news waiting for the provider's own answer to a query.
AWAITING_CONFIRMATION = "confirming"
_OUTCOME_MAX = 32

Handler = Callable[["Services", "UnitOfWork", InboundEvent], "str | None"]
Confirmer = Callable[["Services", InboundEvent], "str | None"]

_handlers: dict[EventKind, list[Handler]] = {}
_confirmers: dict[EventKind, list[Confirmer]] = {}
_loaded = False
_load_lock = threading.Lock()


def handles(*kinds: EventKind) -> Callable[[Handler], Handler]:
    """Register the decorated function for the given kinds of event."""

    def register(handler: Handler) -> Handler:
        for kind in kinds:
            registered = _handlers.setdefault(kind, [])
            if handler not in registered:  # a re-imported module must not apply events twice
                registered.append(handler)
        return handler

    return register


def confirms(*kinds: EventKind) -> Callable[[Confirmer], Confirmer]:
    """Register a confirmer: given weakly signed news, ask the provider and apply its answer."""

    def register(confirmer: Confirmer) -> Confirmer:
        for kind in kinds:
            registered = _confirmers.setdefault(kind, [])
            if confirmer not in registered:
                registered.append(confirmer)
        return confirmer

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


def handlers_for(kind: EventKind) -> tuple[Handler, ...]:
    load_handlers()
    return tuple(_handlers.get(kind, ()))


def confirmers_for(kind: EventKind) -> tuple[Confirmer, ...]:
    load_handlers()
    return tuple(_confirmers.get(kind, ()))


def dispatch(services: Services, uow: UnitOfWork, event: InboundEvent) -> str:
    """Run every handler for the event inside `uow` (the caller commits); return the outcome."""
    if event.kind is EventKind.OTHER:
        return UNMATCHED
    if event.state is None:
        return UNKNOWN_STATUS
    if event.needs_confirmation:
        return AWAITING_CONFIRMATION if confirmers_for(event.kind) else UNMATCHED
    outcomes = [
        outcome
        for handler in handlers_for(event.kind)
        if (outcome := handler(services, uow, event)) is not None
    ]
    return (",".join(outcomes) or UNMATCHED)[:_OUTCOME_MAX]


def confirm(services: Services, event: InboundEvent) -> str:
    """Ask the provider about weakly signed news (after the delivery is stored); the outcome."""
    outcomes = [
        outcome
        for confirmer in confirmers_for(event.kind)
        if (outcome := confirmer(services, event)) is not None
    ]
    return (",".join(outcomes) or UNMATCHED)[:_OUTCOME_MAX]
