"""Chromium journey: an operator signs in, opens a paid order, refunds part of it through the
confirmation dialog, and finds the refund on the Refunds page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlmodel import select

from data import migrate
from data.models import Order, Refund
from services.entrypoints.bootstrap import build_services
from services.identity.users import ensure_demo_users
from tests.conftest import settings_for
from tests.e2e.conftest import StreamlitServer, choose_option, sign_in_as, wait_for_app_idle

SCREENSHOT = Path(__file__).resolve().parent / "screenshots" / "refund.png"
TRADE_NO = "E2EREFUND0001"


def _seed(url: str) -> None:
    services = build_services(settings_for(url))
    ensure_demo_users(services)
    now = datetime.now(UTC)
    with services.uow() as uow:
        uow.session.add(Order(merchant_order_id=TRADE_NO, provider_order_id="8300000000000000001",
                              amount=Decimal("80"), currency="USDT", status="PAID",
                              product_name="Annual plan", created_at=now - timedelta(hours=3),
                              paid_at=now - timedelta(hours=3)))
        uow.commit()
    services.engine.dispose()


def _refunds(url: str) -> list[tuple[Decimal, str]]:
    services = build_services(settings_for(url))
    try:
        with services.uow() as uow:
            return [(r.amount, r.status) for r in uow.session.exec(select(Refund)).all()]
    finally:
        services.engine.dispose()


def test_operator_refunds_part_of_an_order(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'refund.db'}"
    migrate.upgrade(url)
    _seed(url)
    server = streamlit_server(env={"DATABASE_URL": url})
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    try:
        sign_in_as(page, server.url, "operator")
        page.get_by_test_id("stSidebarNav").get_by_text("Orders").click()
        wait_for_app_idle(page)
        opener = page.get_by_label("Open an order by number, order ID or provider order ID")
        opener.fill(TRADE_NO)
        opener.press("Enter")
        wait_for_app_idle(page)
        expect(page.get_by_text("Still refundable", exact=True)).to_be_visible()

        amount = page.get_by_label("Amount (USDT)")
        amount.fill("25.5")
        amount.press("Enter")
        wait_for_app_idle(page)
        choose_option(page, "Reason", "Duplicate payment")  # never chosen for the user
        page.get_by_role("button", name="Refund…").click()
        wait_for_app_idle(page)
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("25.50 USDT")).to_be_visible()
        assert _refunds(url) == []  # nothing moved before the confirmation
        dialog.get_by_role("button", name="Yes, refund").click()
        wait_for_app_idle(page)
        expect(page.get_by_text("accepted")).to_be_visible()
        assert _refunds(url) == [(Decimal("25.5"), "REFUNDING")]
        expect(page.get_by_text("54.50 USDT").first).to_be_visible()

        page.get_by_test_id("stSidebarNav").get_by_text("Refunds").click()
        wait_for_app_idle(page)
        expect(page.get_by_text("1 refund match")).to_be_visible()
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    finally:
        page.close()
