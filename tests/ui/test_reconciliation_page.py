"""AppTest of the Reconciliation page: start a run, see totals per class, drill down, resolve."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from streamlit.testing.v1 import AppTest

from dashboard.components.reconciliation_chart import breaks_figure
from services.entrypoints.bootstrap import Services
from services.reconciliation import runs
from services.demo import statement_simulation as simulate
from services.reconciliation import statements
from tests.ui.conftest import demo_actor

PAGE = "app_pages/reconciliation.py"
MARCH = date(2026, 3, 1)


def _arrange(services: Services) -> int:
    simulate.seed_sample_month(services, MARCH, orders=20)
    built = simulate.sandbox_statement(services, MARCH, date(2026, 3, 31), inject=True)
    return statements.import_statement(services, demo_actor(services, "operator"), built.content,
                                       file_name="march.csv", source="sandbox").statement_id


def test_run_totals_drill_down_and_resolve(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    statement_id = _arrange(ui_services)
    at = signed_in_app("approver")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert any("No reconciliation run yet" in i.value for i in at.info)

    at.date_input(key="recon_from").set_value(MARCH)
    at.date_input(key="recon_to").set_value(date(2026, 3, 31))
    at.multiselect(key="recon_statements").set_value([statement_id])
    at.checkbox(key="recon_pull").uncheck()
    at.button(key="recon_start").click().run()
    assert not at.exception, at.exception

    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Matched"] != "0"
    for label in ("Amount mismatch", "Fee difference", "Missing at provider",
                  "Missing in PayDesk", "Duplicate", "Status mismatch"):
        assert metrics[label] == "1", (label, metrics)
    assert any("still unresolved" in w.value and "(s)" not in w.value for w in at.warning)
    lines = at.dataframe(key="recon_lines").value
    assert len(lines) == 6  # breaks only, by default

    at.session_state["recon_lines"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.text_area(key="recon_note").input("Known: provider fee rounding, ticket ACC-12")
    at.button(key="recon_resolve").click().run()
    assert not at.exception, at.exception
    run = runs.list_runs(ui_services, demo_actor(ui_services, "approver"))[0]
    assert run.break_count == 5
    assert len(at.get("download_button")) == 8


def test_viewer_sees_runs_but_cannot_start_or_resolve(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    statement_id = _arrange(ui_services)
    runs.start_run(ui_services, demo_actor(ui_services, "operator"), start=MARCH,
                   end=date(2026, 3, 31), statement_ids=[statement_id])
    at = signed_in_app("viewer")
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "recon_start"]
    at.session_state["recon_lines"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not [b for b in at.button if b.key == "recon_resolve"]


def test_breaks_figure_stacks_one_trace_per_class() -> None:
    figure = breaks_figure([(MARCH, "duplicate", 2), (MARCH, "amount_mismatch", 1),
                            (date(2026, 3, 2), "duplicate", 1)], "UTC")
    names = sorted(trace.name for trace in figure.data)
    assert names == ["Amount mismatch", "Duplicate"]
    assert figure.layout.barmode == "stack"
