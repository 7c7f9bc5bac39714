"""AppTest of the Reconciliation page: resolving moves the tiles, the warning and the run's label
at once; an operator who selects a break is told why there is no resolve button; a run without a
statement is refused in words; a run can be removed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from streamlit.testing.v1 import AppTest

from services.entrypoints.bootstrap import Services
from services.reconciliation import runs
from tests.ui.conftest import demo_actor
from tests.ui.test_reconciliation_page import MARCH, PAGE, _arrange

MARCH_END = date(2026, 3, 31)


def _with_run(signed_in_app: Callable[[str], AppTest], ui_services: Services,
              role: str) -> AppTest:
    statement_id = _arrange(ui_services)
    runs.start_run(ui_services, demo_actor(ui_services, "operator"), start=MARCH, end=MARCH_END,
                   statement_ids=[statement_id])
    at = signed_in_app(role)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _select_first_line(at: AppTest) -> None:
    at.session_state["recon_lines"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception


def test_resolving_a_break_updates_the_counts_in_the_same_click(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _with_run(signed_in_app, ui_services, "approver")
    assert "6 open breaks" in at.selectbox(key="recon_run_id").options[0]
    before = {m.label: m.value for m in at.metric}
    _select_first_line(at)
    klass = at.dataframe(key="recon_lines").value["Class"].iloc[0]
    at.text_area(key="recon_note").input("Known: provider fee rounding, ticket ACC-12")
    at.button(key="recon_resolve").click().run()
    assert not at.exception, at.exception
    after = {m.label: m.value for m in at.metric}
    assert (before[klass], after[klass]) == ("1", "0")
    assert any("5 breaks still unresolved" in w.value for w in at.warning)
    assert "5 open breaks" in at.selectbox(key="recon_run_id").options[0]


def test_an_operator_is_told_why_there_is_no_resolve_button(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _with_run(signed_in_app, ui_services, "operator")
    _select_first_line(at)
    assert not [b for b in at.button if b.key == "recon_resolve"]
    assert any("Only an approver can mark a break resolved" in i.value for i in at.info)


def test_a_run_without_a_statement_is_refused_and_a_run_can_be_removed(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _with_run(signed_in_app, ui_services, "operator")
    at.date_input(key="recon_from").set_value(MARCH)
    at.date_input(key="recon_to").set_value(MARCH_END)
    at.checkbox(key="recon_pull").uncheck()
    at.button(key="recon_start").click().run()
    assert any("choose a statement" in e.value for e in at.error)
    assert len(runs.list_runs(ui_services, demo_actor(ui_services, "viewer"))) == 1

    assert at.button(key="recon_discard").disabled
    at.checkbox(key="recon_discard_sure").check().run()
    at.button(key="recon_discard").click().run()
    assert not at.exception, at.exception
    assert runs.list_runs(ui_services, demo_actor(ui_services, "viewer")) == []
    assert any("No reconciliation run yet" in i.value for i in at.info)
