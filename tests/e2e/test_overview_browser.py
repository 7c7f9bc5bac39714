"""Chromium: the Overview shows the KPI values the service computes, a chart, and no error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from data import migrate
from services.core.access import Actor
from services.entrypoints.bootstrap import build_services
from services.demo.data import seed_demo_data
from services.orders.overview import default_range, get_overview
from services.identity.users import ensure_demo_users
from tests.conftest import settings_for
from tests.e2e.conftest import StreamlitServer, sign_in_as

SCREENSHOT = Path(__file__).resolve().parent / "screenshots" / "overview.png"


def test_overview_in_chromium_shows_the_service_kpis(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'overview.db'}"
    migrate.upgrade(url)
    services = build_services(settings_for(url))
    ensure_demo_users(services)
    seed_demo_data(services, orders=5000, days=90, seed=42)
    start, end = default_range(services, days=30)
    expected = get_overview(services, Actor(user_id=None, username="test", role="viewer"), start=start, end=end)
    services.engine.dispose()

    server = streamlit_server(env={"DATABASE_URL": url})
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        sign_in_as(page, server.url, "viewer")

        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        paid_tile = page.get_by_test_id("stMetric").filter(has_text="Paid orders")
        expect(paid_tile).to_contain_text(f"{expected.current.paid_orders:,}")
        created_tile = page.get_by_test_id("stMetric").filter(has_text="Orders created")
        expect(created_tile).to_contain_text(f"{expected.current.orders:,}")
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=15_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_text('{"')).to_have_count(0)  # no raw JSON anywhere
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    except Exception:
        page.screenshot(path=str(server.log_path.with_suffix(".png")), full_page=True)
        print(server.log())
        raise
    finally:
        page.close()
