"""A working day in Chromium, per role, on what `make run` serves (dashboard/server.py, with the
session cookie): every page of the menu twice (so every page is also left and come back to), a
browser refresh that keeps the session and the page, then every page again at 800 px, where the
sidebar has folded away. Nowhere an exception, an amount cut off, a raw code, 'None' or JSON (see
screen_checks); at 1400 px the Orders list opens with its default columns without scrolling
sideways.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from dashboard.navigation import sections_for
from data import migrate
from services.entrypoints.bootstrap import build_services
from services.demo.data import seed_demo_data
from services.identity.sessions import COOKIE_NAME
from services.identity.users import ensure_demo_users
from tests.conftest import settings_for
from tests.e2e.conftest import StreamlitServer, open_section, sign_in_as, wait_for_app_idle
from tests.e2e.screen_checks import problems_on_screen, sideways_scrolling

SHOTS = Path(__file__).resolve().parent / "screenshots"
ROLES = ("viewer", "operator", "approver", "admin")
SERVER = "dashboard/server.py"  # what `make run` serves: the app plus the session cookie route
SIGN_IN = "Sign in to PayDesk"


def _seed(url: str) -> None:
    migrate.upgrade(url)
    services = build_services(settings_for(url))
    ensure_demo_users(services)
    seed_demo_data(services, orders=2000, days=45, seed=16)
    services.engine.dispose()


def _open(page: Any, title: str) -> None:
    open_section(page, title)
    expect(page.get_by_role("heading", name=title, exact=False).first).to_be_visible(timeout=60_000)


def _look(page: Any, where: str, found: list[str]) -> None:
    page.wait_for_timeout(300)  # grids measure their columns after the run ends
    problems = problems_on_screen(page)
    if problems:
        page.screenshot(path=str(SHOTS / f"day-{where}.png"), full_page=True)
    found.extend(f"{where}: {problem}" for problem in problems)


def _wait_for_cookie(page: Any) -> None:
    # The page hands its sign-in ticket to the cookie route right after sign-in.
    for _ in range(100):
        if any(c["name"] == COOKIE_NAME for c in page.context.cookies()):
            return
        page.wait_for_timeout(100)
    raise AssertionError("no session cookie was set after sign-in")


def test_a_working_day_in_every_role(
    tmp_path: Path, streamlit_server: Callable[..., StreamlitServer], browser: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'day.db'}"
    _seed(url)
    server = streamlit_server(env={"DATABASE_URL": url}, script=SERVER)
    SHOTS.mkdir(exist_ok=True)
    found: list[str] = []
    for role in ROLES:
        titles = [s.title for s in sections_for(role)]
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            sign_in_as(page, server.url, role)
            _wait_for_cookie(page)
            for round_ in (1, 2):
                for title in titles:
                    _open(page, title)
                    _look(page, f"{role} {title} (round {round_})", found)
                    if title == "Orders":
                        found.extend(f"{role} Orders at 1400 px scrolls sideways: {wide}"
                                     for wide in sideways_scrolling(page))

            # A refresh keeps the session and the page it was on (issue 16, point 2).
            _open(page, "Orders")
            page.reload()
            wait_for_app_idle(page)
            expect(page.get_by_role("heading", name=SIGN_IN)).to_have_count(0)
            expect(page.get_by_text(f"Signed in as {role}")).to_be_visible()
            expect(page.get_by_role("heading", name="Orders").first).to_be_visible()
            _look(page, f"{role} after refresh", found)

            page.set_viewport_size({"width": 800, "height": 1000})
            # Narrow: the sidebar folds away, the page gets the width.
            expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
            for title in titles:
                _open(page, title)
                expect(page.get_by_test_id("stSidebar")).to_have_attribute(
                    "data-collapsed", "true")  # folded again after choosing the page
                _look(page, f"{role} {title} (800 px)", found)
                found.extend(f"{role} {title} at 800 px: {wide}"
                             for wide in sideways_scrolling(page) if wide.startswith("the page"))
            assert "Traceback" not in server.log(), server.log()[-3000:]
        except Exception:
            page.screenshot(path=str(server.log_path.with_suffix(f".{role}.png")), full_page=True)
            print(server.log()[-5000:])
            raise
        finally:
            context.close()
    assert found == [], "\n".join(found)
