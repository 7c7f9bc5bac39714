"""The day totals behind the Overview: whether they can be used, checking and rebuilding them.

The store keeps them itself (triggers in each writing transaction, data/queries/day_totals.py),
per local day of one recorded zone. These use cases move them to the configured zone and compare
them with the orders and refunds they sum (`paydesk rollups check | rebuild`).
"""

from __future__ import annotations

from dataclasses import dataclass

from data.queries import day_totals
from services.core.access import Actor
from services.core.context import Services
from services.core.refusals import require


@dataclass(frozen=True)
class RollupCheck:
    zone: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def rebuild(services: Services, actor: Actor) -> dict[str, int]:
    """Recompute every day total for the configured zone, in one transaction."""
    require(services, actor, "settings.manage")
    with services.uow() as uow:
        written = day_totals.rebuild(uow.session.connection(), services.settings.zone)
        uow.commit()
    return written


def check(services: Services, actor: Actor) -> RollupCheck:
    require(services, actor, "orders.view")
    with services.uow() as uow:
        problems = day_totals.differences(uow.session.connection(), services.settings.zone)
    return RollupCheck(zone=services.settings.zone.key, problems=problems)


def follow_zone(services: Services) -> bool:
    """At start-up: rebuild when the configured zone is not the one the totals are kept in.
    Returns whether it rebuilt."""
    with services.uow() as uow:
        if day_totals.recorded_zone(uow.session) == services.settings.zone.key:
            return False
        day_totals.rebuild(uow.session.connection(), services.settings.zone)
        uow.commit()
    return True
