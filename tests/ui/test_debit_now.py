"""AppTest: debit-now on the Mandates page (refusals word for word, confirmation dialog), the
lists and a contract created with its QR code."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from data.models import DirectDebit, Mandate
from services.entrypoints.bootstrap import Services

PAGE = "app_pages/mandates.py"


def mandate(services: Services, *, status: str = "SIGNED", limit: str = "50") -> Mandate:
    now = datetime.now(UTC)
    row = Mandate(merchant_contract_code=f"MCui{uuid.uuid4().hex[:12]}",
                  contract_id=str(9_600_000_000_000_000_000 + uuid.uuid4().int % 10**17),
                  customer_email="sub@example.com", open_user_id="350000123",
                  service_name="Pro plan", single_upper_limit=Decimal(limit), currency="USDT",
                  status=status, created_at=now - timedelta(days=3),
                  signed_at=now - timedelta(days=3),
                  terminated_at=now - timedelta(days=1) if status == "TERMINATED" else None,
                  termination_way="0" if status == "TERMINATED" else None)
    with services.uow() as uow:
        uow.session.add(row)
        uow.commit()
        uow.session.expunge(row)
    return row


def open_mandate(signed_in_app: Callable[[str], AppTest], code: str,
                 role: str = "operator") -> AppTest:
    at = signed_in_app(role)
    at.switch_page(PAGE).run()
    at.text_input(key="md_ref").input(code).run()
    assert not at.exception, at.exception
    return at


def debits_of(services: Services, row: Mandate) -> list[DirectDebit]:
    with services.uow() as uow:
        found = list(uow.session.exec(
            select(DirectDebit).where(DirectDebit.mandate_id == row.id)).all())
        uow.session.expunge_all()
        return found


def test_debit_now_refuses_with_the_reason_then_debits_after_confirmation(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    row = mandate(ui_services)
    at = open_mandate(signed_in_app, row.merchant_contract_code)
    at.text_input(key="dn_amount").input("60")
    at.text_input(key="dn_product").input("March")
    at.button(key="dn_open").click().run()
    assert any("above the contract's single upper limit of 50 USDT" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "debit_yes"]
    at.text_input(key="dn_amount").input("19.99")
    at.button(key="dn_open").click().run()
    assert any("19.99 USDT" in m.value for m in at.markdown)
    assert debits_of(ui_services, row) == []
    at.button(key="debit_yes").click().run()
    assert not at.exception, at.exception
    [debit] = debits_of(ui_services, row)
    assert (debit.amount, debit.status) == (Decimal("19.99"), "PROCESSING")
    assert any("accepted" in s.value and "processing" in s.value for s in at.success)
    assert not any("(PROCESSING)" in s.value for s in at.success)
    at.button(key="dn_open").click().run()  # the first one is still open
    assert any("still processing" in e.value for e in at.error)
    assert len(debits_of(ui_services, row)) == 1


def test_an_ended_contract_offers_no_debit_and_says_how_it_ended(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    row = mandate(ui_services, status="TERMINATED")
    at = open_mandate(signed_in_app, row.merchant_contract_code)
    assert not [t for t in at.text_input if t.key == "dn_amount"]
    facts = at.table[0].value
    assert "by the customer" in " ".join(map(str, facts["Value"]))


def test_viewer_sees_lists_but_no_actions(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    row = mandate(ui_services)
    at = open_mandate(signed_in_app, row.merchant_contract_code, role="viewer")
    assert not [t for t in at.text_input if t.key == "dn_amount"]
    table = at.dataframe[0].value
    assert row.merchant_contract_code in set(table["Contract"])
    assert set(table["Status"]) == {"Signed"}  # the label, not SIGNED
    assert set(table["Next debit (UTC)"]) == {"—"} and "None" not in table.to_string()
    at.multiselect(key="md_status").select("EXPIRED").run()
    assert at.dataframe[0].value.empty


def test_a_new_contract_shows_its_qr_code_to_sign(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = signed_in_app("operator")
    at.switch_page(PAGE).run()
    at.text_input(key="nc_email").input("new@example.com")
    at.text_input(key="nc_service").input("Music")
    at.text_input(key="nc_limit").input("15")
    at.button[[b.proto.label for b in at.button].index("Create contract")].click().run()
    assert not at.exception, at.exception
    assert any("created (awaiting signature)" in s.value for s in at.success)
    at.run()
    assert any("Deeplink" in m.value for m in at.markdown)
    with ui_services.uow() as uow:
        created = uow.session.exec(select(Mandate)).one()
        assert created.status == "INITIAL" and created.qr_content
