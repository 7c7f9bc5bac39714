"""AppTest of the Overview: the tiles show what the service computes; empty and custom ranges."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from dashboard.components.formatting import format_tile_amount
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.demo.data import seed_demo_data
from services.orders.overview import default_range, get_overview

VIEWER = Actor(user_id=None, username="test", role="viewer")


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_tiles_equal_the_service_figures(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    seed_demo_data(ui_services, orders=3000, days=60, seed=3)
    at = signed_in_app("viewer")
    assert not at.exception
    assert at.title[0].value == "Overview"

    start, end = default_range(ui_services, days=30)
    expected = get_overview(ui_services, VIEWER, start=start, end=end)
    assert expected.current.paid_orders > 0
    assert _metric(at, "Paid orders") == f"{expected.current.paid_orders:,}"
    assert _metric(at, "Orders created") == f"{expected.current.orders:,}"
    top = expected.currencies[0]
    assert _metric(at, f"Gross {top.currency}") == format_tile_amount(top.gross, top.currency)
    assert any("compared with" in c.value and "UTC" in c.value for c in at.caption)
    assert at.selectbox(key="overview_chart_currency").value == top.currency
    # The period's tiles come first; the wallet balances used to push them below the fold.
    order = _in_order(at.main)
    assert order.index("metric:Paid orders") < order.index("button:overview_balances_refresh")
    assert order.index(f"metric:Gross {top.currency}") < order.index(
        "button:overview_balances_refresh")


def _in_order(block) -> list[str]:  # type: ignore[no-untyped-def]
    """Every metric and button of the page, top to bottom, as 'metric:label' / 'button:key'."""
    found: list[str] = []
    for child in getattr(block, "children", {}).values():
        if child.type == "metric":
            found.append(f"metric:{child.label}")
        elif child.type == "button":
            found.append(f"button:{child.key}")
        found.extend(_in_order(child))
    return found


def test_an_empty_store_says_so_instead_of_showing_zeros(
    signed_in_app: Callable[[str], AppTest],
) -> None:
    at = signed_in_app("viewer")
    assert not at.exception
    assert any("No orders in this period" in i.value for i in at.info)
    assert not at.metric


def test_a_custom_range_asks_for_its_end_then_shows_figures(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    seed_demo_data(ui_services, orders=1000, days=20, seed=5)
    at = signed_in_app("viewer")
    at.session_state["overview_preset"] = "Custom"
    at.run()
    assert not at.exception
    start, end = default_range(ui_services, days=7)
    at.date_input(key="overview_range").set_value((start, end)).run()
    assert not at.exception
    expected = get_overview(ui_services, VIEWER, start=start, end=end)
    assert _metric(at, "Paid orders") == f"{expected.current.paid_orders:,}"


def test_today_is_charted_hour_by_hour(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    import json

    seed_demo_data(ui_services, orders=3000, days=10, seed=4)
    at = signed_in_app("viewer")
    at.segmented_control(key="overview_preset").set_value("Today").run()
    assert not at.exception, at.exception
    assert "Paid volume by hour" in [s.value for s in at.subheader]
    today = default_range(ui_services, days=1)[0]
    expected = get_overview(ui_services, VIEWER, start=today, end=today)
    chosen = at.selectbox(key="overview_chart_currency").value
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = spec["data"][0]
    # Hours on the axis, not a lone day bar with ticks at '23:59:59.9996'.
    assert spec["layout"]["xaxis"]["tickformat"] == "%H:%M"
    assert [x[11:16] for x in bars["x"]] == [
        h.hour.strftime("%H:%M") for h in expected.hourly if h.currency == chosen]
