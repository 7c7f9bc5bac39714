"""Chromium journey: filter the orders, open one, export the filtered rows, read the file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import insert

from data import migrate
from data.models import Order
from services.entrypoints.bootstrap import build_services
from services.identity.users import ensure_demo_users
from tests.conftest import settings_for
from tests.e2e.conftest import StreamlitServer, sign_in_as, wait_for_app_idle

SCREENSHOT = Path(__file__).resolve().parent / "screenshots" / "orders.png"


def _seed(url: str) -> Decimal:
    services = build_services(settings_for(url))
    ensure_demo_users(services)
    now = datetime.now(UTC).replace(microsecond=0)
    rows, paid_total = [], Decimal(0)
    for i in range(90):
        paid = i % 3 == 0
        amount = Decimal("19.99") + i
        created = now - timedelta(hours=i)
        rows.append({
            "merchant_order_id": f"E2E{'P' if paid else 'X'}{i:04d}", "provider_order_id": f"PP{i:06d}",
            "amount": amount, "currency": "USDT", "status": "PAID" if paid else "EXPIRED",
            "provider": "binance_pay", "customer_email": f"c{i}@example.com",
            "product_name": "=cmd|' /C calc'!A0" if i == 3 else f"Plan {i}",
            "refunded_amount": Decimal(0), "created_at": created, "updated_at": created,
            "paid_at": created + timedelta(minutes=1) if paid else None,
        })
        paid_total += amount if paid else 0
    with services.uow() as uow:
        uow.session.execute(insert(Order), rows)
        uow.commit()
    services.engine.dispose()
    return paid_total


def test_filter_open_and_export_orders(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    migrate.upgrade(url)
    paid_total = _seed(url)
    server = streamlit_server(env={"DATABASE_URL": url})
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        sign_in_as(page, server.url, "viewer")
        page.get_by_test_id("stSidebarNav").get_by_text("Orders").click()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
        expect(page.get_by_text("90 orders match")).to_be_visible()

        search = page.get_by_role("textbox", name="Search")
        search.fill("E2EP")
        search.press("Enter")
        wait_for_app_idle(page)
        expect(page.get_by_text("30 orders match")).to_be_visible()
        expect(page).to_have_url(re.compile(r"[?&]q=E2EP"))

        opener = page.get_by_label("Open an order by number, order ID or provider order ID")
        opener.fill("E2EP0003")
        opener.press("Enter")
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name="Order E2EP0003")).to_be_visible()
        expect(page.get_by_text("Order created")).to_be_visible()
        expect(page).to_have_url(re.compile(r"[?&]order=E2EP0003"))

        # The export holds the columns on screen; Product is one of "Columns", not a default.
        columns = page.get_by_test_id("stMultiSelect").filter(has_text="Columns")
        columns.get_by_role("combobox").click()
        columns.get_by_role("combobox").fill("Product")
        page.get_by_role("option", name="Product", exact=True).click()
        page.keyboard.press("Escape")
        wait_for_app_idle(page)
        page.get_by_text("Export these 30 orders").click()
        with page.expect_download() as info:
            page.get_by_role("button", name="Download CSV (30 rows)").click()
        target = tmp_path / "downloaded.csv"
        info.value.save_as(target)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    except Exception:
        page.screenshot(path=str(server.log_path.with_suffix(".png")), full_page=True)
        print(server.log())
        raise
    finally:
        page.close()

    table = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(table) == 30
    assert {r["Order ID"][:4] for r in table} == {"E2EP"}
    assert sum(Decimal(r["Amount"]) for r in table) == paid_total
    assert "Created (UTC)" in table[0]
    formula = next(r["Product"] for r in table if r["Order ID"] == "E2EP0003")
    assert formula.startswith("'=")
