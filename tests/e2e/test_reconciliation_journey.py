"""Chromium journey: an approver runs a reconciliation for last month and downloads the summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from data import migrate
from services.entrypoints.bootstrap import build_services
from services.demo import statement_simulation as simulate
from services.identity.users import ensure_demo_users
from tests.conftest import settings_for
from tests.e2e.conftest import StreamlitServer, sign_in_as, wait_for_app_idle


def test_run_reconciliation_and_download_the_summary(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'recon.db'}"
    migrate.upgrade(url)
    services = build_services(settings_for(url))
    ensure_demo_users(services)
    # The page proposes last month (UTC here); seed exactly that month.
    last_month = (datetime.now(UTC).date().replace(day=1) - timedelta(days=1)).replace(day=1)
    simulate.seed_sample_month(services, last_month, orders=20)
    services.engine.dispose()
    server = streamlit_server(env={"DATABASE_URL": url, "PAYDESK_TIMEZONE": "UTC"})
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    try:
        sign_in_as(page, server.url, "approver")
        page.get_by_test_id("stSidebarNav").get_by_text("Reconciliation").click()
        wait_for_app_idle(page)
        expect(page.get_by_role("heading", name="Reconciliation", exact=True)).to_be_visible()
        page.get_by_text("Sandbox: build the provider statement").click()
        wait_for_app_idle(page)
        page.get_by_role("button", name="Run reconciliation").click()
        wait_for_app_idle(page, timeout_ms=30_000)
        expect(page.get_by_text("still unresolved")).to_be_visible()
        expect(page.get_by_test_id("stMetric").filter(has_text="Duplicate")).to_contain_text("1")
        with page.expect_download() as info:
            page.locator(".st-key-recon_dl_summary_csv button").first.click()
        target = tmp_path / "summary.csv"
        info.value.save_as(target)
        assert info.value.suggested_filename.startswith("summary_")
        expect(page.get_by_test_id("stException")).to_have_count(0)
    except Exception:
        page.screenshot(path=str(server.log_path.with_suffix(".png")), full_page=True)
        print(server.log())
        raise
    finally:
        page.close()

    table = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    totals = {r["Currency"]: r for r in table if r["Day"] == "Total"}
    days = [r for r in table if r["Day"] != "Total"]
    assert set(totals) == {"USDT", "USDC"} and days
    for currency, total in totals.items():
        mine = [r for r in days if r["Currency"] == currency]
        for column in ("Gross paid", "Refunds", "Payouts", "Debits", "Fees", "Net (PayDesk)",
                       "Net (provider)", "Difference"):
            if column not in total:  # left out: no row states it
                continue
            if any(r[column] == "" for r in mine):  # not stated on a row: no total either
                assert total[column] == "", column
                continue
            assert Decimal(total[column]) == sum((Decimal(r[column]) for r in mine), Decimal(0))
    assert Decimal(totals["USDT"]["Difference"]) != 0  # the injected breaks show in the money
