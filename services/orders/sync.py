"""The orders sync job: open and refunding orders of the last days, asked by their stored ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from data.models import Order
from services.core.context import Services
from services.orders.events import NON_FINAL, apply_query_result
from services.providers.base import OrderStatus
from services.providers.errors import NotFoundError
from services.inbound.sync_runner import sync_job
from services.core.unit_of_work import UnitOfWork

#: Unpaid orders live at most their provider's longest payment expiry (an hour at most);
#: older open ones are caught up once, then settle.
#: Refunds settle within days. Older rows are left to reconciliation, not re-asked forever.
WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class OrderRef:
    merchant_order_id: str
    provider_order_id: str | None
    provider: str


@sync_job("orders", model=Order, batch=200)
class OrderSync:
    @staticmethod
    def candidates(services: Services, now: datetime):  # type: ignore[no-untyped-def]
        return (
            select(Order.id)
            .where(col(Order.status).in_(NON_FINAL), col(Order.created_at) >= now - WINDOW)
            # Least recently touched first, so a bounded batch works through everything.
            .order_by(col(Order.updated_at), col(Order.id))
        )

    @staticmethod
    def load(uow: UnitOfWork, item_id: int) -> OrderRef | None:
        order = uow.session.get(Order, item_id)
        if order is None or order.status not in NON_FINAL:
            return None
        return OrderRef(order.merchant_order_id, order.provider_order_id, order.provider)

    @staticmethod
    def query(services: Services, ref: OrderRef) -> OrderStatus | None:
        if ref.provider not in services.providers:
            return None  # its provider is not enabled in this deployment
        try:
            # The provider order id is unknown when the create call timed out: the merchant id finds it.
            return services.provider_for(ref.provider).get_order(
                provider_order_id=ref.provider_order_id,
                merchant_order_id=None if ref.provider_order_id else ref.merchant_order_id,
            )
        except NotFoundError:
            return None

    @staticmethod
    def apply(services: Services, uow: UnitOfWork, item_id: int,
              result: OrderStatus | None) -> str:
        if result is None:
            # Not at the provider (a create that never arrived) or a disabled provider's order:
            # nothing to apply; the row ages out of the window.
            return "not_found"
        return apply_query_result(services, uow, item_id, result)
