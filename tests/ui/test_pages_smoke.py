"""Every page each role can reach renders without an exception, on a store with demo data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import sections_for
from services.core.access import ALL_ROLES
from services.entrypoints.bootstrap import Services
from services.demo.data import seed_demo_data


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_every_page_in_the_role_menu_renders(
    role: str, signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    seed_demo_data(ui_services, orders=800, days=30, seed=11)
    at = signed_in_app(role)
    for section in sections_for(role):
        at.switch_page(f"app_pages/{section.file}").run()
        assert not at.exception, f"{section.title} as {role}: {at.exception}"
        assert at.title and section.title in at.title[0].value, (
            f"{section.title} as {role} shows {[t.value for t in at.title]}"
        )
        for frame in at.dataframe:
            cells = frame.value.astype(str).to_numpy().ravel().tolist()
            # Empty cells read as a dash; details as text, never raw JSON or Python reprs.
            assert "None" not in cells and "nan" not in cells, f"{section.title}: {cells[:20]}"
            assert not [c for c in cells if c.startswith(("{", "[{"))], section.title
            # Counts read "1 refund" / "2 contracts", never "refund(s)".
            texts = [c.value for c in at.caption] + [m.value for m in at.markdown]
            assert not [t for t in texts if "(s)" in t], section.title


def test_settings_show_the_refund_threshold_of_each_currency(
    signed_in_app: Callable[[str], AppTest],
) -> None:
    at = signed_in_app("admin")
    at.switch_page("app_pages/settings.py").run()
    assert not at.exception
    settings = at.dataframe[0].value
    values = dict(zip(settings["Setting"], settings["Value"], strict=True))
    assert values["Refund approval above"].startswith("1,000.00 in the order's currency")
    assert "0.01 BTC" in values["Refund approval above, per currency"]
    assert "0.25 ETH" in values["Refund approval above, per currency"]
    assert any("0.01 BTC" in c.value and "in the order's currency" in c.value
               for c in at.caption)
