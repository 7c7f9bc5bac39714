"""AppTest: the refund action on an order's detail, its confirmation dialog, the Refunds page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from data.models import Order, Refund
from services.entrypoints.bootstrap import Services

ORDERS_PAGE = "app_pages/orders.py"
REFUNDS_PAGE = "app_pages/refunds.py"


def paid(services: Services, amount: str = "100", refunds: int = 0) -> Order:
    now = datetime.now(UTC)
    order = Order(merchant_order_id=f"UI{uuid.uuid4().hex[:12]}",
                  provider_order_id=str(8_200_000_000_000_000_000 + uuid.uuid4().int % 10**17),
                  amount=Decimal(amount), currency="USDT", status="PAID",
                  created_at=now - timedelta(hours=2), paid_at=now - timedelta(hours=2))
    with services.uow() as uow:
        uow.session.add(order)
        uow.session.flush()
        for i in range(refunds):
            uow.session.add(Refund(order_id=order.id, refund_request_id=f"RFui{i}{order.id}",
                                   provider_refund_id=str(i + 1), amount=Decimal(1),
                                   currency="USDT", reason="DUPLICATE", status="SUCCESS"))
        if refunds:
            order.refunded_amount, order.status = Decimal(refunds), "REFUNDED"
            uow.session.add(order)
        uow.commit()
        uow.session.expunge(order)
    return order


def open_order(signed_in_app: Callable[[str], AppTest], order: Order, role: str = "operator"):
    at = signed_in_app(role)
    at.query_params["order"] = order.merchant_order_id
    at.switch_page(ORDERS_PAGE).run()
    assert not at.exception, at.exception
    return at


def refunds_of(services: Services, order: Order) -> list[Refund]:
    with services.uow() as uow:
        rows = list(uow.session.exec(select(Refund).where(Refund.order_id == order.id)).all())
        uow.session.expunge_all()
        return rows


def test_partial_refund_through_the_confirmation_dialog(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    order = paid(ui_services, "100")
    at = open_order(signed_in_app, order)
    assert any(m.label == "Still refundable" and "100.00 USDT" in m.value for m in at.metric)
    at.text_input(key="refund_amount").input("12.5")
    at.selectbox(key="refund_reason").select("DUPLICATE")
    at.button(key="refund_open").click().run()
    assert not at.exception, at.exception
    assert any("12.50 USDT" in m.value for m in at.markdown)  # the dialog's summary
    assert refunds_of(ui_services, order) == []  # nothing moves before "Yes"
    at.button(key="refund_yes").click().run()
    assert not at.exception, at.exception
    [refund] = refunds_of(ui_services, order)
    assert (refund.amount, refund.status, refund.reason) == (Decimal("12.5"), "REFUNDING",
                                                             "DUPLICATE")
    assert any("accepted" in s.value for s in at.success)
    assert not any("(REFUNDING)" in s.value or "(SUCCESS)" in s.value for s in at.success)
    assert any(m.label == "Still refundable" and "87.50 USDT" in m.value for m in at.metric)
    # The timeline says what happened in words (issue 16: 'provider code 000000 · duplicate: no').
    timeline = " ".join(c.value for c in at.caption)
    assert "Duplicate payment" in timeline and "refund attempts left" in timeline
    for code in ("provider code", "000000", "duplicate: no", "DUPLICATE", "needs approval: no"):
        assert code not in timeline, code
    # The form starts empty again: the next refund is never the last one's by accident.
    assert at.text_input(key="refund_amount").value == ""
    assert at.text_input(key="refund_note").value == ""
    assert at.selectbox(key="refund_reason").value is None


def test_no_reason_is_chosen_for_the_user(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    order = paid(ui_services, "100")
    at = open_order(signed_in_app, order)
    assert at.selectbox(key="refund_reason").value is None
    at.text_input(key="refund_amount").input("5")
    at.button(key="refund_open").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Choose a reason for the refund first."]
    assert refunds_of(ui_services, order) == []


def test_a_second_yes_for_the_same_dialog_refunds_nothing_more(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    from services.core.access import Actor
    from services.refunds.commands import request_refund

    order = paid(ui_services, "100")
    at = open_order(signed_in_app, order)
    at.text_input(key="refund_amount").input("10")
    at.selectbox(key="refund_reason").select("DUPLICATE")
    at.button(key="refund_open").click().run()
    pending = at.session_state["refund_pending"]
    # The first click of a double click got through to the service and then lost its rerun.
    operator = Actor(user_id=None, username="operator", role="operator")
    request_refund(ui_services, operator, order_ref=order.merchant_order_id, amount=Decimal("10"),
                   reason="DUPLICATE", note="", request_token=pending["token"])
    at.button(key="refund_yes").click().run()
    assert not at.exception, at.exception
    assert [r.amount for r in refunds_of(ui_services, order)] == [Decimal("10")]


def test_refusals_are_shown_and_nothing_is_asked(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    order = paid(ui_services, "10")
    at = open_order(signed_in_app, order)
    at.text_input(key="refund_amount").input("10.01")
    at.selectbox(key="refund_reason").select("DUPLICATE")
    at.button(key="refund_open").click().run()
    assert any("more than the 10 still refundable" in e.value for e in at.error)
    at.selectbox(key="refund_reason").select("OTHER")
    at.text_input(key="refund_amount").input("1")
    at.button(key="refund_open").click().run()
    assert any("note" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "refund_yes"]
    assert refunds_of(ui_services, order) == []


def test_warning_before_the_attempt_that_refunds_the_whole_remainder(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    order = paid(ui_services, "50", refunds=9)
    at = open_order(signed_in_app, order)
    assert any("last one Binance Pay allows" in w.value for w in at.warning)
    assert at.text_input(key="refund_amount").disabled
    at.selectbox(key="refund_reason").select("DUPLICATE")
    at.button(key="refund_open").click().run()
    assert any("41.00 USDT" in m.value for m in at.markdown)
    at.button(key="refund_yes").click().run()
    assert not at.exception, at.exception
    last = [r for r in refunds_of(ui_services, order) if r.refund_request_id.startswith("RF")
            and not r.refund_request_id.startswith("RFui")]
    assert [r.amount for r in last] == [Decimal("41")]


def test_viewers_see_no_refund_action_and_the_refunds_page_lists_and_exports(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    order = paid(ui_services, "30", refunds=2)
    at = open_order(signed_in_app, order, role="viewer")
    assert not [b for b in at.button if b.key == "refund_open"]
    at.switch_page(REFUNDS_PAGE).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert set(table["Order"]) == {order.merchant_order_id} and len(table) == 2
    # Labels, not stored codes; empty cells as a dash, never "None".
    assert set(table["Status"]) == {"Refunded"} and set(table["Reason"]) == {"Duplicate payment"}
    assert set(table["Requested by"]) == {"—"} and "None" not in table.to_string()
    at.multiselect(key="rf_status").select("FAIL").run()
    assert at.dataframe[0].value.empty
    assert any("0 refunds match" in c.value for c in at.caption)


def test_after_a_refund_the_orders_list_says_one_thing(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    """Issue 16: after a refund the list read '1 orders match', 'No orders match these filters'
    and 'Export these 1 orders' at once."""
    order = paid(ui_services, "40")
    at = signed_in_app("operator")
    at.query_params["q"] = order.merchant_order_id
    at.query_params["status"] = "PAID"
    at.query_params["order"] = order.merchant_order_id
    at.switch_page(ORDERS_PAGE).run()
    assert not at.exception, at.exception
    assert "**1** order matches" in at.caption[0].value
    at.checkbox(key="refund_full").check().run()
    at.selectbox(key="refund_reason").select("DUPLICATE").run()
    at.button(key="refund_open").click().run()
    at.button(key="refund_yes").click().run()
    assert not at.exception, at.exception
    # The order left the "Paid" filter: the count, the message and the export all say none.
    assert "**0** orders match" in at.caption[0].value
    assert [i.value for i in at.info][:1] == [
        "No orders match these filters. Widen the dates or clear a filter."]
    assert not [e.label for e in at.expander if e.label.startswith("Export")]
    # Clear filters brings it back, now refunding.
    at.button(key="orders_clear").click().run()
    assert at.multiselect(key="of_status").value == [] and at.text_input(key="of_q").value == ""
    assert "PAID" not in at.query_params.get("status", [])
