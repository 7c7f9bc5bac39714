"""The finance desk: alerts, saved views, scheduled reports, run-time settings (migration 0011)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from data.models._base import money_field, utcnow


class Alert(SQLModel, table=True):
    """A money movement that failed, for the people who can act on it (one row per item)."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("kind", "item_ref", name="uq_alerts_kind_item"),
        Index("ix_alerts_open", "dismissed_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # payout | refund | debit
    item_ref: str = Field(max_length=64)
    message: str = Field(max_length=512)
    amount: Decimal | None = money_field(nullable=True)
    currency: str | None = Field(default=None, max_length=12)
    # The permission whose holders can act on the failure (and so see the alert).
    audience: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    dismissed_at: datetime | None = None
    dismissed_by: str | None = Field(default=None, max_length=64)
    # E-mail / chat webhook, only when configured: the worker sends each alert once.
    delivered_at: datetime | None = None
    delivery_note: str | None = Field(default=None, max_length=512)


class SavedView(SQLModel, table=True):
    """A named set of filters and columns of one page, owned by one user, opened by a link."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "page", "name", name="uq_saved_views_name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    page: str = Field(max_length=32)
    name: str = Field(max_length=64)
    params_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ReportSchedule(SQLModel, table=True):
    __tablename__ = "report_schedules"

    id: int | None = Field(default=None, primary_key=True)
    report: str = Field(max_length=32)  # settlement | orders
    time_of_day: str = Field(max_length=5)  # HH:MM in the configured time zone
    params_json: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = True
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ReportRun(SQLModel, table=True):
    """One scheduled report for one day; the unique day makes two workers write it once."""

    __tablename__ = "report_runs"
    __table_args__ = (
        UniqueConstraint("schedule_id", "for_day", name="uq_report_runs_schedule_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="report_schedules.id", index=True)
    for_day: date
    status: str = Field(max_length=16)  # RUNNING | DONE | FAILED
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    file_name: str | None = Field(default=None, max_length=256)
    row_count: int | None = None
    error: str | None = Field(default=None, max_length=512)


class RuntimeSetting(SQLModel, table=True):
    """A setting an admin changed in the app; it overrides the environment's value."""

    __tablename__ = "runtime_settings"

    key: str = Field(max_length=64, primary_key=True)
    value: str = Field(max_length=1024)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(max_length=64)
