"""Inbox, Users, Customers, Scheduled reports, run-time Settings and saved views in AppTest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from dashboard.navigation import inbox_title, sections_for
from data.models import Order, PayoutBatch, User
from services.desk import scheduled_reports as reports
from services.entrypoints.bootstrap import Services
from services.payouts import approval, drafts
from tests.ui.conftest import demo_actor

CSV = b"receive_type,receiver,amount,currency,remark\nEMAIL,bob@example.com,12.5,USDT,June\n"


def _open(signed_in_app: Callable[[str], AppTest], role: str, page: str) -> AppTest:
    at = signed_in_app(role)
    at.switch_page(f"app_pages/{page}").run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    parts = [*(m.value for m in at.markdown), *(c.value for c in at.caption),
             *(e.value for e in at.error), *(s.value for s in at.success),
             *(i.value for i in at.info), *(s.value for s in at.subheader)]
    return "\n".join(str(p) for p in parts)


def _table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    """The first table showing `column` (read-only tables carry no key in AppTest)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a '{column}' column")


def _submitted_upload(services: Services) -> str:
    operator = demo_actor(services, "operator")
    result = drafts.validate_upload(services, operator, CSV, file_name="june.csv")
    saved = drafts.save_draft(services, operator, result, file_name="june.csv")
    approval.submit(services, operator, saved.upload_ref)
    return saved.upload_ref


def _statuses(services: Services) -> set[str]:
    with services.uow() as uow:
        return set(uow.session.exec(select(PayoutBatch.status)).all())


def test_the_inbox_entry_carries_a_count_badge() -> None:
    assert inbox_title(0) == "Inbox"
    assert inbox_title(3) == "Inbox · 3"
    for role in ("viewer", "operator", "approver", "admin"):
        assert sections_for(role)[0].url_path == "inbox"


