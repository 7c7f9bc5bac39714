"""The day totals behind the Overview (migration 0010)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from data.models._base import money_field

# Kept by database triggers in the same transaction as every write to orders and refunds, per
# local day of the zone recorded in app_meta 'rollup_zone' (data/queries/day_totals.py).


class OrderDayTotal(SQLModel, table=True):
    __tablename__ = "order_day_totals"

    day: date = Field(primary_key=True)
    provider: str = Field(primary_key=True, max_length=16)
    currency: str = Field(primary_key=True, max_length=12)
    status: str = Field(primary_key=True, max_length=16)
    orders: int = Field(sa_type=BigInteger)
    amount: Decimal = money_field()


class RefundDayTotal(SQLModel, table=True):
    __tablename__ = "refund_day_totals"

    day: date = Field(primary_key=True)
    currency: str = Field(primary_key=True, max_length=12)
    status: str = Field(primary_key=True, max_length=16)
    refunds: int = Field(sa_type=BigInteger)
    amount: Decimal = money_field()


class RollupZoneOffset(SQLModel, table=True):
    """SQLite only (PostgreSQL knows zones): the recorded zone's UTC offset from each moment on."""

    __tablename__ = "rollup_zone_offsets"

    starts_at: datetime = Field(primary_key=True)
    offset_minutes: int
