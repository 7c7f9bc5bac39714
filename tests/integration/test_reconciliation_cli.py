"""`paydesk reconcile`: reports written, exit 1 while breaks remain, 0 once all are explained."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.entrypoints.cli import main
from services.core.config import get_settings
from services.reconciliation import matching as m
from services.reconciliation import runs
from services.demo import statement_simulation as simulate

APPROVER = Actor(user_id=None, username="anton", role="approver")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"


@pytest.fixture
def cli_env(sqlite_url: str, sqlite_services: Services,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PAYDESK_MODE", "sandbox")
    monkeypatch.setenv("PAYDESK_TIMEZONE", "UTC")
    get_settings.cache_clear()
    simulate.seed_sample_month(sqlite_services, date(2026, 3, 1), orders=20)
    yield sqlite_services
    get_settings.cache_clear()


def _statement(services: Services, tmp_path: Path, *, inject: bool) -> Path:
    built = simulate.sandbox_statement(services, date(2026, 3, 1), date(2026, 3, 31),
                                       inject=inject)
    path = tmp_path / ("injected.csv" if inject else "clean.csv")
    path.write_bytes(built.content)
    return path


def test_clean_statement_exits_0_and_writes_every_report(cli_env: Services,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["reconcile", "--from", "2026-03-01", "--to", "2026-03-31",
                 "--statement", str(_statement(cli_env, tmp_path, inject=False)),
                 "--out", str(out)])
    assert code == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 8 and not [n for n in names if n.endswith(".partial")]
    assert "summary_2026-03-01_2026-03-31.xlsx" in names


def test_breaks_exit_1_until_resolved(cli_env: Services, tmp_path: Path) -> None:
    statement = str(_statement(cli_env, tmp_path, inject=True))
    args = ["reconcile", "--from", "2026-03-01", "--to", "2026-03-31", "--statement", statement,
            "--out", str(tmp_path / "out")]
    assert main(args) == 1
    run = runs.list_runs(cli_env, APPROVER)[0]
    for item in runs.list_items(cli_env, APPROVER, run.id, classes=list(m.BREAKS)):
        runs.resolve_item(cli_env, APPROVER, item.id, "explained in ticket ACC-7")
    assert main(args) == 0  # the same statement again: recognised, breaks already explained


def test_bad_input_exits_non_zero(cli_env: Services, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reconcile", "--from", "2026-03-31", "--to", "2026-03-01",
                 "--out", str(tmp_path)]) == 1
    assert "ends before it starts" in capsys.readouterr().err
    bad = FIXTURES / "unknown_type.csv"
    assert main(["reconcile", "--from", "2026-03-01", "--to", "2026-03-31", "--statement",
                 str(bad), "--out", str(tmp_path)]) == 1
    assert "line 3" in capsys.readouterr().err
