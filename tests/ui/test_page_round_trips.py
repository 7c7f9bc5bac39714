"""Leaving a page and coming back works for every page and every role.

Streamlit drops a widget's state when a run does not draw it, so a page that reads its widgets
through st.session_state before drawing them crashed on the way back (Orders -> Overview -> Orders
raised `st.session_state has no attribute "of_currency"`, and so did every later click).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.navigation import Section, sections_for
from services.core.access import ALL_ROLES
from services.entrypoints.bootstrap import Services
from services.demo.data import seed_demo_data


def _visit(at: AppTest, section: Section, role: str, step: str) -> None:
    at.switch_page(f"app_pages/{section.file}").run()
    assert not at.exception, f"{section.title} as {role} ({step}): {at.exception}"
    assert at.title and section.title in at.title[0].value, (
        f"{section.title} as {role} ({step}) shows {[t.value for t in at.title]}"
    )


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_every_page_survives_leaving_and_coming_back(
    role: str, signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    seed_demo_data(ui_services, orders=300, days=10, seed=5)
    at = signed_in_app(role)
    sections = sections_for(role)
    for section in sections:
        elsewhere = next(s for s in sections if s != section)
        _visit(at, section, role, "visit")
        _visit(at, elsewhere, role, f"left for {elsewhere.title}")
        _visit(at, section, role, "came back")
        at.run()  # the next click on the page it came back to
        assert not at.exception, f"{section.title} as {role} (a click after coming back)"
    # And the whole menu a second time, in order, as a day's work does it.
    for section in sections:
        _visit(at, section, role, "second round")
