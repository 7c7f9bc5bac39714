"""The configuration an admin sees: the database password is masked there too (issue 15, 12)."""

from __future__ import annotations

from services.core.access import cli_actor
from services.core.system import describe_configuration
from services.entrypoints.bootstrap import Services


def test_the_configuration_page_never_shows_the_database_password(services: Services) -> None:
    services.settings = services.settings.model_copy(
        update={"database_url": "postgresql+psycopg://paydesk:hunter2@db:5432/paydesk"})
    rows = {row.variable: row.value for row in describe_configuration(services,
                                                                        cli_actor("tester"))}
    assert rows["DATABASE_URL"].startswith("postgresql+psycopg://paydesk:***@db:5432/paydesk")
    assert not any("hunter2" in value for value in rows.values())
