"""The store on SQLite and PostgreSQL: migrations, exact money, UTC timestamps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, inspect, select

from data import migrate
from data.models import Order
from data.types import MoneyPrecisionError
from services.entrypoints.bootstrap import Services


def _order(n: int, amount: Decimal, **extra: object) -> dict[str, object]:
    return {
        "merchant_order_id": f"T{n:012d}",
        "provider": "binance_pay",
        "amount": amount,
        "currency": "USDT",
        "status": "PAID",
        "product_name": "test",
        "refunded_amount": Decimal(0),
        "created_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=n),
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
        **extra,
    }


def test_migrations_apply_from_empty_and_reach_head(services: Services) -> None:
    assert migrate.is_up_to_date(services.engine)
    tables = set(inspect(services.engine).get_table_names())
    expected = {"users", "orders", "refunds", "payout_batches", "payout_lines", "mandates",
                "direct_debits", "webhook_deliveries", "audit_entries"}
    assert expected <= tables
    order_indexes = {ix["name"] for ix in inspect(services.engine).get_indexes("orders")}
    assert "ix_orders_created_currency_status_amount" in order_indexes


def test_sql_sum_of_100k_random_8_decimal_amounts_equals_the_python_decimal_sum(
    services: Services,
) -> None:
    rng = random.Random(20261122)
    amounts = [Decimal(rng.randrange(1, 10**14)).scaleb(-8) for _ in range(100_000)]
    rows = [_order(n, amount) for n, amount in enumerate(amounts)]
    with services.uow() as uow:
        uow.session.execute(insert(Order), rows)
        uow.commit()
    with services.uow() as uow:
        total = uow.session.execute(select(func.sum(Order.amount))).scalar_one()
    assert isinstance(total, Decimal)
    assert total == sum(amounts, Decimal(0))


def test_amounts_round_trip_exactly_at_8_decimals(services: Services) -> None:
    samples = [Decimal("0.00000001"), Decimal("123456789.12345678"), Decimal("92233720368.54775807")]
    with services.uow() as uow:
        uow.session.execute(insert(Order), [_order(n, a) for n, a in enumerate(samples)])
        uow.commit()
    with services.uow() as uow:
        stored = uow.session.execute(select(Order.amount).order_by(Order.id)).scalars().all()
    assert stored == samples


def test_an_amount_with_9_decimals_is_refused_not_rounded(services: Services) -> None:
    with services.uow() as uow, pytest.raises(Exception) as raised:
        uow.session.execute(insert(Order), [_order(1, Decimal("1.123456789"))])
        uow.session.flush()
    assert isinstance(raised.value, MoneyPrecisionError) or isinstance(
        raised.value.__cause__, MoneyPrecisionError
    ) or "decimal places" in str(raised.value)
    with services.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Order)).scalar_one() == 0


def test_an_amount_beyond_the_storable_range_is_refused(services: Services) -> None:
    with services.uow() as uow, pytest.raises(Exception, match="largest storable"):
        uow.session.execute(insert(Order), [_order(1, Decimal("92233720368.54775808"))])


def test_a_float_amount_is_refused(services: Services) -> None:
    with services.uow() as uow, pytest.raises(Exception, match="Decimal"):
        uow.session.execute(insert(Order), [_order(1, 1.5)])  # type: ignore[arg-type]


def test_timestamps_come_back_utc_aware(services: Services) -> None:
    berlin_noon = datetime.fromisoformat("2026-07-01T12:00:00+02:00")
    with services.uow() as uow:
        uow.session.execute(insert(Order), [_order(1, Decimal("1"), created_at=berlin_noon)])
        uow.commit()
    with services.uow() as uow:
        created = uow.session.execute(select(Order.created_at)).scalar_one()
    assert created.tzinfo is not None
    assert created == berlin_noon
    assert created.utcoffset() == timedelta(0)


def test_unit_of_work_rolls_back_unless_committed(services: Services) -> None:
    with services.uow() as uow:
        uow.session.execute(insert(Order), [_order(1, Decimal("5"))])
    with pytest.raises(RuntimeError), services.uow() as uow:
        uow.session.execute(insert(Order), [_order(2, Decimal("5"))])
        raise RuntimeError("boom")
    with services.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Order)).scalar_one() == 0


def test_the_migrations_build_exactly_the_tables_the_models_declare(services: Services) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    dialect = services.engine.dialect.name

    def on_this_database(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        # Indexes declared with ddl_if(dialect=...) exist only on that database.
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    with services.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": on_this_database}
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_webhook_millisecond_timestamps_fit_the_column(services: Services) -> None:
    from data.models import WebhookDelivery

    stamp = 1_795_000_000_123
    with services.uow() as uow:
        uow.session.add(WebhookDelivery(headers_json="{}", body="{}", timestamp_ms=stamp))
        uow.commit()
    with services.uow() as uow:
        assert uow.session.execute(select(WebhookDelivery.timestamp_ms)).scalar_one() == stamp


def test_a_notice_carries_at_most_one_debit_that_did_not_fail(services: Services) -> None:
    from sqlalchemy.exc import IntegrityError

    from data.models import DebitNotice, DirectDebit, Mandate

    with services.uow() as uow:
        mandate = Mandate(merchant_contract_code="C1", service_name="s", status="SIGNED",
                          single_upper_limit=Decimal("10"), currency="USDT", periodic=True)
        uow.session.add(mandate)
        uow.session.flush()
        notice = DebitNotice(mandate_id=mandate.id, merchant_request_id="N1",
                             estimated_amount=Decimal("5"), currency="USDT", status="SENT")
        uow.session.add(notice)
        uow.session.flush()
        ids = (mandate.id, notice.id)
        uow.commit()

    def debit(n: int, status: str) -> DirectDebit:
        return DirectDebit(mandate_id=ids[0], notice_id=ids[1], merchant_request_id=f"D{n}",
                           amount=Decimal("5"), currency="USDT", status=status)

    with services.uow() as uow:
        uow.session.add_all([debit(1, "FAIL"), debit(2, "FAIL"), debit(3, "PROCESSING")])
        uow.commit()
    with services.uow() as uow, pytest.raises(IntegrityError):
        uow.session.add(debit(4, "PENDING"))
        uow.session.flush()
