"""Payouts page and Overview in AppTest: wallet balances with the time of reading and a refresh; a
wallet that cannot fund an upload blocks its send at approval and afterwards; a refused send is
an error naming the batch and the reason, its lines "Not sent"; edits made after upload are
shown to the approver."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.runtime import get_services
from services.entrypoints.bootstrap import Services
from tests.ui.test_payouts_page import GOOD, _batches, _open, _table


def _app_sandbox():  # type: ignore[no-untyped-def]
    # The app's own in-process sandbox (one Services per process, cached by the dashboard).
    sandbox = get_services().sandbox
    assert sandbox is not None
    return sandbox


def _submit(signed_in_app: Callable[[str], AppTest], *, fix: bool = False) -> None:
    at = _open(signed_in_app, "operator")
    at.file_uploader[0].set_value(("june.csv", GOOD, "text/csv")).run()
    if fix:
        at.session_state["payout_editor_0"] = {
            "edited_rows": {0: {"receiver": "354678913"}}, "added_rows": [], "deleted_rows": []}
        at.button(key="payout_recheck").click().run()
        assert not at.exception, at.exception
        assert list(_table(at, "Uploaded value")["New value"]) == ["354678913"]
    else:
        at.checkbox(key="payout_only_valid").check().run()
    at.button(key="payout_submit").click().run()
    assert not at.exception, at.exception


def _approver(signed_in_app: Callable[[str], AppTest]) -> AppTest:
    at = _open(signed_in_app, "approver")
    at.segmented_control(key="payout_view").set_value("Awaiting approval").run()
    assert not at.exception, at.exception
    return at


def test_balances_show_on_the_payouts_page_and_the_overview_with_the_reading_time(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    at = _open(signed_in_app, "viewer")
    balances = _table(at, "Wallet")
    usdt = balances[balances["Asset"] == "USDT"].iloc[0]
    assert (usdt["Provider"], usdt["Wallet"], usdt["Available"]) == (
        "Binance Pay", "Funding wallet", "10,000.00 USDT")
    assert any("As the provider reported them at" in c.value for c in at.caption)

    _app_sandbox().set_balance("USDT", Decimal("1234.5"))
    at.run()  # a rerun keeps the reading it showed; the refresh reads again
    assert "10,000.00 USDT" in set(_table(at, "Wallet")["Available"])
    at.button(key="payout_balances_refresh").click().run()
    assert "1,234.50 USDT" in set(_table(at, "Wallet")["Available"])

    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert "1,234.50 USDT" in set(_table(at, "Wallet")["Available"])


def test_a_short_wallet_blocks_the_send_at_approval_and_later(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    _submit(signed_in_app)
    _app_sandbox().set_balance("USDT", Decimal("20"))  # the upload pays 25.50 USDT
    at = _approver(signed_in_app)
    assert any("cannot fund this payout" in e.value for e in at.error)
    assert list(_table(at, "Short by")["Short by"]) == ["—", "5.50 USDT"]
    at.text_area(key="payout_comment").input("June sheet")
    at.button(key="payout_approve").click().run()
    assert at.button(key="payout_confirm_yes").disabled
    at.button(key="payout_confirm_approve_only").click().run()
    assert not at.exception, at.exception
    assert {b.status for b in _batches(ui_services)} == {"APPROVED"}
    assert any("approved and not sent" in w.value for w in at.warning)

    at.segmented_control(key="payout_view").set_value("Uploads & batches").run()
    assert at.button(key="payout_send").disabled
    _app_sandbox().set_balance("USDT", Decimal("100"))
    at.run()
    assert not at.button(key="payout_send").disabled


def test_a_refused_send_is_an_error_naming_the_batch_and_the_reason_and_lines_not_sent(
    signed_in_app: Callable[[str], AppTest], ui_services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.providers.binance_pay import errors as bp_errors

    _submit(signed_in_app)
    at = _approver(signed_in_app)
    provider = type(get_services().provider)

    def refuse(self, **kwargs):  # type: ignore[no-untyped-def]
        if kwargs["currency"] == "USDT":
            raise bp_errors.error_for_code("400304", "Not enough USDT", http_status=400,
                                           merchant_request_id=kwargs["batch_request_id"])
        return real(self, **kwargs)

    real = provider.create_payout_batch
    monkeypatch.setattr(provider, "create_payout_batch", refuse)
    at.text_area(key="payout_comment").input("June sheet")
    at.button(key="payout_approve").click().run()
    at.button(key="payout_confirm_yes").click().run()
    assert not at.exception, at.exception
    usdt = next(b.request_id for b in _batches(ui_services) if b.currency == "USDT")
    [error] = [e.value for e in at.error if usdt in e.value]
    assert "not sent" in error and "did not hold enough USDT" in error and "400304" not in error
    assert not at.success  # never a green banner over a batch that did not go out

    at.segmented_control(key="payout_view").set_value("Uploads & batches").run()
    lines = _table(at, "Merchant send id")
    assert set(lines[lines["Batch"] == usdt]["Status"]) == {"Not sent"}
    batches = _table(at, "Request id")
    problem = batches[batches["Request id"] == usdt]["Problem"].iloc[0]
    assert problem.startswith("the wallet did not hold enough USDT")


def test_the_approver_sees_every_cell_changed_after_upload(
    signed_in_app: Callable[[str], AppTest], ui_services: Services
) -> None:
    _submit(signed_in_app, fix=True)
    at = _approver(signed_in_app)
    edits = _table(at, "Uploaded value")
    assert edits.to_dict("records") == [{
        "Line": 4, "Field": "Receiver", "Uploaded value": "12", "New value": "354678913",
        "Edited by": "operator"}]
    assert any("changed in PayDesk after upload by operator" in w.value for w in at.warning)
