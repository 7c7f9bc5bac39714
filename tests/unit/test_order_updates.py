"""Order status rules: forward only, final states stay, repeated events change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from data.models import AuditEntry, Order
from services.orders.events import (
    APPLY,
    CONFLICT,
    IGNORED,
    SAME,
    STALE,
    OrderReport,
    apply_report,
    decide,
    report_from_event,
)
from services.providers.events import InboundEvent
from tests.binance_news import binance_event

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "target", "verdict"),
    [
        ("INITIAL", "PENDING", APPLY),
        ("INITIAL", "PAID", APPLY),
        ("PENDING", "INITIAL", STALE),
        ("PENDING", "EXPIRED", APPLY),
        ("PENDING", "CANCELED", APPLY),
        ("PENDING", "ERROR", APPLY),
        ("INITIAL", "FULL_REFUNDED", APPLY),
        ("PAID", "PAID", SAME),
        ("PAID", "EXPIRED", STALE),
        ("PAID", "CANCELED", STALE),
        ("PAID", "PENDING", STALE),
        ("PAID", "REFUNDING", APPLY),
        ("REFUNDING", "PAID", STALE),
        ("REFUNDING", "REFUNDED", APPLY),
        ("REFUNDED", "REFUNDING", APPLY),
        ("REFUNDED", "PAID", STALE),
        ("FULL_REFUNDED", "REFUNDING", STALE),
        ("FULL_REFUNDED", "PAID", STALE),
        ("EXPIRED", "PAID", CONFLICT),
        ("CANCELED", "REFUNDED", CONFLICT),
        ("ERROR", "PAID", CONFLICT),
        ("EXPIRED", "CANCELED", STALE),
        ("CANCELED", "PENDING", STALE),
        ("PAID", "SOMETHING_NEW", IGNORED),
    ],
)
def test_decide(current: str, target: str, verdict: str) -> None:
    assert decide(current, target) == verdict


class _Session:
    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, item: object) -> None:
        self.added.append(item)


class _Uow:
    def __init__(self) -> None:
        self.session = _Session()


class _Services:
    def now(self) -> datetime:
        return NOW


def _order(status: str = "INITIAL", **kw: object) -> Order:
    return Order(id=7, merchant_order_id="M7", provider_order_id="9223372036854775899",
                 amount=Decimal("12.50000000"), currency="USDT", status=status, **kw)


def _audits(uow: _Uow) -> list[AuditEntry]:
    return [a for a in uow.session.added if isinstance(a, AuditEntry)]


def test_payment_fills_details_and_is_audited_once() -> None:
    order, uow = _order("PENDING"), _Uow()
    paid = OrderReport("PAID", paid_at=NOW, transaction_id="T1", payer_id="U1",
                       fee=Decimal("0.05000000"))
    assert apply_report(_Services(), uow, order, paid) == "paid"  # type: ignore[arg-type]
    assert (order.status, order.paid_at, order.transaction_id, order.payer_id, order.fee) == (
        "PAID", NOW, "T1", "U1", Decimal("0.05000000"))
    again = OrderReport("PAID", paid_at=NOW + timedelta(hours=1), transaction_id="T2")
    assert apply_report(_Services(), uow, order, again) == "unchanged"  # type: ignore[arg-type]
    assert (order.paid_at, order.transaction_id) == (NOW, "T1")
    [entry] = _audits(uow)
    assert (entry.action, entry.amount, entry.provider_code) == (
        "order.status", Decimal("12.50000000"), "PAID")


def test_payment_after_expiry_keeps_the_final_state_and_flags_it() -> None:
    order, uow = _order("EXPIRED"), _Uow()
    outcome = apply_report(_Services(), uow, order, OrderReport("PAID", paid_at=NOW))  # type: ignore[arg-type]
    assert outcome == "conflict"
    assert order.status == "EXPIRED" and order.paid_at is None
    [entry] = _audits(uow)
    assert (entry.action, entry.outcome) == ("order.status_conflict", "conflict")


def test_close_after_payment_is_stale_and_silent() -> None:
    order, uow = _order("PAID", paid_at=NOW), _Uow()
    assert apply_report(_Services(), uow, order, OrderReport("CANCELED")) == "stale"  # type: ignore[arg-type]
    assert order.status == "PAID" and order.closed_at is None and uow.session.added == []


def _event(status: str, occurred: datetime, **data: object) -> InboundEvent:
    return binance_event("PAY", "1", status, {"merchantTradeNo": "MT1", **data}, occurred)


def test_pay_closed_means_expired_after_the_expiry_time_and_canceled_before() -> None:
    order = _order("PENDING", expires_at=NOW)
    late = report_from_event(order, _event("PAY_CLOSED", NOW + timedelta(seconds=1)))
    early = report_from_event(order, _event("PAY_CLOSED", NOW - timedelta(minutes=5)))
    assert late is not None and late.status == "EXPIRED"
    assert early is not None and early.status == "CANCELED"


def test_pay_success_event_reads_exact_amounts_and_times() -> None:
    event = _event("PAY_SUCCESS", NOW, transactTime=1772366400123, transactionId="M_P_1",
                   commission=Decimal("0.04000000"), paymentInfo={"payerId": "P9"})
    report = report_from_event(_order(), event)
    assert report is not None
    assert report.fee == Decimal("0.04000000") and isinstance(report.fee, Decimal)
    assert report.payer_id == "P9" and report.transaction_id == "M_P_1"
    assert report.paid_at == datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)
    assert report_from_event(_order(), _event("PAY_SOMETHING", NOW)) is None


def test_event_details_are_read_only() -> None:
    event = _event("PAY_SUCCESS", NOW, transactionId="M_P_1")
    with pytest.raises(TypeError):
        event.details["transaction_id"] = "changed"  # type: ignore[index]
