"""SQL for "the local calendar day of a UTC timestamp", exact in any IANA time zone.

PostgreSQL converts with `timezone(zone, ts)`. SQLite has no zone database, so the range is cut
into stretches of constant UTC offset (computed in Python from zoneinfo) and a CASE picks the
offset for each row; `date(ts, '+N minutes')` then gives the local day, DST changes included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

_STEP = timedelta(minutes=15)  # every UTC offset in use is a multiple of 15 minutes


def offset_segments(
    zone: ZoneInfo, start_utc: datetime, end_utc: datetime
) -> list[tuple[datetime, int]]:
    """[(segment start in UTC, offset in minutes)] covering [start_utc, end_utc)."""
    def offset_at(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 60)

    segments = [(start_utc, offset_at(start_utc))]
    probe = start_utc
    # Offsets change at most a few times a year and never twice within 12 hours: probe twice a
    # day, then find the exact moment in 15-minute steps.
    while probe < end_utc:
        following = min(probe + timedelta(hours=12), end_utc)
        if offset_at(following) != segments[-1][1]:
            moment = probe
            while offset_at(moment) == segments[-1][1]:
                moment += _STEP
            segments.append((moment, offset_at(moment)))
        probe = following
    return segments


def local_day(
    column: ColumnElement[datetime],
    *,
    dialect: Dialect,
    zone: ZoneInfo,
    start_utc: datetime,
    end_utc: datetime,
) -> ColumnElement[str]:
    """An expression giving the local day of `column` as text 'YYYY-MM-DD' (as a date on PG)."""
    if dialect.name == "postgresql":
        return func.date(func.timezone(zone.key, column))
    segments = offset_segments(zone, start_utc, end_utc)
    if len(segments) == 1:
        modifier: ColumnElement[str] = literal(f"{segments[0][1]:+d} minutes")
    else:
        whens = [
            (column < next_start, f"{offset:+d} minutes")
            for (_, offset), (next_start, _) in zip(segments, segments[1:], strict=False)
        ]
        modifier = case(*whens, else_=f"{segments[-1][1]:+d} minutes")
    return func.date(column, modifier)
