"""What `make run` does before serving: migrate, and in sandbox mode make the store demo-ready."""

from __future__ import annotations

from dataclasses import dataclass

from services.entrypoints.bootstrap import Services, upgrade_store
from services.demo.data import SeedReport, seed_demo_data, store_has_orders
from services.core.errors import ConfigurationError
from services.orders.rollups import follow_zone
from services.identity.users import enabled_demo_accounts, ensure_demo_users


@dataclass(frozen=True)
class PreparedStore:
    seeded: SeedReport | None
    demo_users_created: int


def check_live_store(services: Services) -> None:
    """Live mode never starts while a sandbox demo account (admin/admin…) can still sign in."""
    if services.settings.is_sandbox:
        return
    demo = enabled_demo_accounts(services)
    if demo:
        commands = "; ".join(f"`paydesk users disable {name}`" for name in demo)
        raise ConfigurationError(
            f"live mode refuses to start: sandbox demo account(s) {', '.join(demo)} can still "
            f"sign in. Create your own admin if you have none (`paydesk users add NAME --role "
            f"admin`), then disable them: {commands}"
        )


def prepare_store(services: Services) -> PreparedStore:
    """Idempotent: a second call on a prepared store only checks and returns quickly."""
    upgrade_store(services)
    # After a change of PAYDESK_TIMEZONE the Overview's day totals follow the new zone.
    follow_zone(services)
    if not services.settings.is_sandbox:
        check_live_store(services)
        return PreparedStore(seeded=None, demo_users_created=0)
    created = ensure_demo_users(services)
    seeded = None
    if not store_has_orders(services):
        s = services.settings
        seeded = seed_demo_data(services, orders=s.demo_orders, days=s.demo_days, seed=s.demo_seed)
    return PreparedStore(seeded=seeded, demo_users_created=created)
