"""SQL for "the local calendar day of a UTC timestamp", exact in any IANA time zone.

PostgreSQL converts with `timezone(zone, ts)`. SQLite has no zone database, so the range is cut
into stretches of constant UTC offset (computed in Python from zoneinfo) and a CASE picks the
offset for each row; `date(ts, '+N minutes')` then gives the local day, DST changes included.
`local_day_ranges` gives the same days as UTC ranges, for callers that query one day at a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
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


def local_day_ranges(
    zone: ZoneInfo, start_utc: datetime, end_utc: datetime
) -> list[tuple[date, datetime, datetime]]:
    """[(local day, range start, range end)]: consecutive UTC ranges covering [start_utc,
    end_utc), each inside one local day and one offset segment, so a row falls in exactly the
    range whose day `local_day` would give it. A day can come back in a later range when the
    clocks go back across midnight."""
    # In UTC, so that adding a timedelta is elapsed time, not wall-clock time in a zone with DST.
    start_utc, end_utc = start_utc.astimezone(UTC), end_utc.astimezone(UTC)
    segments = offset_segments(zone, start_utc, end_utc)
    ranges: list[tuple[date, datetime, datetime]] = []
    for (begin, offset), (end, _) in zip(
        segments, [*segments[1:], (end_utc, 0)], strict=True
    ):
        shift = timedelta(minutes=offset)
        cut = begin
        while cut < end:
            day = (cut + shift).date()
            following = datetime.combine(day + timedelta(days=1), time.min, UTC) - shift
            ranges.append((day, cut, min(following, end)))
            cut = following
    return ranges
