"""AppTest: the Orders page filters in SQL, keeps the view in the URL, and opens an order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from data.models import Order, Refund, WebhookDelivery
from services.entrypoints.bootstrap import Services

ORDERS_PAGE = "app_pages/orders.py"
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def seeded(ui_services: Services) -> list[dict]:
    rows = []
    for i in range(60):
        created = NOW - timedelta(hours=i * 5)
        rows.append({
            "merchant_order_id": f"UI{i:04d}", "provider_order_id": f"PRE{i:04d}",
            "amount": Decimal("10.5") + i, "currency": "BTC" if i % 3 == 0 else "USDT",
            "status": "PAID" if i % 2 == 0 else "EXPIRED", "provider": "binance_pay",
            "customer_email": f"buyer{i}@example.com", "product_name": f"Plan {i}",
            "refunded_amount": Decimal(0), "created_at": created, "updated_at": created,
            "paid_at": created + timedelta(minutes=1) if i % 2 == 0 else None,
        })
    with ui_services.uow() as uow:
        uow.session.execute(insert(Order), rows)
        uow.commit()
    return rows


def open_orders(signed_in_app: Callable[[str], AppTest], **params: str) -> AppTest:
    at = signed_in_app("viewer")
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(ORDERS_PAGE).run()
    assert not at.exception, at.exception
    return at


def param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value[-1] if isinstance(value, list) else value


def table(at: AppTest):  # type: ignore[no-untyped-def]
    return at.dataframe(key="orders_table").value


def test_filters_narrow_the_table_and_land_in_the_url(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict]
) -> None:
    at = open_orders(signed_in_app)
    assert len(table(at)) == 50  # first page of the default size
    assert "60" in at.caption[0].value
    at.multiselect(key="of_status").set_value(["PAID"]).run()
    at.multiselect(key="of_currency").set_value(["BTC"]).run()
    assert not at.exception
    shown = table(at)
    expected = [r for r in seeded if r["status"] == "PAID" and r["currency"] == "BTC"]
    assert len(shown) == len(expected)
    assert set(shown["Status"]) == {"Paid"}
    assert all(value.endswith(" BTC") for value in shown["Amount"])
    assert param(at, "status") == "PAID" and param(at, "currency") == "BTC"


def test_a_shared_link_restores_the_view_and_pages_forward(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict]
) -> None:
    at = open_orders(signed_in_app, status="EXPIRED", sort="amount_asc", size="25",
                     cols="merchant_order_id,amount")
    shown = table(at)
    assert list(shown.columns) == ["Order ID", "Amount"]
    expired = sorted((r for r in seeded if r["status"] == "EXPIRED"), key=lambda r: r["amount"])
    assert list(shown["Order ID"]) == [r["merchant_order_id"] for r in expired[:25]]
    at.button(key="orders_next").click().run()
    assert list(table(at)["Order ID"]) == [r["merchant_order_id"] for r in expired[25:]]
    at.button(key="orders_prev").click().run()
    assert list(table(at)["Order ID"])[0] == expired[0]["merchant_order_id"]


def test_search_and_a_bad_link_parameter(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict]
) -> None:
    at = open_orders(signed_in_app, min="abc", q="PRE0004")
    assert list(table(at)["Order ID"]) == ["UI0004"]
    assert "min" in at.warning[0].value


def test_open_by_id_shows_every_field_and_the_timeline(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict], ui_services: Services
) -> None:
    with ui_services.uow() as uow:
        order = uow.session.exec(select(Order).where(Order.merchant_order_id == "UI0002")).one()
        order.provider_status = "PAY_SUCCESS"
        uow.session.add(order)
        uow.session.add(Refund(order_id=order.id, refund_request_id="RF-UI", amount=Decimal("2"),
                               currency="USDT", reason="customer", status="SUCCESS",
                               completed_at=NOW))
        uow.session.add(WebhookDelivery(event_type="PAY_REFUND", provider_item_id="RF-UI",
                                        provider_status="REFUND_SUCCESS", headers_json="{}",
                                        body="{}", signature_valid=True, outcome="refund_success",
                                        received_at=NOW))
        uow.commit()
    at = open_orders(signed_in_app, order="UI0002")
    assert any("Order UI0002" in h.value for h in at.subheader)
    markdown = "\n".join(m.value for m in at.markdown)
    assert "Order created" in markdown and "Paid" in markdown and "Refund requested" in markdown
    assert "Refund succeeded" in markdown and "Refund success" not in markdown
    # Provider notices read as words, never as the provider's codes.
    assert "**Refund succeeded (webhook)**" in markdown
    assert "PAY_REFUND" not in markdown and "REFUND_SUCCESS" not in markdown
    captions = "\n".join(c.value for c in at.caption)
    assert "2.00 USDT · Customer · RF-UI" in captions  # money formatted, reason as a word
    assert "{" not in captions and "00000 " not in captions
    [refunds] = [df.value for df in at.dataframe if "Refund id" in df.value.columns]
    assert list(refunds["Status"]) == ["Refunded"]
    values = {v for df in at.dataframe if "Value" in df.value.columns for v in df.value["Value"]}
    assert {"PRE0002", "buyer2@example.com"} <= values
    fields = {r["Field"]: r["Value"] for df in at.dataframe if "Field" in df.value.columns
              for r in df.value.to_dict("records")}
    assert fields["Provider"] in ("Binance Pay", "Monetix") and "_" not in fields["Provider"]
    assert fields["Product type"] in ("Virtual goods", "Physical goods", "—")
    assert fields["Status"] == "Paid"  # the word only, not 'Paid (PAID)'
    assert fields["Provider status"] == "Pay success"  # the provider's own word, as words
    # Hiding the detail panel is not "Close order", which closes an unpaid order at the provider.
    assert at.button(key="orders_close_detail").label == "Hide these details"
    assert not [b for b in at.button if b.label == "Close order"]
    at.button(key="orders_close_detail").click().run()
    assert "order" not in at.query_params


def test_selecting_a_row_opens_that_order(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict]
) -> None:
    at = open_orders(signed_in_app)
    at.session_state["orders_table"] = {"selection": {"rows": [3], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert any("Order UI0003" in h.value for h in at.subheader)
    assert param(at, "order").isdigit()


def test_overview_links_a_status_and_a_day_to_the_filtered_list(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict]
) -> None:
    at = signed_in_app("viewer")
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    links = [element.proto for element in at.get("page_link")]
    paid = next(link for link in links if link.label.startswith("Paid"))
    assert "status=PAID" in paid.query_string and "from=" in paid.query_string
    assert paid.page == "orders" and paid.label == "Paid · 30 orders"
    assert any("currency=" in link.query_string and "to=" in link.query_string for link in links)


def test_coming_back_from_another_page_keeps_the_view(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict]
) -> None:
    at = open_orders(signed_in_app)
    at.multiselect(key="of_currency").set_value(["BTC"]).run()
    at.switch_page("app_pages/overview.py").run()
    at.query_params.clear()  # the sidebar link to Orders names no view
    at.switch_page(ORDERS_PAGE).run()
    assert not at.exception, at.exception
    assert at.multiselect(key="of_currency").value == ["BTC"]
    assert all(value.endswith(" BTC") for value in table(at)["Amount"])
    assert param(at, "currency") == "BTC"


def test_the_count_never_contradicts_the_rows_after_an_order_changes(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict], ui_services: Services
) -> None:
    at = open_orders(signed_in_app, q="UI0002")
    assert len(table(at)) == 1
    assert "**1** order matches" in at.caption[0].value
    assert any(e.label == "Export this order" for e in at.expander)
    # A refund moves the order out of a status filter while the count is still cached.
    at.multiselect(key="of_status").set_value(["PAID"]).run()
    with ui_services.uow() as uow:
        order = uow.session.exec(select(Order).where(Order.merchant_order_id == "UI0002")).one()
        order.status = "REFUNDED"
        uow.commit()
    at.multiselect(key="of_status").set_value(["EXPIRED"]).run()
    at.multiselect(key="of_status").set_value(["PAID"]).run()
    assert not at.exception, at.exception
    assert "**0** orders match" in at.caption[0].value
    assert not [e for e in at.expander if "1 orders" in e.label]


def test_filters_sit_on_the_page_and_clear_in_one_click(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict]
) -> None:
    at = open_orders(signed_in_app, currency="BTC", status="PAID", min="12")
    # Not under the navigation in the sidebar (out of sight there, and folded away at 800 px).
    in_sidebar = [w.key for kind in ("multiselect", "text_input", "date_input", "time_input")
                  for w in getattr(at.sidebar, kind)]
    assert not [key for key in in_sidebar if str(key).startswith("of_")], in_sidebar
    assert {m.key for m in at.main.multiselect} >= {"of_status", "of_currency", "of_provider"}
    assert not at.button(key="orders_clear").disabled
    at.button(key="orders_clear").click().run()
    assert not at.exception, at.exception
    assert len(table(at)) == 50 and "**60** orders match" in at.caption[0].value
    assert "currency" not in at.query_params and "min" not in at.query_params
    assert at.button(key="orders_clear").disabled


def test_default_columns_carry_the_currency_in_each_amount(
    signed_in_app: Callable[[str], AppTest], seeded: list[dict]
) -> None:
    at = open_orders(signed_in_app)
    assert list(table(at).columns) == ["Created", "Order ID", "Status", "Amount",
                                       "Refunded", "Customer email"]
    amounts = list(table(at)["Amount"])
    assert all(a.endswith((" BTC", " USDT")) for a in amounts)
    # One number of decimals per currency in the column.
    usdt_places = {len(a.split(" ")[0].split(".")[1]) for a in amounts if a.endswith("USDT")}
    assert len(usdt_places) == 1
