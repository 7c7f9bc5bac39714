"""Run-time settings, the customer view, saved views and scheduled reports, on both stores."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from data.models import (
    AuditEntry,
    DirectDebit,
    Order,
    PayoutBatch,
    PayoutLine,
    Refund,
    SavedView,
    User,
)
from services.desk import customers
from services.refunds import commands as refunds
from services.desk import scheduled_reports as reports
from services.core import runtime_settings
from services.desk import saved_views
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.core.errors import InputError, NotFoundError, PermissionDeniedError
from tests.integration.money_helpers import paid_order, signed_mandate, staff


@pytest.fixture
def people(services: Services) -> dict[str, Actor]:
    found = staff(services)
    with services.uow() as uow:
        admin = User(username="ada", role="admin")
        uow.session.add(admin)
        uow.commit()
        found["ada"] = Actor(user_id=admin.id, username="ada", role="admin")
    return found


# --- run-time settings ---------------------------------------------------------------------------


def test_an_admin_changes_the_refund_threshold_and_refunds_follow_it(services, people) -> None:
    order = paid_order(services, "5000")
    assert refunds.request_refund(services, people["olga"], order_ref=order.merchant_order_id,
                                  amount="600", reason="OTHER", note="x").status != \
        "NEEDS_APPROVAL"
    row = runtime_settings.change(services, people["ada"], "refund_approval_threshold", "500")
    assert (row.value, row.source) == ("500", "changed in the app by ada")
    assert services.settings.refund_approval_threshold == Decimal("500")
    assert services.env_settings.refund_approval_threshold == Decimal("1000")
    asked = refunds.request_refund(services, people["olga"], order_ref=order.merchant_order_id,
                                   amount="600", reason="OTHER", note="y")
    assert asked.status == "NEEDS_APPROVAL"
    with services.uow() as uow:
        entry = uow.session.exec(select(AuditEntry).where(
            AuditEntry.action == "settings.change")).one()
        assert entry.actor_name == "ada" and "1,000" not in (entry.detail or "")
        assert '"before": "1000"' in entry.detail and '"after": "500"' in entry.detail


def test_setting_changes_are_checked_and_only_for_admins(services, people) -> None:
    with pytest.raises(PermissionDeniedError):
        runtime_settings.change(services, people["anna"], "timezone", "Europe/Berlin")
    with pytest.raises(InputError, match="IANA time zone"):
        runtime_settings.change(services, people["ada"], "timezone", "Mars/Olympus")
    with pytest.raises(InputError, match="between 1 and 60"):
        runtime_settings.change(services, people["ada"], "payment_request_expiry_minutes", "90")
    with pytest.raises(InputError, match="not an e-mail address"):
        runtime_settings.change(services, people["ada"], "alert_emails", "a@b.com, nope")
    with pytest.raises(InputError, match="cannot be changed in the app"):
        runtime_settings.change(services, people["ada"], "database_url", "sqlite://")
    runtime_settings.change(services, people["ada"], "alert_emails", "Ops@Example.com; b@c.io")
    runtime_settings.change(services, people["ada"], "timezone", "Europe/Berlin")
    assert services.settings.alert_emails == "ops@example.com, b@c.io"
    assert services.settings.zone.key == "Europe/Berlin"
    assert runtime_settings.source_of(services, "PAYDESK_TIMEZONE") == "changed in the app"
    assert runtime_settings.source_of(services, "PAYDESK_LOCKOUT_ATTEMPTS / "
                                      "PAYDESK_LOCKOUT_MINUTES") == "built-in default"
    runtime_settings.revert(services, people["ada"], "timezone")
    assert services.settings.timezone == services.env_settings.timezone
    # Another process (a second dashboard, the worker) picks the stored values up.
    fresh = Services(settings=services.env_settings, engine=services.engine,
                     session_factory=services.session_factory)
    assert runtime_settings.apply(fresh).alert_emails == "ops@example.com, b@c.io"


# --- the customer view ---------------------------------------------------------------------------


def _orders_for(services: Services, email: str) -> None:
    now = datetime.now(UTC)
    with services.uow() as uow:
        for n, (amount, currency, status) in enumerate((
                ("100", "USDT", "PAID"), ("50.5", "USDT", "REFUNDED"), ("0.01", "BTC", "PAID"),
                ("75", "USDT", "EXPIRED"))):
            uow.session.add(Order(merchant_order_id=f"C{uuid.uuid4().hex[:20]}",
                                  amount=Decimal(amount), currency=currency, status=status,
                                  customer_email=email, payer_id="350000042",
                                  created_at=now - timedelta(hours=n)))
        uow.commit()


def test_a_customer_with_everything_and_totals_per_currency(services, people) -> None:
    email = "mia.k@example.com"
    _orders_for(services, email)
    _orders_for(services, "someone.else@example.com")
    with services.uow() as uow:
        order = uow.session.exec(select(Order).where(Order.customer_email == email,
                                                     Order.status == "REFUNDED")).one()
        uow.session.add(Refund(order_id=order.id, refund_request_id="RF1", amount=Decimal("20"),
                               currency="USDT", reason="OTHER", status="SUCCESS"))
        uow.session.add(Refund(order_id=order.id, refund_request_id="RF2", amount=Decimal("5"),
                               currency="USDT", reason="OTHER", status="FAIL"))
        batch = PayoutBatch(request_id="PB1", currency="USDT", total_amount=Decimal("33"),
                            line_count=2, status="SUCCESS")
        uow.session.add(batch)
        uow.session.flush()
        uow.session.add(PayoutLine(batch_id=batch.id, file_line=2, merchant_send_id="L1",
                                   receive_type="EMAIL", receiver=email, amount=Decimal("30"),
                                   currency="USDT", status="SUCCESS"))
        uow.session.add(PayoutLine(batch_id=batch.id, file_line=3, merchant_send_id="L2",
                                   receive_type="BINANCE_ID", receiver="350000042",
                                   amount=Decimal("3"), currency="USDT", status="SUCCESS"))
        uow.commit()
    mandate = signed_mandate(services)
    with services.uow() as uow:
        row = uow.session.get(type(mandate), mandate.id)
        row.customer_email = email
        uow.session.add(DirectDebit(mandate_id=mandate.id, merchant_request_id="DD1",
                                    amount=Decimal("9.99"), currency="USDT", status="SUCCESS"))
        uow.commit()

    found = customers.profile(services, people["vic"], "  Mia.K@example.com ")
    assert found.email == email and found.payer_ids == ["350000042"]
    assert found.order_count == 4 and len(found.orders) == 4
    totals = {t.currency: t for t in found.totals}
    usdt = totals["USDT"]
    assert (usdt.orders, usdt.paid_in, usdt.refunded, usdt.collected, usdt.paid_out) == (
        3, Decimal("150.5"), Decimal("20"), Decimal("9.99"), Decimal("33"))
    assert usdt.net == Decimal("107.49")
    assert (totals["BTC"].paid_in, totals["BTC"].net) == (Decimal("0.01"), Decimal("0.01"))
    assert {r.refund_request_id for r, _ in found.refunds} == {"RF1", "RF2"}
    assert {o.merchant_order_id[:1] for o in found.orders} == {"C"}
    assert [m.merchant_contract_code for m in found.mandates] == [mandate.merchant_contract_code]
    assert [d.merchant_request_id for d, _ in found.debits] == ["DD1"]
    assert {line.merchant_send_id for line, _ in found.payouts} == {"L1", "L2"}

    assert customers.search(services, people["vic"], "MIA") == [email]
    assert customers.search(services, people["vic"], "350000042") == sorted(
        [email, "someone.else@example.com"])
    with pytest.raises(InputError, match="at least 2 characters"):
        customers.search(services, people["vic"], "m")
    assert customers.profile(services, people["vic"], "nobody@example.com").empty


# --- saved views ---------------------------------------------------------------------------------


def test_saved_views_are_per_user_and_open_as_a_link(services, people) -> None:
    view = saved_views.save(services, people["vic"], "orders", "Paid USDT",
                            {"status": "PAID", "currency": "USDT", "cols": "amount,currency"})
    assert view.link == "/orders?cols=amount%2Ccurrency&currency=USDT&status=PAID"
    again = saved_views.save(services, people["vic"], "orders", "Paid USDT", {"status": "PAID"})
    assert again.id == view.id and again.params == {"status": "PAID"}
    saved_views.save(services, people["anna"], "orders", "Paid USDT", {"status": "EXPIRED"})
    assert [v.params for v in saved_views.mine(services, people["vic"], "orders")] == [
        {"status": "PAID"}]
    with pytest.raises(NotFoundError):
        saved_views.remove(services, people["anna"], view.id)  # not hers
    with pytest.raises(InputError, match="name"):
        saved_views.save(services, people["vic"], "orders", "  ", {})
    saved_views.remove(services, people["vic"], view.id)
    assert saved_views.mine(services, people["vic"], "orders") == []


def _refusals(services: Services) -> list[tuple[str, str]]:
    with services.uow() as uow:
        return [(e.actor_name, e.detail or "") for e in uow.session.exec(
            select(AuditEntry).where(AuditEntry.action == "access.refused")).all()]


def test_a_saved_view_refusal_is_audited_and_saves_nothing(services, people,
                                                           monkeypatch) -> None:
    """Today only Orders has views, and every role may read it; a page kept from viewers (the
    audit log) shows the check is the audited one and comes before anything is stored."""
    monkeypatch.setitem(saved_views.PAGES, "audit", "audit.view")
    with pytest.raises(PermissionDeniedError):
        saved_views.save(services, people["vic"], "audit", "Refusals", {"action": "x"})
    with pytest.raises(PermissionDeniedError):
        saved_views.mine(services, people["vic"], "audit")
    assert [who for who, _ in _refusals(services)] == ["vic", "vic"]
    assert "audit.view" in _refusals(services)[0][1]
    with services.uow() as uow:
        assert uow.session.exec(select(SavedView)).all() == []
    # Nobody signed in: refused on the record before the view is even looked up.
    with pytest.raises(PermissionDeniedError, match="sign in"):
        saved_views.remove(services, None, 1)  # type: ignore[arg-type]
    assert _refusals(services)[-1][0] == "(not signed in)"


# --- scheduled reports ---------------------------------------------------------------------------


@pytest.fixture
def report_dir(services: Services, tmp_path: Path) -> Path:
    services.settings = services.settings.model_copy(update={"reports_dir": str(tmp_path)})
    return tmp_path


def _at(services: Services, moment: datetime) -> None:
    services.clock = lambda: moment


def test_the_daily_settlement_report_is_written_once_after_its_time(
        services, people, report_dir) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    yesterday = now - timedelta(days=1)
    with services.uow() as uow:
        for amount, fee in (("100", "1"), ("50", "0.5")):
            uow.session.add(Order(merchant_order_id=f"S{uuid.uuid4().hex[:20]}",
                                  amount=Decimal(amount), currency="USDT", status="PAID",
                                  fee=Decimal(fee), created_at=yesterday, paid_at=yesterday))
        uow.commit()
    with services.uow() as uow:
        order = Order(merchant_order_id="OLD1", amount=Decimal("80"), currency="USDT",
                      status="REFUNDED", created_at=now - timedelta(days=5),
                      paid_at=now - timedelta(days=5))
        uow.session.add(order)
        uow.session.flush()
        uow.session.add(Refund(order_id=order.id, refund_request_id="RS1", amount=Decimal("30"),
                               currency="USDT", reason="OTHER", status="SUCCESS",
                               completed_at=yesterday))
        uow.commit()
    schedule = reports.create_schedule(services, people["vic"], report="settlement",
                                       time_of_day="06:30")
    day = yesterday.date()
    _at(services, datetime.combine(now.date(), datetime.min.time(), UTC) + timedelta(hours=6))
    assert reports.run_due(services) == []  # 06:00: not yet
    _at(services, datetime.combine(now.date(), datetime.min.time(), UTC) + timedelta(hours=7))
    [run] = reports.run_due(services)
    assert (run.status, run.for_day, run.row_count) == ("DONE", day, 1)
    assert reports.run_due(services) == []  # written once per day
    name, data = reports.run_file(services, people["anna"], run.id)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Day", "Currency", "Paid orders", "Gross paid"]
    assert rows[1] == [day.isoformat(), "USDT", "2", "150.00", "-1.50", "1", "-30.00", "0",
                       "0.00", "0", "0.00", "118.50"]
    assert (report_dir / name).is_file() and not list(report_dir.glob("*.partial"))
    assert [r.id for r in reports.list_runs(services, people["vic"])] == [run.id]
    assert schedule.created_by == "vic"


def test_an_orders_export_schedule_and_a_disabled_owner(services, people, report_dir) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    with services.uow() as uow:
        for status in ("PAID", "EXPIRED", "PAID"):
            uow.session.add(Order(merchant_order_id=f"E{uuid.uuid4().hex[:20]}",
                                  amount=Decimal("12"), currency="USDT", status=status,
                                  created_at=now - timedelta(days=1)))
        uow.commit()
    with pytest.raises(InputError, match="HH:MM"):
        reports.create_schedule(services, people["olga"], report="orders", time_of_day="25:00")
    reports.create_schedule(services, people["olga"], report="orders", time_of_day="00:00",
                            params={"status": "PAID", "columns": ["merchant_order_id",
                                                                  "amount"]})
    [run] = reports.run_due(services)
    assert (run.status, run.row_count) == ("DONE", 2)
    _, data = reports.run_file(services, people["olga"], run.id)
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(header) == 3  # the two chosen columns and the currency the amount needs

    reports.create_schedule(services, people["oscar"], report="settlement", time_of_day="00:00")
    with services.uow() as uow:
        oscar = uow.session.exec(select(User).where(User.username == "oscar")).one()
        oscar.disabled = True
        uow.commit()
    [failed] = reports.run_due(services)
    assert failed.status == "FAILED" and "no longer has an active account" in failed.error
    with pytest.raises(NotFoundError):
        reports.run_file(services, people["olga"], failed.id)


def test_pausing_someone_elses_schedule_is_a_refusal_on_record(services, people) -> None:
    schedule = reports.create_schedule(services, people["olga"], report="settlement",
                                       time_of_day="06:30")
    with pytest.raises(PermissionDeniedError, match="only olga"):
        reports.set_active(services, people["vic"], schedule.id, False)
    [(who, detail)] = _refusals(services)
    assert who == "vic" and "report.pause" in detail
    assert [s.active for s in reports.list_schedules(services, people["olga"])] == [True]
    reports.set_active(services, people["ada"], schedule.id, False)  # an admin may
    assert [s.active for s in reports.list_schedules(services, people["olga"])] == [False]
