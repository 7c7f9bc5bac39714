"""Shared arrangements for the refund and direct-debit tests: staff, paid orders, signed
mandates and a webhook sink that hands the sandbox's notifications to our handlers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event

from data.models import Mandate, Order, User
from services.inbound.dispatch import dispatch
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.providers.binance_pay.events import parse_event



def fast_commits(services: Services) -> None:
    """PostgreSQL: skip the WAL flush per commit. Locking and isolation are unchanged, and the
    race tests need hundreds of commits, not durability."""
    if services.engine.dialect.name != "postgresql":
        return
    services.engine.dispose()

    @event.listens_for(services.engine, "connect")
    def _no_flush_wait(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        dbapi_connection.commit()


def staff(services: Services) -> dict[str, Actor]:
    people = {}
    with services.uow() as uow:
        for name, role in (("olga", "operator"), ("oscar", "operator"), ("anna", "approver"),
                           ("vic", "viewer")):
            user = User(username=name, role=role, display_name=name)
            uow.session.add(user)
            uow.session.flush()
            people[name] = Actor(user_id=user.id, username=name, role=role)
        uow.commit()
    return people


def paid_order(services: Services, amount: str = "100", currency: str = "USDT",
               status: str = "PAID", refunded: str = "0") -> Order:
    """A paid order only the store knows: the sandbox adopts it on the first refund."""
    now = datetime.now(UTC)
    order = Order(
        merchant_order_id=f"T{uuid.uuid4().hex[:20]}", provider_order_id=str(8_100_000_000_000_000_000 + uuid.uuid4().int % 10**17),
        amount=Decimal(amount), currency=currency, status=status, product_name="Widget",
        refunded_amount=Decimal(refunded), created_at=now - timedelta(hours=1),
        paid_at=now - timedelta(minutes=50), payer_id="350000001",
    )
    with services.uow() as uow:
        uow.session.add(order)
        uow.commit()
        uow.session.expunge(order)
    return order


def signed_mandate(services: Services, *, limit: str = "50", currency: str = "USDT",
                   periodic: bool = False, status: str = "SIGNED") -> Mandate:
    """A signed contract only the store knows: the sandbox adopts it on the first debit."""
    now = datetime.now(UTC)
    mandate = Mandate(
        merchant_contract_code=f"C{uuid.uuid4().hex[:20]}",
        contract_id=str(9_500_000_000_000_000_000 + uuid.uuid4().int % 10**17),
        customer_email="sub@example.com", open_user_id="350000777", service_name="Pro plan",
        scenario_code="Membership", single_upper_limit=Decimal(limit), currency=currency,
        periodic=periodic, cycle_type="MONTH" if periodic else None,
        cycle_value=1 if periodic else None, status=status,
        created_at=now - timedelta(days=30), signed_at=now - timedelta(days=29),
    )
    with services.uow() as uow:
        uow.session.add(mandate)
        uow.commit()
        uow.session.expunge(mandate)
    return mandate


class HandlerSink:
    """The sandbox's webhook sink: verify, then dispatch through the real handler registry in
    one transaction (without the receiver's de-duplication, so repeats reach the handlers)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.outcomes: list[str] = []

    def __call__(self, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        sandbox = self.services.sandbox
        assert sandbox is not None
        cert = sandbox.certificate
        event = parse_event(headers, body, {cert["certSerial"]: cert["certPublic"]})
        with self.services.uow() as uow:
            self.outcomes.append(dispatch(self.services, uow, event))
            uow.commit()
        return 200, '{"returnCode":"SUCCESS","returnMessage":null}'


def attach_sink(services: Services) -> HandlerSink:
    sink = HandlerSink(services)
    assert services.sandbox is not None
    services.sandbox.set_webhook_sink(sink)
    return sink
