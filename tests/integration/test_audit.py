"""The audit log: recorded with the action it describes, immutable, searchable, exportable."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, func, select

from data.models import AppMeta, AuditEntry, AuditEntryImmutableError
from services.core import audit
from services.core.access import Actor
from services.entrypoints.bootstrap import Services
from services.core.errors import InputError, PermissionDeniedError

ANNA = Actor(user_id=None, username="anna", role="approver")
VIC = Actor(user_id=None, username="vic", role="viewer")


def count(services: Services) -> int:
    with services.uow() as uow:
        return uow.session.exec(select(func.count()).select_from(AuditEntry)).one()


def add_entry(services: Services, **kw: object) -> None:
    with services.uow() as uow:
        audit.record(uow, **{"actor": ANNA, "action": "refund.request", **kw})  # type: ignore[arg-type]
        uow.commit()


def test_an_entry_commits_with_its_action(services: Services) -> None:
    with services.uow() as uow:
        uow.session.add(AppMeta(key="k", value="v"))
        audit.record(uow, actor=ANNA, action="settings.change", target_type="app_meta",
                     target_id="k", amount=Decimal("12.50"), currency="USDT",
                     idempotency_key="req-1", provider_code="000000", detail={"to": "v"})
        uow.commit()
    with services.uow() as uow:
        entry = uow.session.exec(select(AuditEntry)).one()
        assert (entry.actor_name, entry.action, entry.amount, entry.idempotency_key,
                entry.provider_code, entry.detail) == (
            "anna", "settings.change", Decimal("12.50"), "req-1", "000000", '{"to": "v"}')


def test_an_entry_rolls_back_with_its_action(services: Services) -> None:
    with pytest.raises(RuntimeError), services.uow() as uow:
        uow.session.add(AppMeta(key="k", value="v"))
        audit.record(uow, actor=ANNA, action="settings.change")
        uow.session.flush()
        raise RuntimeError("provider call failed before commit")
    with services.uow() as uow:
        assert uow.session.exec(select(AppMeta)).all() == []
    assert count(services) == 0


def test_amounts_must_be_decimal(services: Services) -> None:
    with services.uow() as uow, pytest.raises(TypeError, match="Decimal"):
        audit.record(uow, actor=ANNA, action="refund.request", amount=12.5)  # type: ignore[arg-type]


def test_the_orm_refuses_to_change_or_delete_entries(services: Services) -> None:
    add_entry(services)
    with services.uow() as uow:
        entry = uow.session.exec(select(AuditEntry)).one()
        entry.outcome = "tampered"
        with pytest.raises(AuditEntryImmutableError):
            uow.session.flush()
    with services.uow() as uow:
        uow.session.delete(uow.session.exec(select(AuditEntry)).one())
        with pytest.raises(AuditEntryImmutableError):
            uow.session.flush()
    for statement in (update(AuditEntry).values(outcome="x"), delete(AuditEntry)):
        with services.uow() as uow, pytest.raises(AuditEntryImmutableError):
            uow.session.exec(statement)  # type: ignore[call-overload]
    assert count(services) == 1


@pytest.mark.parametrize("sql", ["UPDATE audit_entries SET outcome = 'x'",
                                 "DELETE FROM audit_entries"])
def test_the_store_refuses_raw_sql_changes(services: Services, sql: str) -> None:
    add_entry(services)
    with services.engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(sql))
    assert count(services) == 1


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_search_filters_by_user_action_and_local_dates(services: Services) -> None:
    berlin = services.settings.model_copy(update={"timezone": "Europe/Berlin"})
    services.settings = berlin
    # 23:30 UTC on 1 March is already 2 March in Berlin.
    add_entry(services, actor="olga", action="payout.upload", at=_at(2026, 3, 1, 23, 30))
    add_entry(services, actor="anna", action="payout.approve", at=_at(2026, 3, 2, 8, 0))
    add_entry(services, actor="anna", action="auth.sign_in", at=_at(2026, 3, 1, 12, 0))

    def users_on(**kw: object) -> list[tuple[str, str]]:
        page = audit.search(services, ANNA, audit.AuditFilter(**kw))  # type: ignore[arg-type]
        return [(r.user, r.action) for r in page.rows]

    assert users_on(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)) == [
        ("anna", "payout.approve"), ("olga", "payout.upload")]
    assert users_on(date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)) == [
        ("anna", "auth.sign_in")]
    assert users_on(user="anna") == [("anna", "payout.approve"), ("anna", "auth.sign_in")]
    assert users_on(action="payout.upload") == [("olga", "payout.upload")]
    shown = audit.search(services, ANNA, audit.AuditFilter(user="olga")).rows[0].at
    assert shown.utcoffset() is not None and shown.hour == 0 and shown.day == 2
    with pytest.raises(InputError, match="swap"):
        audit.search(services, ANNA, audit.AuditFilter(date_from=date(2026, 3, 2),
                                                        date_to=date(2026, 3, 1)))


def test_search_pages_in_sql(services: Services) -> None:
    for minute in range(7):
        add_entry(services, target_id=minute, at=_at(2026, 3, 2, 9, minute))
    first = audit.search(services, ANNA, audit.AuditFilter(), page=1, page_size=3)
    last = audit.search(services, ANNA, audit.AuditFilter(), page=99, page_size=3)
    assert (first.total, first.page_count) == (7, 3)
    assert [r.target_id for r in first.rows] == ["6", "5", "4"]
    assert (last.page, [r.target_id for r in last.rows]) == (3, ["0"])


def test_viewers_cannot_read_the_log(services: Services) -> None:
    with pytest.raises(PermissionDeniedError):
        audit.search(services, VIC, audit.AuditFilter())
    with pytest.raises(PermissionDeniedError):
        audit.export_csv_bytes(services, VIC, audit.AuditFilter())


def test_export_is_complete_filtered_formula_safe_and_audited(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "EXPORT_CHUNK", 2)  # several chunks with few rows
    for n in range(5):
        add_entry(services, target_id=f"=HYPERLINK(\"x\",{n})", amount=Decimal("-1.5"),
                  currency="USDT", detail="@SUM(A1)", at=_at(2026, 3, 2, 9, n))
    add_entry(services, actor="olga", action="other", at=_at(2026, 3, 2, 10, 0))
    data = audit.export_csv_bytes(services, ANNA, audit.AuditFilter(user="anna"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 5
    assert rows[0]["Target id"] == "'=HYPERLINK(\"x\",0)"
    assert rows[0]["Detail"] == "'@SUM(A1)"
    assert rows[0]["Amount"] == "-1.50000000"  # a number, not a formula
    assert rows[0]["Time zone"] == services.settings.timezone
    assert not [h for h in rows[0] if "_" in h]  # headers in words
    with services.uow() as uow:
        exported = uow.session.exec(
            select(AuditEntry).where(col(AuditEntry.action) == "audit.export")).one()
        assert exported.actor_name == "anna" and '"user": "anna"' in (exported.detail or "")


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-cmd", "'-cmd"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("plain", "plain"), (None, ""), (Decimal("-2.5"), "-2.5"),
])
def test_safe_csv_cell(value: object, cell: str) -> None:
    assert audit.safe_csv_cell(value) == cell
