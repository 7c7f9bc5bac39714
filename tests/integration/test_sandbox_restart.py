"""Provider ids never repeat across restarts of the sandbox: the store outlives it. Both stores."""

from __future__ import annotations

from sqlmodel import select

from services.entrypoints.bootstrap import Services
from tests.integration.money_helpers import staff


def test_a_restarted_sandbox_never_reissues_a_provider_id(services: Services) -> None:
    """Two `make run`s on one store: the second sandbox starts empty, and its first payment
    request must neither collide with the first run's orders nor leave one without its id."""
    from data.models import Order
    from services.orders import payment_requests
    from services.entrypoints.bootstrap import build_services

    olga = staff(services)["olga"]
    first = payment_requests.create_request(services, olga, amount="10", currency="USDT",
                                            product="Widget", customer_email="a@example.com")
    restarted = build_services(services.settings)
    try:
        second = payment_requests.create_request(restarted, olga, amount="11", currency="USDT",
                                                 product="Widget", customer_email="b@example.com")
    finally:
        restarted.engine.dispose()
    assert (first.kind, second.kind) == ("success", "success")
    with services.uow() as uow:
        ids = [o.provider_order_id for o in uow.session.exec(select(Order)).all()]
    assert len(ids) == 2 and None not in ids and len(set(ids)) == 2
