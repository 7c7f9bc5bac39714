"""AppTest: a new contract appears at once (no second run), its cycle reads in words, its first
debit is 09:00 in the configured zone, and in sandbox mode the customer's signature can be
simulated, after which the contract is signed on the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from data.models import Mandate
from services.entrypoints.bootstrap import Services

PAGE = "app_pages/mandates.py"


def _create(at: AppTest, *, periodic: bool = False) -> None:
    at.text_input(key="nc_email").input("new@example.com")
    at.text_input(key="nc_service").input("Music")
    at.text_input(key="nc_limit").input("15")
    if periodic:
        at.checkbox(key="nc_periodic").check()
    at.button[[b.proto.label for b in at.button].index("Create contract")].click().run()
    assert not at.exception, at.exception


def _created(services: Services) -> Mandate:
    with services.uow() as uow:
        row = uow.session.exec(select(Mandate)).one()
        uow.session.expunge(row)
        return row


def test_a_created_contract_is_open_in_the_same_run_and_can_be_signed_in_the_sandbox(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = signed_in_app("operator")
    at.switch_page(PAGE).run()
    assert at.selectbox(key="nc_cycle_type").options == ["Months", "Days"]  # words, not MONTH
    _create(at)
    code = _created(ui_services).merchant_contract_code
    # No second run: the list holds it and its detail (QR code, deeplink) is open.
    assert any(code in s.value and "is open" in s.value for s in at.success)
    assert any(h.value == f"Contract {code}" for h in at.subheader)
    assert any("Deeplink" in m.value for m in at.markdown)
    facts = dict(zip(at.table[0].value["Field"], at.table[0].value["Value"], strict=True))
    assert facts["Status"] == "Awaiting signature"  # no raw code beside it

    at.button(key="md_simulate_sign").click().run()
    assert not at.exception, at.exception
    assert _created(ui_services).status == "SIGNED"
    assert any(f"signed contract {code}" in s.value for s in at.success)
    facts = dict(zip(at.table[0].value["Field"], at.table[0].value["Value"], strict=True))
    assert facts["Status"] == "Signed"
    assert not [b for b in at.button if b.key == "md_simulate_sign"]


def test_the_first_debit_is_nine_in_the_morning_in_the_configured_zone(
    signed_in_app: Callable[[str], AppTest], ui_services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAYDESK_TIMEZONE", "Asia/Kolkata")
    at = signed_in_app("operator")
    at.switch_page(PAGE).run()
    label = at.date_input(key="nc_first").label
    assert "Asia/Kolkata" in label and "UTC" not in label
    day = at.date_input(key="nc_first").value
    _create(at, periodic=True)
    first = _created(ui_services).first_deduct_at
    assert first is not None
    first = first if first.tzinfo else first.replace(tzinfo=UTC)
    assert first == datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert first.astimezone(UTC).time().isoformat() == "03:30:00"
    assert day >= datetime.now(ZoneInfo("Asia/Kolkata")).date() + timedelta(days=3)
