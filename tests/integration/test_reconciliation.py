"""Reconciliation on a real store (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from data.models import AuditEntry, Order, Statement
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.core.errors import ConflictError, PermissionDeniedError
from services.reconciliation import matching as m
from services.reconciliation import reports
from services.reconciliation import runs
from services.demo import statement_simulation as simulate
from services.reconciliation import statements

OPERATOR = Actor(user_id=None, username="olga", role="operator")
APPROVER = Actor(user_id=None, username="anton", role="approver")
VIEWER = Actor(user_id=None, username="vera", role="viewer")
MARCH, MARCH_END = date(2026, 3, 1), date(2026, 3, 31)


def _month_run(services: Services, *, inject: bool = True) -> tuple[runs.RunView, dict[str, str]]:
    simulate.seed_sample_month(services, MARCH)
    built = simulate.sandbox_statement(services, MARCH, MARCH_END, inject=inject)
    imported = statements.import_statement(services, OPERATOR, built.content,
                                           file_name="march.csv", source="sandbox")
    run = runs.start_run(services, OPERATOR, start=MARCH, end=MARCH_END,
                         statement_ids=[imported.statement_id])
    return run, built.expected


def test_every_injected_break_is_found_and_nothing_else(services: Services) -> None:
    run, expected = _month_run(services)
    items = runs.list_items(services, VIEWER, run.id)
    found: dict[str, list[str]] = {}
    for item in items:
        found.setdefault(item.ledger_ref or "", []).append(item.klass)
    for ref, klass in expected.items():
        if klass == m.DUPLICATE:
            assert sorted(found[ref]) == [m.DUPLICATE, m.MATCHED], ref
        else:
            assert found[ref] == [klass], (ref, found.get(ref))
    breaks = [i for i in items if i.klass != m.MATCHED]
    injected_breaks = [k for k in expected.values() if k != m.MATCHED]
    assert sorted(i.klass for i in breaks) == sorted(injected_breaks)
    assert set(expected.values()) >= set(m.CLASSES)  # every class was injected
    assert run.totals[m.MATCHED] == len(items) - len(breaks)
    assert run.break_count == len(breaks)
    by_how = {i.ledger_ref: i.matched_by for i in items if i.klass == m.MATCHED}
    assert {"provider_id", "merchant_id", "amount_time"} <= set(by_how.values())


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("name", list(reports.REPORTS))
def test_totals_rows_equal_the_sum_of_the_items(services: Services, name: str) -> None:
    run, _ = _month_run(services)
    table = _csv(reports.export_report(services, VIEWER, run.id, name, "csv"))
    header, body = table[0], table[1:]
    label = 1 if name in ("items", "refunds") else 0
    currency = header.index("Currency")
    totals = [r for r in body if r[label] == "Total"]
    rows = [r for r in body if r[label] != "Total"]
    assert rows and totals
    money = [i for i, h in enumerate(header)
             if h.startswith(("PayDesk", "Provider", "Difference", "Fee", "Gross", "Refunds",
                              "Payouts", "Debits", "Net")) and "status" not in h
             and "id" not in h]
    for total in totals:
        mine = [r for r in rows if r[currency] == total[currency]]
        for index in money:
            if any(r[index] == "" for r in mine):  # a figure not stated is not totalled either
                assert total[index] == "", header[index]
                continue
            assert Decimal(total[index]) == sum((Decimal(r[index]) for r in mine), Decimal(0)), \
                header[index]
    if name == "summary":
        for row in body:  # the parts add up to the net: no column counted twice
            parts = sum((Decimal(row[i]) for i in range(2, 7)), Decimal(0))
            assert parts == Decimal(row[7])
            if "Net (provider)" in header and row[8] != "":
                assert Decimal(row[8]) - Decimal(row[7]) == Decimal(row[9])


def test_same_inputs_give_byte_identical_reports(services: Services) -> None:
    run, _ = _month_run(services)
    again = runs.start_run(services, OPERATOR, start=MARCH, end=MARCH_END,
                           statement_ids=list(run.statement_ids))
    for name in reports.REPORTS:
        for fmt in ("csv", "xlsx"):
            first = reports.export_report(services, VIEWER, run.id, name, fmt)  # type: ignore[arg-type]
            assert first == reports.export_report(services, VIEWER, again.id, name, fmt)  # type: ignore[arg-type]
            assert first == reports.export_report(services, VIEWER, run.id, name, fmt)  # type: ignore[arg-type]


def test_same_statement_twice_is_recognised(services: Services) -> None:
    simulate.seed_sample_month(services, MARCH, orders=10)
    content = simulate.sandbox_statement(services, MARCH, MARCH_END).content
    first = statements.import_statement(services, OPERATOR, content, file_name="a.csv",
                                        source="sandbox")
    second = statements.import_statement(services, OPERATOR, content, file_name="copy.csv",
                                         source="sandbox")
    assert not first.already_imported and second.already_imported
    assert second.statement_id == first.statement_id
    with services.uow() as uow:
        assert len(uow.session.exec(select(Statement)).all()) == 1


def test_resolving_is_audited_once_and_carries_over(services: Services) -> None:
    run, _ = _month_run(services)
    open_breaks = [i for i in runs.list_items(services, VIEWER, run.id) if i.klass != m.MATCHED]
    target = open_breaks[0]
    with pytest.raises(PermissionDeniedError):
        runs.resolve_item(services, OPERATOR, target.id, "not mine to decide")
    runs.resolve_item(services, APPROVER, target.id, "=HYPERLINK(\"x\") known rounding")
    with pytest.raises(ConflictError):
        runs.resolve_item(services, APPROVER, target.id, "again")
    assert runs.get_run(services, VIEWER, run.id).break_count == len(open_breaks) - 1
    with services.uow() as uow:
        entry = uow.session.exec(
            select(AuditEntry).where(AuditEntry.action == "reconciliation.resolve")).one()
        assert entry.actor_name == "anton" and entry.target_id == str(target.id)
        assert json.loads(entry.detail or "{}")["class"] == target.klass
    later = runs.start_run(services, OPERATOR, start=MARCH, end=MARCH_END,
                           statement_ids=list(run.statement_ids))
    assert later.break_count == len(open_breaks) - 1
    items = reports.export_report(services, VIEWER, later.id, "items", "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in items and "\n=HYPERLINK" not in items and ",=HYPERLINK" not in items


def test_uploaded_xlsx_with_mapping_saved_per_source(services: Services) -> None:
    import openpyxl

    simulate.seed_sample_month(services, MARCH, orders=10)
    with services.uow() as uow:
        paid = uow.session.exec(select(Order).where(Order.status == "PAID")).all()
        rows = [(o.paid_at.strftime("%d/%m/%Y %H:%M:%S"), "Sale", o.currency, f"{o.amount:f}",  # type: ignore[union-attr]
                 o.merchant_order_id, f"{o.fee:f}") for o in paid]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Booked", "What", "Ccy", "Gross", "Our ref", "Commission"])  # type: ignore[union-attr]
    for row in rows:
        sheet.append(list(row))  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    mapping = statements.ColumnMapping(
        columns={"time": "Booked", "type": "What", "currency": "Ccy", "amount": "Gross",
                 "merchant_id": "Our ref", "fee": "Commission"}, signed_amounts=False)
    first = statements.import_statement(services, OPERATOR, buffer.getvalue(),
                                        file_name="psp.xlsx", source="psp", mapping=mapping)
    assert first.line_count == len(rows)
    assert statements.saved_mapping(services, "psp") == mapping
    run = runs.start_run(services, OPERATOR, start=MARCH, end=MARCH_END,
                         statement_ids=[first.statement_id])
    matched = list(runs.list_items(services, VIEWER, run.id, classes=[m.MATCHED]))
    assert len(matched) == len(rows)
    assert {i.matched_by for i in matched} == {"merchant_id"}


def test_pulls_the_sandbox_transaction_report(services: Services) -> None:
    created = services.provider.create_order(
        merchant_order_id="RECONPULL1", amount=Decimal("25.50"), currency="USDT",
        description="pull", goods_name="pull")
    sandbox = services.sandbox
    assert sandbox is not None
    sandbox.pay_order(prepay_id=created.provider_order_id)
    sandbox.advance(30)  # payment settles after a delay
    status = services.provider.get_order(provider_order_id=created.provider_order_id)
    assert status.paid_at is not None
    with services.uow() as uow:
        uow.session.add(Order(merchant_order_id="RECONPULL1", provider_order_id=created.provider_order_id,
                              amount=Decimal("25.50"), currency="USDT", status="PAID",
                              fee=status.commission, paid_at=status.paid_at,
                              created_at=status.paid_at))
        uow.commit()
    day = status.paid_at.date()
    pulled = statements.pull_provider_statements(services, OPERATOR, day, day)
    assert pulled and sum(p.line_count for p in pulled) >= 1
    again = statements.pull_provider_statements(services, OPERATOR, day, day)
    assert all(p.already_imported for p in again)
    run = runs.start_run(services, OPERATOR, start=day, end=day,
                         statement_ids=[p.statement_id for p in pulled])
    assert run.totals[m.MATCHED] == 1 and run.breaks == 0
