"""Browser fixtures: a real `streamlit run` on a free port and Debian's Chromium via Playwright.

    def test_x(streamlit_server, browser):
        server = streamlit_server()                      # sandbox store in a temp dir
        page = browser.new_page()
        page.goto(server.url); wait_for_app_idle(page)

`streamlit_server(env={...})` adds environment variables (e.g. a DATABASE_URL you prepared);
without one it migrates a fresh temp SQLite store. Servers stop at the end of the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from data import migrate

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]
START_TIMEOUT_S = 30


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StreamlitServer:
    url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _wait_healthy(server: StreamlitServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited early:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=1) as answer:
                if answer.read().decode() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not become healthy in {START_TIMEOUT_S}s:\n{server.log()}")


@pytest.fixture
def streamlit_server(tmp_path: Path) -> Iterator[Callable[..., StreamlitServer]]:
    """Factory: `streamlit_server(env=None, script="dashboard/app.py")` -> a running server."""
    started: list[StreamlitServer] = []

    def start(
        env: dict[str, str] | None = None, script: str = "dashboard/app.py"
    ) -> StreamlitServer:
        extra = dict(env or {})
        if "DATABASE_URL" not in extra:
            extra["DATABASE_URL"] = f"sqlite:///{tmp_path / f'e2e-{len(started)}.db'}"
            migrate.upgrade(extra["DATABASE_URL"])
        extra.setdefault("PAYDESK_MODE", "sandbox")
        port = free_port()
        log_path = tmp_path / f"streamlit-{port}.log"
        environment = {**os.environ, **extra}
        # A file, not a pipe: a full pipe buffer would block the server.
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / script),
                 "--server.headless", "true", "--server.port", str(port),
                 "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none", "--global.developmentMode", "false"],
                cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
            )
        server = StreamlitServer(f"http://127.0.0.1:{port}", extra["DATABASE_URL"], log_path,
                                 process)
        started.append(server)
        _wait_healthy(server)
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


# Module scope: Playwright's sync API keeps an asyncio loop running on the main thread while it
# is open, and a session-long one would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `apt-get install -y chromium` to run browser tests")
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait for the page to catch up: 5 s was too short on a loaded CI machine.
    expect.set_options(timeout=30_000)

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


def wait_for_app_idle(page: Any, timeout_ms: int = 60_000) -> None:
    """Connected, script finished, no skeletons: what Streamlit's own e2e suite waits for."""
    # Generous: on a loaded CI machine a sign-in run alone can take longer than 15 s.
    from playwright.sync_api import expect

    page.wait_for_timeout(250)  # the frontend debounces the run state
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout_ms)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout_ms)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout_ms)
    page.wait_for_timeout(100)


def sign_in_as(page: Any, url: str, username: str) -> None:
    """Open the app and sign in through the form as a sandbox demo user (password = username)."""
    page.goto(url)
    wait_for_app_idle(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(username)
    page.get_by_role("button", name="Sign in").click()
    wait_for_app_idle(page)



try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
except ImportError:  # no Playwright: the browser tests skip before they get here
    PlaywrightTimeoutError = TimeoutError  # type: ignore[misc,assignment]


def open_section(page: Any, title: str) -> None:
    """Click `title` in the navigation, first unfolding the sidebar when the app folded it away
    (it does at 1200 px and narrower, see dashboard/components/chrome.py). On a loaded machine
    the fold can land while the sidebar slides in: then unfold and try again."""
    sidebar = page.get_by_test_id("stSidebar")
    entry = page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True)
    for attempt in range(4):
        if sidebar.get_attribute("data-collapsed") == "true":
            page.get_by_test_id("stExpandSidebarButton").click()
            page.wait_for_timeout(300 * (attempt + 1))  # the sidebar slides in
        try:
            entry.click(timeout=10_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 3:
                raise
    wait_for_app_idle(page)


def choose_option(page: Any, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label` (a combobox: type, then pick)."""
    box = page.get_by_test_id("stSelectbox").filter(has_text=label)
    box.get_by_role("combobox").click()
    box.get_by_role("combobox").fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app_idle(page)
