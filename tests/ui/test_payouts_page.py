"""Payouts page in AppTest: upload -> preview -> submit as the operator; approve and send as
the approver, through the confirmation dialog."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from data.models import PayoutBatch
from services.entrypoints.bootstrap import Services

PAGE = "app_pages/payouts.py"
GOOD = (
    "receive_type;receiver;amount;currency;remark\r\n"
    "BINANCE_ID;354678912;25.50;USDT;June\r\n"
    "EMAIL;alice@example.com;0.015;BNB;Bonus\r\n"
    "BINANCE_ID;12;3;USDT;typo\r\n"
).encode("utf-8-sig")


def _open(signed_in_app: Callable[[str], AppTest], role: str) -> AppTest:
    at = signed_in_app(role)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _batches(services: Services) -> list[PayoutBatch]:
    with services.uow() as uow:
        rows = list(uow.session.exec(select(PayoutBatch).order_by(col(PayoutBatch.request_id))))
        uow.session.expunge_all()
        return rows


def _table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    """The first table showing `column` (read-only tables carry no key in AppTest)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a '{column}' column")


def _text(at: AppTest) -> str:
    parts = [*(m.value for m in at.markdown), *(c.value for c in at.caption),
             *(e.value for e in at.error), *(s.value for s in at.success)]
    return "\n".join(str(p) for p in parts)


def test_upload_preview_submit_then_approve_and_send(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _open(signed_in_app, "operator")
    at.file_uploader[0].set_value(("june.csv", GOOD, "text/csv")).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Payment lines"] == "3" and metrics["Errors"] == "1"
    planned = _table(at, "Request id")
    assert list(planned["Currency"]) == ["BNB", "USDT"]
    assert all(rid.endswith(("B001", "B002")) for rid in planned["Request id"])
    problems = _table(at, "Problem and how to fix it")
    assert "binance_id_invalid" in set(problems["Code"])
    # The message is the main text, before the code, which sits last in a narrow column.
    assert list(problems.columns)[-2:] == ["Problem and how to fix it", "Code"]
    assert not any("_" in text for text in problems["Problem and how to fix it"])
    assert at.button(key="payout_submit").disabled  # errors, and the choice not made yet
    checks = set(_table(at, "problems")["check"])  # words, not emoji that fonts may lack
    assert "Error" in checks and checks <= {"OK", "Warning", "Error"}

    at.checkbox(key="payout_only_valid").check().run()
    excluded = _table(at, "Why left out")
    assert list(excluded["Line"]) == [4]
    at.button(key="payout_submit").click().run()
    assert not at.exception, at.exception
    assert "submitted: 2 batches wait for an approver" in _text(at)
    batches = _batches(ui_services)
    assert [b.status for b in batches] == ["PENDING_APPROVAL", "PENDING_APPROVAL"]
    assert {b.sent_at for b in batches} == {None}

    at = _open(signed_in_app, "approver")
    at.segmented_control(key="payout_view").set_value("Awaiting approval").run()
    assert not at.exception, at.exception
    assert list(_table(at, "Why left out")["Line"]) == [4]
    at.text_area(key="payout_comment").input("matches the June sheet")
    at.button(key="payout_approve").click().run()
    assert _batches(ui_services)[0].status == "PENDING_APPROVAL"  # only asked, not yet sent
    at.button(key="payout_confirm_yes").click().run()
    assert not at.exception, at.exception
    assert {b.status for b in _batches(ui_services)} == {"ACCEPTED"}
    assert "sent" in _text(at) and "ACCEPTED" not in _text(at)  # the label, not the code


def test_fix_in_place_clears_the_error(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _open(signed_in_app, "operator")
    at.file_uploader[0].set_value(("june.csv", GOOD, "text/csv")).run()
    at.session_state["payout_editor_0"] = {
        "edited_rows": {0: {"receiver": "354678913"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="payout_recheck").click().run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Errors"] == "0"
    assert not at.button(key="payout_submit").disabled


def test_batch_page_filters_lines_and_shows_the_results(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _open(signed_in_app, "operator")
    at.file_uploader[0].set_value(("june.csv", GOOD, "text/csv")).run()
    at.checkbox(key="payout_only_valid").check().run()
    at.button(key="payout_submit").click().run()

    at = _open(signed_in_app, "viewer")
    assert at.segmented_control(key="payout_view").options == ["Uploads & batches"]
    batches = _table(at, "Request id")
    assert set(batches["Status"]) == {"Awaiting approval"}  # a label, never the stored code
    assert "None" not in batches.to_string()
    assert all(re.fullmatch(r"[\d,]+\.\d+ [A-Z]+", total) for total in batches["Total"])
    assert sorted(_table(at, "Merchant send id")["Receiver"]) == ["354678912",
                                                                  "alice@example.com"]
    at.multiselect(key="payout_f_status").select("SUCCESS").run()
    assert _table(at, "Merchant send id").empty
    assert not [b for b in at.button if b.key == "payout_send"]


def test_a_workbook_with_several_sheets_lets_the_user_pick_the_sheet(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    from tests.fixtures import hostile

    at = _open(signed_in_app, "operator")
    at.file_uploader[0].set_value(("months.xlsx", hostile.two_visible_sheets(),
                                   "application/octet-stream")).run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="payout_sheet")
    assert (picker.options, picker.value) == (["June", "July"], "June")
    messages = _table(at, "Problem and how to fix it")["Problem and how to fix it"].tolist()
    assert any("PayDesk read 'June'" in message for message in messages)
    picker.set_value("July").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="payout_sheet").value == "July"
    assert _table(at, "Total")["Lines"].tolist() == [1]
    messages = _table(at, "Problem and how to fix it")["Problem and how to fix it"].tolist()
    assert any("PayDesk read 'July'" in message for message in messages)
