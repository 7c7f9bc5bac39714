"""What `make run` does before serving: migrate, and in sandbox mode make the store demo-ready."""

from __future__ import annotations

from dataclasses import dataclass

from services.bootstrap import Services, upgrade_store
from services.demo_data import SeedReport, seed_demo_data, store_has_orders
from services.rollups import follow_zone
from services.users import ensure_demo_users


@dataclass(frozen=True)
class PreparedStore:
    seeded: SeedReport | None
    demo_users_created: int


def prepare_store(services: Services) -> PreparedStore:
    """Idempotent: a second call on a prepared store only checks and returns quickly."""
    upgrade_store(services)
    # After a change of PAYDESK_TIMEZONE the Overview's day totals follow the new zone.
    follow_zone(services)
    if not services.settings.is_sandbox:
        return PreparedStore(seeded=None, demo_users_created=0)
    created = ensure_demo_users(services)
    seeded = None
    if not store_has_orders(services):
        s = services.settings
        seeded = seed_demo_data(services, orders=s.demo_orders, days=s.demo_days, seed=s.demo_seed)
    return PreparedStore(seeded=seeded, demo_users_created=created)