def test_an_approver_approves_and_sends_from_the_inbox(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    ref = _submitted_upload(ui_services)
    at = _open(signed_in_app, "approver", "inbox.py")
    assert "Payout uploads to approve (1)" in _text(at)
    assert f"Payout upload {ref}" in _text(at)
    at.button(key=f"inbox_approve_{ref}").click().run()
    assert "needs a comment" in _text(at) and _statuses(ui_services) == {"PENDING_APPROVAL"}
    at.text_input(key=f"inbox_comment_{ref}").input("matches the June sheet")
    at.button(key=f"inbox_approve_{ref}").click().run()
    assert _statuses(ui_services) == {"PENDING_APPROVAL"}  # asked to confirm first
    at.button(key="inbox_confirm_yes").click().run()
    assert not at.exception, at.exception
    assert _statuses(ui_services) == {"ACCEPTED"}
    assert f"Upload {ref} approved: 1 of 1 batch accepted" in _text(at)
    assert "Nothing is waiting for you." in _text(at)


def test_the_preparer_and_a_viewer_cannot_approve_from_the_inbox(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    ref = _submitted_upload(ui_services)
    at = _open(signed_in_app, "operator", "inbox.py")
    assert "Nothing is waiting for you." in _text(at)
    assert not [b for b in at.button if b.key == f"inbox_approve_{ref}"]
    at = _open(signed_in_app, "viewer", "inbox.py")
    assert "Nothing is waiting for you." in _text(at)


def test_an_approver_rejects_from_the_inbox(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    ref = _submitted_upload(ui_services)
    at = _open(signed_in_app, "approver", "inbox.py")
    at.text_input(key=f"inbox_comment_{ref}").input("wrong month")
    at.button(key=f"inbox_reject_{ref}").click().run()
    assert not at.exception, at.exception
    assert _statuses(ui_services) == {"REJECTED"}
    assert "rejected; nothing will be sent" in _text(at)


def test_an_admin_adds_a_user_who_can_then_sign_in(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    at = _open(signed_in_app, "admin", "users.py")
    at.text_input(key="users_new_username").input("Nora")
    at.selectbox(key="users_new_role").select("approver")
    at.text_input(key="users_new_password").input("short")
    at.button[0].click().run()  # the form's submit button
    assert "at least 12" in _text(at)
    at.text_input(key="users_new_password").input("a long enough secret")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "User nora added as approver." in _text(at)
    table = at.dataframe[0].value
    assert "nora" in set(table["Username"])
    from services.identity import sign_in as auth

    assert auth.authenticate(ui_services, "nora", "a long enough secret").status == "ok"

    at.selectbox(key="users_pick").select("nora").run()
    at.selectbox(key="users_role").select("operator").run()
    at.button(key="users_set_role").click().run()
    assert "nora is now operator." in _text(at)
    at.selectbox(key="users_pick").select("nora").run()
    at.button(key="users_disable").click().run()
    with ui_services.uow() as uow:
        nora = uow.session.exec(select(User).where(User.username == "nora")).one()
        assert (nora.role, nora.disabled) == ("operator", True)
    # The service's own rules hold in the page: an admin cannot disable themselves.
    at.selectbox(key="users_pick").select("admin").run()
    at.button(key="users_disable").click().run()
    assert "nobody disables their own account" in _text(at)


@pytest.mark.parametrize("role", ["viewer", "operator", "approver"])
def test_only_admins_have_the_users_page(role: str) -> None:
    assert "users" not in {s.url_path for s in sections_for(role)}
    assert "users" in {s.url_path for s in sections_for("admin")}


def test_the_customer_page_from_a_link_and_by_search(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    with ui_services.uow() as uow:
        for amount, status in (("100", "PAID"), ("40", "EXPIRED")):
            uow.session.add(Order(merchant_order_id=f"CU{amount}", amount=Decimal(amount),
                                  currency="USDT", status=status,
                                  customer_email="lena.b@example.com", payer_id="35000077"))
        uow.commit()
    at = _open(signed_in_app, "viewer", "customers.py")
    at.text_input(key="customer_search").input("lena").run()
    links = [element.proto for element in at.get("page_link")]
    assert [(p.label, p.query_string) for p in links] == [
        ("lena.b@example.com", "email=lena.b%40example.com")]

    at.query_params["email"] = "lena.b@example.com"
    at.run()
    assert not at.exception, at.exception
    totals = _table(at, "Paid in")
    assert totals.to_dict("records") == [{
        "Currency": "USDT", "Orders": "2", "Paid in": "100.00", "Refunded": "0.00",
        "Collected by debit": "0.00", "Paid out": "0.00", "Net": "100.00"}]
    orders = _table(at, "Product")
    assert set(orders["Status"]) == {"Paid", "Expired"}


def test_a_report_is_scheduled_on_the_page_and_its_file_listed(
        signed_in_app: Callable[[str], AppTest], ui_services: Services, tmp_path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYDESK_REPORTS_DIR", str(tmp_path))
    at = _open(signed_in_app, "viewer", "reports.py")
    at.button(key="rep_create").click().run()
    assert "Pick the time of day" in _text(at)
    at.time_input(key="rep_time").set_value(time(0, 0)).run()
    at.button(key="rep_create").click().run()
    assert not at.exception, at.exception
    assert "Daily settlement report scheduled daily at 00:00." in _text(at)
    ui_services.settings = ui_services.settings.model_copy(update={"reports_dir": str(tmp_path)})
    [run] = reports.run_due(ui_services)
    at.run()
    runs = _table(at, "Rows")
    assert list(runs["Status"]) == ["Written"]
    assert at.get("download_button")[0].proto.label == f"Download {run.file_name}"


def test_an_admin_changes_a_setting_at_run_time(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    at = _open(signed_in_app, "admin", "settings.py")
    at.text_input(key="setting_value_refund_approval_threshold").input("abc")
    at.button[0].click().run()
    assert "enter an amount" in _text(at)
    at.text_input(key="setting_value_refund_approval_threshold").input("250")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "Refund approval above (order's currency): now 250." in _text(at)
    assert "changed in the app by admin" in _text(at)
    config = at.dataframe[0].value
    sources = dict(zip(config["Variable"], config["Comes from"], strict=True))
    assert sources["PAYDESK_REFUND_APPROVAL_THRESHOLD"] == "changed in the app"
    assert sources["DATABASE_URL"] == "environment or .env"


def test_a_saved_orders_view_becomes_a_link(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    at = signed_in_app("viewer")
    at.switch_page("app_pages/orders.py")
    at.query_params["status"] = "PAID"
    at.run()
    assert not at.exception, at.exception
    at.text_input(key="view_name_orders").input("Paid only")
    at.button(key="view_save_orders").click().run()
    assert not at.exception, at.exception
    links = {p.label: p.query_string for p in (e.proto for e in at.get("page_link"))}
    assert "status=PAID" in links["Paid only"]


def test_a_failed_refund_alerts_the_operator_in_the_inbox(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    from data.models import Refund
    from services.desk import alerts

    alerts.collect(ui_services)  # alerts begin now
    with ui_services.uow() as uow:
        order = Order(merchant_order_id="AL1", amount=Decimal("10"), currency="USDT",
                      status="PAID")
        uow.session.add(order)
        uow.session.flush()
        uow.session.add(Refund(order_id=order.id, refund_request_id="RFAIL1",
                               amount=Decimal("10"), currency="USDT", reason="OTHER",
                               status="FAIL", updated_at=datetime.now(UTC) + timedelta(seconds=1)))
        uow.commit()
    at = _open(signed_in_app, "operator", "inbox.py")
    assert "Failed payouts, refunds and debits (1)" in _text(at)
    assert "Refund RFAIL1 of order AL1 failed" in _text(at)
    dismiss = [b for b in at.button if b.key and b.key.startswith("inbox_dismiss_")]
    dismiss[0].click().run()
    assert "Nothing is waiting for you." in _text(at)
    at = _open(signed_in_app, "approver", "inbox.py")
    assert "RFAIL1" not in _text(at)


def test_a_refund_approved_in_the_inbox_is_reported_in_words(
        signed_in_app: Callable[[str], AppTest], ui_services: Services) -> None:
    """Issue 16: the approval said 'refund of 1500.0000 USDT accepted (REFUNDING)'."""
    from services.refunds.commands import request_refund
    from tests.ui.test_refund_dialog import paid

    order = paid(ui_services, "2000")
    asked = request_refund(ui_services, demo_actor(ui_services, "operator"),
                           order_ref=order.merchant_order_id, amount=Decimal("1500"),
                           reason="DUPLICATE", note="")
    ref = asked.refund_request_id
    at = _open(signed_in_app, "approver", "inbox.py")
    at.text_input(key=f"inbox_comment_{ref}").input("checked with support")
    at.button(key=f"inbox_approve_{ref}").click().run()
    at.button(key="inbox_confirm_yes").click().run()
    assert not at.exception, at.exception
    text = _text(at)
    assert f"Refund {ref} approved. Refund of 1,500.00 USDT accepted by Binance Pay" in text
    assert "REFUNDING" not in text and "1500.0000" not in text
