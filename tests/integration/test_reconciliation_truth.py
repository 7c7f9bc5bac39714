"""Reconciliation figures are filled and true or not shown, on SQLite and PostgreSQL: no run
without a statement, a run can be removed, resolving moves the open counts and the chart, every
difference on a summary row is a break counted on that row, and a fee the statement did not give
is blank, never 0.00 beside PayDesk's fee."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import AuditEntry, ReconciliationItem, ReconciliationRun
from services.entrypoints.bootstrap import Services
from services.core.errors import InputError
from services.reconciliation import matching as m
from services.reconciliation import reports
from services.reconciliation import runs
from services.demo import statement_simulation as simulate
from tests.integration.test_reconciliation import (
    APPROVER,
    MARCH,
    MARCH_END,
    OPERATOR,
    VIEWER,
    _month_run,
)
from tests.integration.test_reconciliation_demo_data import _demo, _sample_run


def _csv(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _count(services: Services, model: type) -> int:
    with services.uow() as uow:
        return len(uow.session.exec(select(model)).all())


def test_a_run_needs_a_statement(services: Services) -> None:
    simulate.seed_sample_month(services, MARCH)
    with pytest.raises(InputError, match="choose a statement"):
        runs.start_run(services, OPERATOR, start=MARCH, end=MARCH_END, statement_ids=[])
    assert _count(services, ReconciliationRun) == 0


def test_a_run_can_be_removed_and_the_removal_is_audited(services: Services) -> None:
    run, _ = _month_run(services)
    runs.discard_run(services, OPERATOR, run.id)
    assert _count(services, ReconciliationRun) == _count(services, ReconciliationItem) == 0
    with services.uow() as uow:
        [entry] = uow.session.exec(select(AuditEntry.target_id).where(
            AuditEntry.action == "reconciliation.discard")).all()
    assert entry == str(run.id)


def test_resolving_a_break_moves_the_open_counts_and_the_chart(services: Services) -> None:
    run, _ = _month_run(services)
    before = runs.break_summary(services, VIEWER, run.id)
    assert before.open == run.break_count > 0 and before.resolved_by_class == {}
    item = next(i for i in runs.list_items(services, VIEWER, run.id) if i.klass != m.MATCHED)
    day = item.occurred_at.date()
    runs.resolve_item(services, APPROVER, item.id, "credited by hand, ticket 42")
    after = runs.break_summary(services, VIEWER, run.id)
    assert after.open == before.open - 1 == runs.get_run(services, VIEWER, run.id).break_count
    assert after.resolved_by_class == {item.klass: 1}
    assert after.open_by_class.get(item.klass, 0) == before.open_by_class[item.klass] - 1
    on_day = {(d, k): n for d, k, n in before.open_per_day}
    now_on_day = {(d, k): n for d, k, n in after.open_per_day}
    assert now_on_day.get((day, item.klass), 0) == on_day[(day, item.klass)] - 1


def test_every_difference_in_the_summary_is_a_break_on_its_row(services: Services) -> None:
    run, _ = _month_run(services)
    header, rows = _csv(reports.export_report(services, VIEWER, run.id, "summary", "csv"))
    for row in rows:
        if row["Day"] == "Total" or Decimal(row["Difference"]) == 0:
            continue
        assert int(row["Open breaks"]) + int(row["Resolved breaks"]) > 0, row
    for name in ("Opening balance", "Closing balance", "Net (provider)"):
        if name in header:  # shown only when some row states it
            assert any(r[name] for r in rows if r["Day"] != "Total"), name


def test_a_fee_the_statement_did_not_give_is_blank_not_zero(store_url: str) -> None:
    # The demo store pays payout fees; the sandbox statement states fees for payments only.
    services = _demo(store_url, "UTC")
    try:
        _sample_run(services)
        run = runs.list_runs(services, VIEWER)[0]
        header, rows = _csv(reports.export_report(services, VIEWER, run.id, "payouts", "csv"))
        assert rows and any(Decimal(r["PayDesk fee"]) for r in rows)
        for row in rows:
            if row.get("Provider fee"):
                # A stated provider fee that differs from PayDesk's is a break on the row.
                assert (Decimal(row["Provider fee"]) == Decimal(row["PayDesk fee"])
                        or int(row["Breaks"]) > 0), row
        _, items = _csv(reports.export_report(services, VIEWER, run.id, "items", "csv"))
        for row in items:
            if row["Class"] == m.MATCHED and row.get("Provider fee"):
                assert Decimal(row["Provider fee"]) == Decimal(row["PayDesk fee"]), row
    finally:
        services.engine.dispose()
