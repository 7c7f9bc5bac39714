"""Status sync: non-final orders resolved by query, audited; parallel workers never share a row."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select

from data.models import AuditEntry, Order, Refund
from services.entrypoints.bootstrap import Services
from services.entrypoints.cli import build_parser
from services.entrypoints.provider_factory import ProviderBundle
from services.providers.base import OrderState, OrderStatus
from services.inbound.sync_runner import run_pass


def _create(services: Services, merchant_order_id: str, status: str = "INITIAL") -> str:
    created = services.provider.create_order(
        merchant_order_id=merchant_order_id, amount=Decimal("7.25000000"), currency="USDT",
        description="sync test", goods_name="Widget")
    _insert(services, merchant_order_id, created.provider_order_id, status)
    return created.provider_order_id


def _insert(services: Services, merchant_order_id: str, provider_order_id: str | None,
            status: str = "INITIAL") -> int:
    with services.uow() as uow:
        order = Order(merchant_order_id=merchant_order_id, provider_order_id=provider_order_id,
                      amount=Decimal("7.25000000"), currency="USDT", status=status,
                      created_at=services.now(), updated_at=services.now())
        uow.session.add(order)
        uow.commit()
        assert order.id is not None
        return order.id


def _statuses(services: Services) -> dict[str, str]:
    with services.uow() as uow:
        return dict(uow.session.exec(select(Order.merchant_order_id, Order.status)).all())


def test_sync_resolves_orders_whose_webhooks_never_came(services: Services) -> None:
    sandbox = services.sandbox
    assert sandbox is not None
    sandbox.set_webhook_sink(None)  # the webhooks are lost: only sync can tell
    paid = _create(services, "PAIDNOHOOK")
    _create(services, "FAILS")
    _create(services, "STILLOPEN")
    _insert(services, "NEVERSENT", None)  # the create call never reached the provider
    _insert(services, "DONE", "123", status="EXPIRED")  # final: not asked again
    sandbox.pay_order(prepay_id=paid, payer_id="PAYER1")
    sandbox.fail_party("PAYER2")
    sandbox.pay_order(merchant_trade_no="FAILS", payer_id="PAYER2")
    sandbox.open_order(merchant_trade_no="STILLOPEN")
    sandbox.advance(5)

    report = run_pass(services)

    assert _statuses(services) == {"PAIDNOHOOK": "PAID", "FAILS": "ERROR",
                                   "STILLOPEN": "PENDING", "NEVERSENT": "INITIAL",
                                   "DONE": "EXPIRED"}
    orders = report.kinds["orders"]
    assert orders.claimed == 4
    assert orders.outcomes == Counter({"paid": 1, "error": 1, "not_found": 1, "pending": 1})
    with services.uow() as uow:
        order = uow.session.exec(select(Order).where(Order.provider_order_id == paid)).one()
        assert order.transaction_id and order.fee is not None and order.payer_id == "PAYER1"
        entries = uow.session.exec(
            select(AuditEntry).where(AuditEntry.action == "order.status")
            .order_by(col(AuditEntry.id))).all()
        assert [(e.actor_name, e.provider_code, e.amount) for e in entries] == [
            ("system", "PAID", Decimal("7.25000000")), ("system", "ERROR", Decimal("7.25000000"))]
        assert all('"source": "sync"' in (e.detail or "") for e in entries)
    # A second pass asks only about what is still open, and changes nothing.
    again = run_pass(services).kinds["orders"]
    assert again.claimed == 2 and again.outcomes == Counter({"unchanged": 1, "not_found": 1})


class _SlowProvider:
    """Answers PAID after a pause, and notices if two workers ask about one order at once."""

    name = "binance_pay"

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.in_flight: set[str] = set()
        self.overlaps: list[str] = []
        self.lock = threading.Lock()

    def get_order(self, *, merchant_order_id: str | None = None,
                  provider_order_id: str | None = None) -> OrderStatus:
        ref = provider_order_id or merchant_order_id or ""
        with self.lock:
            if ref in self.in_flight:
                self.overlaps.append(ref)
            self.in_flight.add(ref)
            self.calls.append(ref)
        time.sleep(0.02)
        with self.lock:
            self.in_flight.discard(ref)
        return OrderStatus(ref, ref, OrderState.PAID, "PAID", Decimal("7.25000000"), "USDT",
                           transaction_id=f"T{ref}")


def _worker_services(services: Services, provider: _SlowProvider) -> Services:
    """A second 'process': its own engine and pool on the same store, and the slow provider."""
    from services.entrypoints.bootstrap import build_services

    other = build_services(services.settings)
    other.provider_factory = lambda _settings: ProviderBundle(provider, None, None)  # type: ignore[arg-type]
    return other


def test_concurrent_passes_never_handle_the_same_row(services: Services) -> None:
    if services.engine.dialect.name != "postgresql":
        pytest.skip("row claiming is a PostgreSQL matter; SQLite has a single writer")
    for n in range(40):
        _insert(services, f"C{n:03d}", f"9{n:018d}", status="PENDING")
    provider = _SlowProvider()
    workers = [_worker_services(services, provider) for _ in range(3)]
    handled: dict[int, list[int]] = {i: [] for i in range(len(workers))}
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            start.wait()
            for _ in range(50):
                report = run_pass(workers[index], batch=4).kinds["orders"]
                handled[index].extend(report.handled)
                if set(_statuses(services).values()) == {"PAID"}:
                    return
        except BaseException as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for worker in workers:
        worker.engine.dispose()
    assert errors == []
    assert set(_statuses(services).values()) == {"PAID"}
    assert provider.overlaps == []
    assert sorted(provider.calls) == sorted(f"9{n:018d}" for n in range(40))  # each asked once
    assert sum(1 for ids in handled.values() if ids) >= 2  # the work really was shared


def test_cli_sync_runs_one_pass(services: Services, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("PAYDESK_MODE", "sandbox")
    args = build_parser().parse_args(["sync", "--kind", "orders"])
    assert args.handler(args) == 0
    assert "orders: 0 claimed" in capsys.readouterr().out
    bad = build_parser().parse_args(["sync", "--kind", "nonsense"])
    from services.core.errors import InputError

    with pytest.raises(InputError, match="no sync job for nonsense"):
        bad.handler(bad)


def test_loop_stops_when_asked(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.entrypoints.cli.sync import _run

    monkeypatch.setenv("DATABASE_URL", services.settings.database_url)
    monkeypatch.setenv("PAYDESK_MODE", "sandbox")
    stop = threading.Event()
    stop.set()
    args: Any = build_parser().parse_args(["sync", "--loop", "--interval", "0.01"])
    assert _run(args, stop) == 0


def test_sync_resolves_an_unknown_refund_without_a_second_refund(services: Services) -> None:
    from services.refunds import commands as refunds
    from services.providers.binance_pay.sandbox import FaultKind
    from tests.integration.money_helpers import paid_order, staff

    sandbox = services.sandbox
    assert sandbox is not None
    olga = staff(services)["olga"]
    order = paid_order(services, "80")
    sandbox.set_fault("/binancepay/openapi/order/refund", FaultKind.TIMEOUT_AFTER_PROCESSING)
    asked = refunds.request_refund(services, olga, order_ref=order.merchant_order_id,
                                   amount="20", reason="REQUESTED_BY_CUSTOMER")
    assert asked.status == "UNKNOWN"  # the sandbox did refund; we never heard back

    assert run_pass(services, kinds=["refunds"]).kinds["refunds"].claimed == 0  # too fresh
    real_clock = services.clock
    services.clock = lambda: real_clock() + timedelta(minutes=2)
    first = run_pass(services, kinds=["refunds"]).kinds["refunds"]
    assert (first.claimed, dict(first.outcomes)) == (1, {"refunding": 1})
    sandbox.advance(10)  # the refund settles at the provider
    services.clock = lambda: real_clock() + timedelta(minutes=4)
    run_pass(services, kinds=["refunds"])

    with services.uow() as uow:
        refund = uow.session.exec(select(Refund)).one()
        settled = uow.session.get(Order, order.id)
        assert settled is not None
        assert (refund.status, refund.refund_request_id) == ("SUCCESS", asked.refund_request_id)
        assert settled.refunded_amount == Decimal("20")
    sent = [e for e in sandbox.events() if e["event"] == "refund_requested"]
    assert [e["refundRequestId"] for e in sent] == [asked.refund_request_id]  # exactly once
