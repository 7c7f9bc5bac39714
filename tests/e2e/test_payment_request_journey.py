"""Chromium journey: an operator creates a payment request, sees its QR code (served by this app,
not a QR service), simulates the customer paying in the sandbox, and the page turns Paid by
itself (the status fragment follows the order)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlmodel import select

from data.models import Order
from services.entrypoints.bootstrap import build_services
from tests.conftest import settings_for
from tests.e2e.conftest import StreamlitServer, sign_in_as, wait_for_app_idle

SCREENSHOT = Path(__file__).resolve().parent / "screenshots" / "payment_request.png"


def test_operator_creates_a_request_and_the_customer_pays(
    streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    server = streamlit_server()
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        sign_in_as(page, server.url, "operator")
        page.get_by_test_id("stSidebarNav").get_by_text("Payment requests").click()
        wait_for_app_idle(page)

        page.get_by_label("Amount", exact=True).fill("19.99")
        page.get_by_label("Product", exact=True).fill("Gift card")
        page.get_by_label("Customer email").fill("buyer@example.com")
        page.get_by_role("button", name="Create payment request").click()
        wait_for_app_idle(page)
        expect(page.get_by_text("share the link or QR code")).to_be_visible()
        qr = page.get_by_test_id("stImage").locator("img")
        expect(qr).to_be_visible()
        source = qr.get_attribute("src") or ""
        assert source.startswith(("/media/", server.url)), source
        expect(page.get_by_text("expires in")).to_be_visible()

        page.get_by_role("button", name="Simulate the customer paying").click()
        # No click from here: the fragment polls every 2 s and redraws the page once paid.
        expect(page.get_by_text("Paid at")).to_be_visible(timeout=20_000)
        expect(page.get_by_role("button", name="Close this unpaid order…")).to_have_count(0)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    finally:
        page.close()


def test_a_double_click_creates_one_request_and_empties_the_form(
    streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    server = streamlit_server()
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        sign_in_as(page, server.url, "operator")
        page.get_by_test_id("stSidebarNav").get_by_text("Payment requests").click()
        wait_for_app_idle(page)

        page.get_by_label("Amount", exact=True).fill("7.5")
        page.get_by_label("Product", exact=True).fill("Double click")
        page.get_by_label("Customer email").fill("twice@example.com")
        page.get_by_role("button", name="Create payment request").dblclick()
        wait_for_app_idle(page)
        page.wait_for_timeout(1500)
        wait_for_app_idle(page)
        expect(page.get_by_text("share the link or QR code")).to_be_visible()
        expect(page.get_by_label("Amount", exact=True)).to_have_value("")
        expect(page.get_by_label("Product", exact=True)).to_have_value("")
        services = build_services(settings_for(server.database_url))
        with services.uow() as uow:
            made = uow.session.exec(select(Order).where(Order.product_name == "Double click"))
            assert len(made.all()) == 1
        services.engine.dispose()
    finally:
        page.close()


def test_a_juicyway_request_asks_who_pays_and_turns_paid_once_juicyway_confirms(
    streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    """Another route to Binance Pay: the operator picks Juicyway, which must know the payer;
    its webhook is only a hint, so the page turns Paid once a query has confirmed it."""
    server = streamlit_server()
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    try:
        sign_in_as(page, server.url, "operator")
        page.get_by_test_id("stSidebarNav").get_by_text("Payment requests").click()
        wait_for_app_idle(page)
        expect(page.get_by_label("Customer first name")).to_have_count(0)  # Binance Pay: none
        page.get_by_text("Juicyway", exact=True).click()
        wait_for_app_idle(page)

        page.get_by_label("Amount", exact=True).fill("25")
        page.get_by_label("Product", exact=True).fill("Course seat")
        page.get_by_label("Customer email").fill("tolu@example.com")
        page.get_by_label("Customer first name").fill("Tolu")
        page.get_by_label("Customer last name").fill("Adebayo")
        page.get_by_label("Customer phone").fill("+234 801 234 5678")
        page.get_by_label("Customer country").fill("NG")
        page.get_by_role("button", name="Create payment request").click()
        wait_for_app_idle(page)
        expect(page.get_by_text("share the link or QR code")).to_be_visible()
        expect(page.get_by_text("Through Juicyway")).to_be_visible()

        page.get_by_role("button", name="Simulate the customer paying").click()
        # Juicyway's news names no payment time, so the status is what turns.
        expect(page.locator("strong").filter(has_text=re.compile(r"^Paid$"))).to_be_visible(
            timeout=30_000)
        expect(page.get_by_role("button", name="Close this unpaid order…")).to_have_count(0)
        expect(page.get_by_test_id("stException")).to_have_count(0)
    finally:
        page.close()
    services = build_services(settings_for(server.database_url))
    with services.uow() as uow:
        order = uow.session.exec(select(Order).where(Order.product_name == "Course seat")).one()
        assert (order.provider, order.status, order.customer_phone) == (
            "juicyway", "PAID", "+2348012345678")
    services.engine.dispose()
