"""Bulk refund upload in AppTest: a workbook with several sheets says which one it read and lets
the user pick another, and the preview follows the pick."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from services.entrypoints.bootstrap import Services
from tests.fixtures import hostile

HEADER = ("merchantTradeNo", "amount", "reason")


def test_bulk_refund_workbook_sheet_can_be_picked(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    book = hostile.Book([
        hostile.Sheet("Notes", hostile.sheet_xml([HEADER, ("NOPE1", "1", "duplicate")])),
        hostile.Sheet("March", hostile.sheet_xml([HEADER, ("NOPE2", "2", "duplicate"),
                                                  ("NOPE3", "3", "duplicate")])),
    ]).build()
    at = signed_in_app("operator")
    at.switch_page("app_pages/refunds.py").run()
    assert not at.exception, at.exception
    [uploader] = [u for u in at.file_uploader if u.key == "bulk_refund_file"]
    uploader.set_value(("refunds.xlsx", book, "application/octet-stream")).run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="bulk_refund_sheet")
    assert (picker.options, picker.value) == (["Notes", "March"], "Notes")
    assert any("**1** line:" in m.value for m in at.markdown)
    picker.set_value("March").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="bulk_refund_sheet").value == "March"
    assert any("**2** lines:" in m.value for m in at.markdown)
