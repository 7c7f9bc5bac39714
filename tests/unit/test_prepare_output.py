"""`paydesk prepare` (and so `make run`) never prints the database password."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.entrypoints import bootstrap
from services.entrypoints import startup
from services.entrypoints.cli import main
from services.core.config import Settings
from services.entrypoints.startup import PreparedStore


def test_prepare_masks_the_database_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(DATABASE_URL="postgresql+psycopg://paydesk:hunter2@db:5432/paydesk",  # type: ignore[call-arg]
                        _env_file=None)
    monkeypatch.setattr(bootstrap, "build_services", lambda: SimpleNamespace(settings=settings))
    monkeypatch.setattr(startup, "prepare_store",
                        lambda _services: PreparedStore(seeded=None, demo_users_created=0))
    assert main(["prepare"]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out
    assert "postgresql+psycopg://paydesk:***@db:5432/paydesk" in out
