"""The approvals inbox and failure alerts on SQLite and PostgreSQL: who sees what, once."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlmodel import select

from data.models import Alert, AuditEntry, DirectDebit, Order, PayoutBatch, PayoutLine, Refund
from services.desk import alert_delivery
from services.desk import alerts
from services.desk import inbox
from services.refunds import commands as refunds
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError, PermissionDeniedError
from services.payouts import approval, drafts
from tests.integration.money_helpers import paid_order, signed_mandate, staff

CSV = b"receive_type,receiver,amount,currency,remark\nEMAIL,bob@example.com,12.5,USDT,June\n"


@pytest.fixture
def people(services: Services) -> dict[str, Actor]:
    return staff(services)


def submitted_upload(services: Services, operator: Actor) -> str:
    result = drafts.validate_upload(services, operator, CSV, file_name="june.csv")
    saved = drafts.save_draft(services, operator, result, file_name="june.csv")
    approval.submit(services, operator, saved.upload_ref)
    return saved.upload_ref


def labels(services: Services, actor: Actor) -> dict[str, list[str]]:
    return {label: [i.ref for i in found]
            for label, found in inbox.items(services, actor).items() if found}


def test_an_upload_waits_for_approvers_but_not_for_its_preparer(services, people) -> None:
    ref = submitted_upload(services, people["olga"])
    assert labels(services, people["anna"]) == {"Payout uploads to approve": [ref]}
    assert inbox.count(services, people["anna"]) == 1
    # The operator who prepared it cannot approve; a viewer acts on nothing.
    assert "Payout uploads to approve" not in labels(services, people["olga"])
    assert inbox.count(services, people["vic"]) == 0
    approval.approve(services, people["anna"], ref, "matches the sheet")
    assert inbox.count(services, people["anna"]) == 0
    # Approved but not sent yet: the operators see it as work left.
    assert labels(services, people["olga"]) == {"Payout batches not sent": [
        b.request_id for b in _batches(services, ref)]}


def test_refunds_above_the_threshold_and_old_unsigned_contracts(services, people) -> None:
    order = paid_order(services, "5000")
    asked = refunds.request_refund(services, people["olga"], order_ref=order.merchant_order_id,
                                   amount="2000", reason="REQUESTED_BY_CUSTOMER")
    assert asked.status == "NEEDS_APPROVAL"
    found = inbox.items(services, people["anna"])["Refunds above the threshold"]
    assert [i.ref for i in found] == [asked.refund_request_id]
    assert found[0].amounts == ((Decimal("2000"), "USDT"),)
    assert "Requested by the customer" in found[0].detail
    stale = signed_mandate(services, status="INITIAL")  # created 30 days ago, never signed
    signed_mandate(services)  # signed: nothing to chase
    assert labels(services, people["olga"])["Contracts awaiting signature too long"] == [
        stale.merchant_contract_code]


def _batches(services: Services, ref: str) -> list[PayoutBatch]:
    with services.uow() as uow:
        rows = list(uow.session.exec(select(PayoutBatch).where(PayoutBatch.upload_ref == ref)))
        uow.session.expunge_all()
        return rows


def _fail_refund(services: Services, amount: str = "40") -> str:
    order = paid_order(services, "100")
    ref = f"R{uuid.uuid4().hex[:20]}"
    with services.uow() as uow:
        uow.session.add(Refund(order_id=order.id, refund_request_id=ref, amount=Decimal(amount),
                               currency="USDT", reason="OTHER", status="FAIL",
                               error_message="Insufficient balance.",
                               updated_at=datetime.now(UTC)))
        uow.commit()
    return ref


def _fail_debit(services: Services) -> str:
    mandate = signed_mandate(services)
    ref = f"D{uuid.uuid4().hex[:20]}"
    with services.uow() as uow:
        uow.session.add(DirectDebit(mandate_id=mandate.id, merchant_request_id=ref,
                                    amount=Decimal("9.99"), currency="USDT", status="FAIL",
                                    updated_at=datetime.now(UTC)))
        uow.commit()
    return ref


def _part_failed_payout(services: Services) -> str:
    request_id = f"P{uuid.uuid4().hex[:20]}"
    now = datetime.now(UTC)
    with services.uow() as uow:
        batch = PayoutBatch(request_id=request_id, upload_ref="U1", currency="USDT",
                            total_amount=Decimal("30"), line_count=2, status="PART_SUCCESS",
                            updated_at=now)
        uow.session.add(batch)
        uow.session.flush()
        for n, (status, amount) in enumerate((("SUCCESS", "10"), ("FAIL", "20"))):
            uow.session.add(PayoutLine(batch_id=batch.id, file_line=n + 2,
                                       merchant_send_id=f"{request_id[:20]}L{n}",
                                       receive_type="EMAIL", receiver=f"p{n}@example.com",
                                       amount=Decimal(amount), currency="USDT", status=status,
                                       updated_at=now))
        uow.commit()
    return request_id


def test_failures_alert_those_who_can_act_once_each(services, people) -> None:
    history = _fail_refund(services)  # failed before alerts began: history, not news
    assert alerts.collect(services) == 0
    refund = _fail_refund(services, "40")
    debit = _fail_debit(services)
    payout = _part_failed_payout(services)
    assert alerts.collect(services) == 3
    assert alerts.collect(services) == 0  # one alert per failed item, however often it runs
    shown = {a.item_ref: a for a in alerts.open_alerts(services, people["olga"])}
    assert set(shown) == {refund, debit, payout} and history not in shown
    assert "40 USDT did not go back" in shown[refund].message
    assert "Insufficient balance." in shown[refund].message
    assert "1 of 2 lines of payout batch" in shown[payout].message
    assert shown[payout].amount == Decimal("20")
    # Approvers and viewers cannot redo a refund, payout or debit: not their alert.
    assert alerts.open_alerts(services, people["anna"]) == []
    assert alerts.open_alerts(services, people["vic"]) == []
    in_inbox = inbox.items(services, people["olga"])["Failed payouts, refunds and debits"]
    assert len(in_inbox) == 3

    with pytest.raises(PermissionDeniedError):
        alerts.dismiss(services, people["vic"], shown[refund].id)
    alerts.dismiss(services, people["olga"], shown[refund].id)
    with pytest.raises(ConflictError):
        alerts.dismiss(services, people["oscar"], shown[refund].id)
    assert refund not in {a.item_ref for a in alerts.open_alerts(services, people["oscar"])}
    with services.uow() as uow:
        entry = uow.session.exec(select(AuditEntry).where(
            AuditEntry.action == "alert.dismissed")).one()
        assert (entry.actor_name, entry.target_id) == ("olga", refund)


class _ChatHook(BaseHTTPRequestHandler):
    received: list[dict[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def chat_hook() -> Iterator[str]:
    _ChatHook.received = []
    server = HTTPServer(("127.0.0.1", 0), _ChatHook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_alerts_go_to_the_chat_webhook_once_only_when_configured(services, chat_hook) -> None:
    alerts.collect(services)
    _fail_refund(services)
    alerts.collect(services)
    assert alert_delivery.deliver(services) == 1  # not configured: handled, shown in app only
    with services.uow() as uow:
        note = uow.session.exec(select(Alert.delivery_note)).one()
    assert note.startswith("shown in the app only")
    assert _ChatHook.received == []

    services.settings = services.settings.model_copy(update={"alert_webhook_url": chat_hook})
    debit = _fail_debit(services)
    alerts.collect(services)
    assert alert_delivery.deliver(services) == 1
    assert alert_delivery.deliver(services) == 0  # never twice
    assert len(_ChatHook.received) == 1
    assert debit in _ChatHook.received[0]["text"]
    with services.uow() as uow:
        note = uow.session.exec(select(Alert.delivery_note).where(Alert.item_ref == debit)).one()
    assert note == "posted to the chat webhook"


def test_an_unreachable_webhook_is_noted_not_retried_forever(services) -> None:
    services.settings = services.settings.model_copy(
        update={"alert_webhook_url": "http://127.0.0.1:9/nothing-listens"})
    alerts.collect(services)
    _fail_debit(services)
    alerts.collect(services)
    assert alert_delivery.deliver(services) == 1
    with services.uow() as uow:
        row = uow.session.exec(select(Alert)).one()
        assert row.delivery_note.startswith("chat webhook failed")
        assert row.delivered_at is not None and row.dismissed_at is None  # still open in app


def test_unsent_batches_include_refused_sends(services, people) -> None:
    ref = submitted_upload(services, people["olga"])
    approval.approve(services, people["anna"], ref, "ok")
    with services.uow() as uow:
        batch = uow.session.exec(select(PayoutBatch).where(PayoutBatch.upload_ref == ref)).one()
        batch.status = "SEND_FAILED"
        batch.updated_at = datetime.now(UTC) - timedelta(minutes=1)
        uow.session.add(batch)
        uow.commit()
    found = inbox.items(services, people["olga"])["Payout batches not sent"]
    assert "refused by the provider; send again" in found[0].detail



def test_alerts_are_e_mailed_to_the_recipients_when_an_smtp_host_is_set(sqlite_services) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import asyncore
        import smtpd

    received: list[tuple[list[str], bytes]] = []

    class Sink(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kw):  # type: ignore[no-untyped-def]
            received.append((rcpttos, data))

    server = Sink(("127.0.0.1", 0), None)
    loop = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.05}, daemon=True)
    loop.start()
    try:
        services = sqlite_services
        services.settings = services.settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": server.socket.getsockname()[1],
            "alert_emails": "ops@example.com, cfo@example.com"})
        alerts.collect(services)
        debit = _fail_debit(services)
        alerts.collect(services)
        assert alert_delivery.deliver(services) == 1
    finally:
        server.close()
        loop.join(timeout=5)
    [(to, data)] = received
    assert sorted(to) == ["cfo@example.com", "ops@example.com"]
    assert f"Subject: PayDesk: debit {debit} failed".encode() in data
    with services.uow() as uow:
        note = uow.session.exec(select(Alert.delivery_note)).one()
    assert note == "e-mailed to ops@example.com, cfo@example.com"


def test_items_that_need_review_wait_for_approvers(services, people) -> None:
    order = paid_order(services, "25")
    note = ("the provider reported 25000 USDT (webhook) where PayDesk recorded 25 USDT: check "
            "with the provider before doing anything else")
    with services.uow() as uow:
        row = uow.session.get(Order, order.id)
        row.review_note = note
        uow.commit()
    found = inbox.items(services, people["anna"])[
        "Needs review: the provider disagrees with our figures"]
    assert [(i.title, i.detail, i.page) for i in found] == [
        (f"Order {order.merchant_order_id}", note, "orders")]
    assert "Needs review: the provider disagrees with our figures" not in inbox.items(
        services, people["vic"])
