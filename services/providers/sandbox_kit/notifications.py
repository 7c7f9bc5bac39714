"""The notification faults every sandbox offers: a delivery sent twice, the deliveries of one
tick sent in reverse order, and (where the provider's sandbox has it) a delivery held back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

from .faults import Fault, FaultBook

D = TypeVar("D")


def shaped(due: Sequence[D], faults: FaultBook, origin: Callable[[D], str], *,
           duplicate: StrEnum, reverse: StrEnum, hold: StrEnum | None = None,
           held: Callable[[D, Fault], None] | None = None) -> list[D]:
    """``due`` as the faults for each delivery's ``origin`` path say it goes out this tick.

    A delivery met by a ``hold`` fault is handed to ``held`` (which reschedules it) and left out.
    """
    out: list[D] = []
    backwards = False
    for delivery in due:
        path = origin(delivery)
        if hold is not None and held is not None:
            fault = faults.take(path, (hold,))
            if fault is not None:
                held(delivery, fault)
                continue
        out.append(delivery)
        if faults.take(path, (duplicate,)):
            out.append(delivery)
        if faults.take(path, (reverse,)):
            backwards = True
    return out[::-1] if backwards else out
