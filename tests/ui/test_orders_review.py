"""An order whose provider news disagreed with our figures is named on the Orders page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from streamlit.testing.v1 import AppTest

from data.models import Order
from services.entrypoints.bootstrap import Services


def test_orders_needing_review_are_named_above_the_table(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    now = datetime.now(UTC)
    with ui_services.uow() as uow:
        for no, note in (("REV1", "the provider reported 25000 USDT (webhook) where PayDesk "
                                  "recorded 25 USDT"), ("OK1", None)):
            uow.session.add(Order(merchant_order_id=no, amount=Decimal("25"), currency="USDT",
                                  status="PENDING", created_at=now, updated_at=now,
                                  review_note=note))
        uow.commit()
    at = signed_in_app("viewer")
    at.switch_page("app_pages/orders.py").run()
    assert not at.exception, at.exception
    [warning] = [w.value for w in at.warning if "Needs review" in w.value]
    assert "REV1" in warning and "OK1" not in warning
