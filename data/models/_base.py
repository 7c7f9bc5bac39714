"""Helpers every table module uses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Field

from data.types import Money


def utcnow() -> datetime:
    return datetime.now(UTC)


def money_field(*, nullable: bool = False, default: Decimal | None = None, **kw):  # type: ignore[no-untyped-def]
    return Field(default=default, sa_type=Money(), nullable=nullable, **kw)
