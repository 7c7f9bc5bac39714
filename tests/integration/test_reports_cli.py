"""`paydesk reports run` and `paydesk sync`: the worker writes due reports and records alerts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.desk import scheduled_reports as reports
from services.core.access import Actor, cli_actor
from services.entrypoints.bootstrap import Services
from services.entrypoints.cli import main
from services.core.config import get_settings
from services.identity.users import create_user


@pytest.fixture
def cli_env(sqlite_url: str, sqlite_services: Services, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PAYDESK_MODE", "sandbox")
    monkeypatch.setenv("PAYDESK_REPORTS_DIR", str(tmp_path / "reports"))
    get_settings.cache_clear()
    yield sqlite_services
    get_settings.cache_clear()


def _schedule(services: Services) -> None:
    view = create_user(services, cli_actor("t"), username="fiona", role="viewer",
                       password="a long enough secret")
    reports.create_schedule(services, Actor(view.id, "fiona", "viewer"), report="settlement",
                            time_of_day="00:00")


def test_reports_run_writes_the_due_report_once(cli_env: Services, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    _schedule(cli_env)
    assert main(["reports", "run"]) == 0
    assert "reports: 1 written" in capsys.readouterr().out
    assert len(list((tmp_path / "reports").glob("settlement-*.csv"))) == 1
    assert main(["reports", "run"]) == 0
    assert "reports: 0 written" in capsys.readouterr().out


def test_a_sync_pass_also_does_the_desk_work(cli_env: Services, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _schedule(cli_env)
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "sync:" in out and "desk: alerts: 0 new, 0 delivered; reports: 1 written" in out
