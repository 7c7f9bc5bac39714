"""Chromium at 1400, 1024 and 800 px: every amount on the Overview, the refund panel and dialog,
and the payout tables is shown whole and equals the service's figure.

Caught before: KPI tiles reading '9,…', the refund panel '1,653.48…', and a payout column that
showed '80.00 USDT' for 1,280.00 (a right-aligned amount in a column sized from other rows).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from dashboard.components.formatting import format_money, format_tile_amount
from data import migrate
from data.models import Order, PayoutBatch, PayoutLine
from services.core.access import Actor
from services.entrypoints.bootstrap import build_services
from services.demo.data import seed_demo_data
from services.orders.overview import Overview, default_range, get_overview
from services.identity.users import ensure_demo_users
from tests.conftest import settings_for
from tests.e2e.conftest import (
    StreamlitServer,
    choose_option,
    open_section,
    sign_in_as,
    wait_for_app_idle,
)
from tests.e2e.screen_checks import grid_with, problems_on_screen

SHOTS = Path(__file__).resolve().parent / "screenshots"
TRADE_NO = "E2EWHOLE0001"
ORDER_AMOUNT = Decimal("1653.48")
UPLOAD = "UPWHOLE0001"
# Small amounts first: a column sized from the first rows is too narrow for the last one.
LINE_AMOUNTS = [Decimal("5")] * 39 + [Decimal("1234567.89")]
WIDTHS = (1400, 1024, 800)


def _seed(url: str) -> Overview:
    services = build_services(settings_for(url))
    ensure_demo_users(services)
    seed_demo_data(services, orders=3000, days=60, seed=21)
    now = datetime.now(UTC)
    with services.uow() as uow:
        uow.session.add(Order(merchant_order_id=TRADE_NO, provider_order_id="8300000000000000077",
                              amount=ORDER_AMOUNT, currency="USDT", status="PAID",
                              product_name="Annual plan", created_at=now - timedelta(hours=2),
                              paid_at=now - timedelta(hours=2)))
        batch = PayoutBatch(request_id="PBWHOLE0001", upload_ref=UPLOAD, file_name="big.csv",
                            currency="USDT", total_amount=sum(LINE_AMOUNTS, Decimal(0)),
                            line_count=len(LINE_AMOUNTS), status="SUCCESS",
                            total_fee=Decimal("12.5"), created_at=now, updated_at=now,
                            sent_at=now)
        uow.session.add(batch)
        uow.session.flush()
        assert batch.id is not None
        for number, amount in enumerate(LINE_AMOUNTS, start=2):
            uow.session.add(PayoutLine(
                batch_id=batch.id, file_line=number, merchant_send_id=f"WHOLE{number:04d}",
                receive_type="BINANCE_ID", receiver=f"35{number:07d}", amount=amount,
                currency="USDT", status="SUCCESS", fee=Decimal("0.25")))
        uow.commit()
    start, end = default_range(services, days=30)
    overview = get_overview(services, Actor(user_id=None, username="t", role="viewer"),
                            start=start, end=end)
    services.engine.dispose()
    return overview


def _go(page: Any, section: str) -> None:
    open_section(page, section)  # the sidebar is folded away at 1024 and 800 px


def _whole(page: Any, where: str) -> None:
    page.wait_for_timeout(300)  # the grid re-measures after a resize
    problems = problems_on_screen(page)
    if problems:
        page.screenshot(path=str(SHOTS / f"cut-{where}.png"), full_page=True)
    assert problems == [], f"{where}: {problems}"


def _metric(page: Any, label: str) -> Any:
    return page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True))


def test_no_amount_is_cut_at_any_width(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'whole.db'}"
    migrate.upgrade(url)
    overview = _seed(url)
    server = streamlit_server(env={"DATABASE_URL": url})
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 1000})
    SHOTS.mkdir(exist_ok=True)
    try:
        sign_in_as(page, server.url, "operator")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 1000})
            _go(page, "Overview")
            for kpis in overview.currencies[:4]:
                expect(_metric(page, f"Gross {kpis.currency}")).to_contain_text(
                    format_tile_amount(kpis.gross, kpis.currency))
            table = grid_with(page, "Gross", "Net")
            assert table.column("Gross") == [format_money(k.gross, k.currency)
                                             for k in overview.currencies]
            assert table.column("Net") == [format_money(k.net, k.currency)
                                           for k in overview.currencies]
            _whole(page, f"overview-{width}")
            page.screenshot(path=str(SHOTS / f"overview-{width}.png"), full_page=True)

            _go(page, "Payouts")
            page.get_by_text("Uploads & batches", exact=True).click()
            wait_for_app_idle(page)
            batches = grid_with(page, "Total", "Paid", "Approved by")
            lines = grid_with(page, "Amount", "Receiver")
            total = format_money(sum(LINE_AMOUNTS, Decimal(0)), "USDT")
            assert batches.column("Total") == [total] and batches.column("Paid") == [total]
            assert lines.column("Amount") == [format_money(a, "USDT") for a in LINE_AMOUNTS]
            _whole(page, f"payouts-{width}")
            page.screenshot(path=str(SHOTS / f"payouts-{width}.png"), full_page=True)

            _go(page, "Orders")
            opener = page.get_by_label("Open an order by number, order ID or provider order ID")
            opener.fill(TRADE_NO)
            opener.press("Enter")
            wait_for_app_idle(page)
            for label in ("Paid", "Still refundable"):
                expect(_metric(page, label)).to_contain_text("1,653.48 USDT")
            _whole(page, f"refund-panel-{width}")
            page.get_by_text("Full refund (everything still refundable)").click()
            wait_for_app_idle(page)
            choose_option(page, "Reason", "Duplicate payment")
            page.get_by_role("button", name="Refund…").click()
            wait_for_app_idle(page)
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_text("1,653.48 USDT")).to_be_visible()
            _whole(page, f"refund-dialog-{width}")
            page.screenshot(path=str(SHOTS / f"refund-dialog-{width}.png"), full_page=True)
            dialog.get_by_role("button", name="Cancel").click()
            wait_for_app_idle(page)
    except Exception:
        page.screenshot(path=str(server.log_path.with_suffix(".png")), full_page=True)
        print(server.log())
        raise
    finally:
        page.close()
