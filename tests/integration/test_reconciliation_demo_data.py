"""The sandbox sample reconciliation on realistic demo data (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set): exactly the injected breaks, nothing PayDesk recorded correctly.

The demo store has what the small sample month lacks: payout lines of a batch the provider turned
down (FAIL, no provider id), lines that failed or were returned after leaving (FAIL / REFUNDED
with an id), partially and fully refunded orders, failed refunds and debits, debits known by
their provider pay id only, and items either side of the period's boundaries.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import DirectDebit, Order, PayoutBatch, PayoutLine, Refund
from services.core.access import Actor
from services.entrypoints.bootstrap import Services, build_services
from services.demo.data import seed_demo_data
from services.reconciliation import matching as m
from services.reconciliation import runs
from services.demo import statement_simulation as simulate
from services.reconciliation import statements
from services.reconciliation.runs import ItemView
from tests.conftest import settings_for

APPROVER = Actor(user_id=None, username="anton", role="approver")
NOW = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
START, END = date(2026, 1, 1), date(2026, 3, 1)  # the whole seeded span: 60 days


def _demo(store_url: str, zone: str) -> Services:
    services = build_services(settings_for(store_url, PAYDESK_TIMEZONE=zone))
    services.clock = lambda: NOW
    seed_demo_data(services, orders=4000, days=60, seed=11, end=NOW.date())
    return services


@pytest.fixture(params=["UTC", "Asia/Kolkata"])
def demo(request: pytest.FixtureRequest, store_url: str) -> Iterator[Services]:
    services = _demo(store_url, request.param)
    yield services
    services.engine.dispose()


def _sample_run(services: Services, content: bytes | None = None,
                ) -> tuple[list[ItemView], dict[str, str]]:
    built = simulate.sandbox_statement(services, START, END, inject=True)
    imported = statements.import_statement(services, APPROVER, content or built.content,
                                           file_name="sample.csv", source="sandbox")
    run = runs.start_run(services, APPROVER, start=START, end=END,
                         statement_ids=[imported.statement_id])
    return runs.list_items(services, APPROVER, run.id), built.expected


def test_the_demo_store_has_the_cases_that_went_wrong(demo: Services) -> None:
    with demo.uow() as uow:
        s = uow.session
        lines = Counter((ln.status, ln.provider_order_id is None)
                        for ln in s.exec(select(PayoutLine)).all())
        orders = Counter(o.status for o in s.exec(select(Order)).all())
        refunds = Counter(r.status for r in s.exec(select(Refund)).all())
        debits = [(d.status, d.provider_order_id, d.provider_pay_id)
                  for d in s.exec(select(DirectDebit)).all()]
        batches = Counter(b.status for b in s.exec(select(PayoutBatch)).all())
    assert lines[("FAIL", True)] and lines[("FAIL", False)] and lines[("REFUNDED", False)]
    assert lines[("SUCCESS", False)] and batches["FAILED"] and batches["PART_SUCCESS"]
    assert orders["REFUNDED"] and orders["FULL_REFUNDED"] and orders["EXPIRED"]
    assert refunds["FAIL"] and refunds["SUCCESS"]
    assert {status for status, _, _ in debits} >= {"SUCCESS", "FAIL"}
    assert all(prepay is None and pay_id for _, prepay, pay_id in debits)


def test_sample_finds_exactly_one_break_of_each_injected_kind(demo: Services) -> None:
    items, expected = _sample_run(demo)
    breaks = [i for i in items if i.klass != m.MATCHED]
    injected = Counter(k for k in expected.values() if k != m.MATCHED)
    assert set(injected) == set(m.BREAKS) and set(injected.values()) == {1}
    assert Counter(i.klass for i in breaks) == injected, [
        (i.klass, i.kind, i.ledger_ref, i.ledger_status, i.provider_status)
        for i in breaks if expected.get(i.ledger_ref or "") != i.klass][:10]
    for item in breaks:
        assert expected.get(item.ledger_ref or "") == item.klass, item
    kinds = Counter(i.kind for i in items if i.klass == m.MATCHED)
    assert all(kinds[k] for k in ("payment", "refund", "payout", "debit")), kinds
    # Returned payouts matched as such; a batch the provider turned down is no item at all.
    returned = [i for i in items if i.kind == "payout" and i.ledger_status in ("FAIL", "REFUNDED")]
    assert returned and all(i.klass == m.MATCHED and i.provider_status == "RETURNED"
                            for i in returned)
    assert all(i.provider_ref for i in returned)
    with demo.uow() as uow:
        refused = {ln.merchant_send_id for ln in uow.session.exec(select(PayoutLine).where(
            PayoutLine.status == "FAIL", PayoutLine.provider_order_id.is_(None))).all()}  # type: ignore[union-attr]
    assert refused and not refused & {i.ledger_ref for i in items}
    assert all(i.provider_ref != "nan" for i in items)


def test_a_payout_missing_at_the_provider_shows_what_paydesk_paid(demo: Services) -> None:
    built = simulate.sandbox_statement(demo, START, END, inject=True)
    with demo.uow() as uow:
        line, batch = uow.session.exec(
            select(PayoutLine, PayoutBatch).join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)  # type: ignore[arg-type]
            .where(PayoutLine.status == "SUCCESS").order_by(PayoutLine.id)).first()  # type: ignore[arg-type, misc]
        send_id, amount, request_id = line.merchant_send_id, line.amount, batch.request_id
    ours = f"{request_id}/{send_id}"
    table = list(csv.reader(io.StringIO(built.content.decode())))
    kept = [r for r in table if not (r[1] == "PAYOUT" and r[6] == ours)]
    assert len(kept) == len(table) - 1
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(kept)
    items, _ = _sample_run(demo, text.getvalue().encode())
    missing = [i for i in items if i.ledger_ref == send_id]
    assert [i.klass for i in missing] == [m.MISSING_AT_PROVIDER]
    assert missing[0].ledger_amount == -amount and missing[0].provider_amount == 0
    assert missing[0].difference == amount and missing[0].group_ref == request_id
    breaks = Counter(i.klass for i in items if i.klass != m.MATCHED)
    assert breaks[m.MISSING_AT_PROVIDER] == 2 and sum(breaks.values()) == len(m.BREAKS) + 1


def test_items_straddling_the_period_boundary_belong_to_where_they_completed(
        services: Services) -> None:
    """A refund asked for in February and completed in March is March's (the provider books it
    when it completes), whether it was asked for a minute or days before the month turned."""
    march, march_end = date(2026, 3, 1), date(2026, 3, 31)
    simulate.seed_sample_month(services, march, orders=10)
    turn = datetime(2026, 3, 1, tzinfo=UTC)
    with services.uow() as uow:
        order = Order(merchant_order_id="SOFEB1", provider_order_id="9300000000000999001",
                      amount=Decimal("40"), currency="USDT", status="REFUNDED",
                      fee=Decimal("0.4"), created_at=turn - timedelta(days=5),
                      paid_at=turn - timedelta(days=5), updated_at=turn)
        uow.session.add(order)
        uow.session.flush()
        for n, asked in enumerate((timedelta(minutes=1), timedelta(days=3))):
            uow.session.add(Refund(
                order_id=order.id or 0, refund_request_id=f"SRFEB{n}",
                provider_refund_id=f"28400000000099900{n}", amount=Decimal(5 + n),
                currency="USDT", reason="CUSTOMER_REQUEST", status="SUCCESS",
                created_at=turn - asked, completed_at=turn + timedelta(minutes=2)))
        uow.commit()
    for start, end, present in ((march, march_end, True), (date(2026, 2, 1), date(2026, 2, 28),
                                                          False)):
        built = simulate.sandbox_statement(services, start, end)
        imported = statements.import_statement(services, APPROVER, built.content,
                                               file_name=f"{start}.csv", source="sandbox")
        run = runs.start_run(services, APPROVER, start=start, end=end,
                             statement_ids=[imported.statement_id])
        items = runs.list_items(services, APPROVER, run.id)
        assert run.breaks == 0, [(i.klass, i.ledger_ref) for i in items if i.klass != m.MATCHED]
        refs = {i.ledger_ref for i in items if i.kind == "refund"}
        assert ({"SRFEB0", "SRFEB1"} & refs) == ({"SRFEB0", "SRFEB1"} if present else set())


def test_items_without_a_provider_id_are_written_and_matched_by_merchant_id(
        services: Services) -> None:
    """Lines whose provider id PayDesk has not learnt yet (a refund still REFUNDING, a payout
    line whose news came without one) carry an empty reference, not the word "nan", so two of
    them are not one line repeated."""
    march, march_end = date(2026, 3, 1), date(2026, 3, 31)
    simulate.seed_sample_month(services, march)
    with services.uow() as uow:
        s = uow.session
        for line in s.exec(select(PayoutLine).where(PayoutLine.status == "SUCCESS")).all():
            line.provider_order_id = None
            s.add(line)
        for refund in s.exec(select(Refund).order_by(Refund.id)).all()[:3]:  # type: ignore[arg-type]
            refund.provider_refund_id, refund.status = None, "REFUNDING"
            s.add(refund)
        uow.commit()
    built = simulate.sandbox_statement(services, march, march_end)
    table = list(csv.reader(io.StringIO(built.content.decode())))
    assert not any("nan" in row for row in table)
    imported = statements.import_statement(services, APPROVER, built.content,
                                           file_name="march.csv", source="sandbox")
    run = runs.start_run(services, APPROVER, start=march, end=march_end,
                         statement_ids=[imported.statement_id])
    items = runs.list_items(services, APPROVER, run.id)
    assert run.breaks == 0, [(i.klass, i.kind, i.ledger_ref) for i in items if i.klass != "matched"]
    by_merchant = Counter(i.kind for i in items if i.matched_by == "merchant_id")
    assert by_merchant["payout"] == 3 and by_merchant["refund"] == 3
