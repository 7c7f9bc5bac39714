from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from data.queries.local_day import local_day_ranges, offset_segments


def test_berlin_offsets_change_at_the_exact_dst_moments() -> None:
    segments = offset_segments(
        ZoneInfo("Europe/Berlin"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert segments == [
        (datetime(2026, 1, 1, tzinfo=UTC), 60),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 120),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 60),
    ]


def test_half_hour_dst_zones_are_exact_too() -> None:
    segments = offset_segments(
        ZoneInfo("Australia/Lord_Howe"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    )
    assert [offset for _, offset in segments] == [660, 630, 660]
    assert segments[1][0] == datetime(2026, 4, 4, 15, 0, tzinfo=UTC)


def test_a_zone_without_dst_is_one_segment() -> None:
    assert offset_segments(
        ZoneInfo("Asia/Kolkata"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    ) == [(datetime(2026, 1, 1, tzinfo=UTC), 330)]


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def test_day_ranges_tile_the_period_and_each_lies_in_its_local_day() -> None:
    for name in ("UTC", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe", "America/Santiago"):
        zone = ZoneInfo(name)
        start = datetime(2025, 12, 31, 22, 30, tzinfo=UTC)
        end = datetime(2027, 1, 2, 5, 0, tzinfo=UTC)
        ranges = local_day_ranges(zone, start, end)
        assert ranges[0][1] == start and ranges[-1][2] == end
        tiny = timedelta(microseconds=1)
        nexts = [*ranges[1:], (None, end, None)]
        for (day, lower, upper), (_, following, _) in zip(ranges, nexts, strict=True):
            assert lower < upper == following
            assert _local_date(lower, zone) == day == _local_date(upper - tiny, zone), (name, day)


def test_zone_aware_bounds_give_the_same_ranges_as_utc_ones() -> None:
    zone = ZoneInfo("Europe/Berlin")
    start, end = datetime(2026, 3, 1, tzinfo=zone), datetime(2026, 11, 1, tzinfo=zone)
    assert local_day_ranges(zone, start, end) == local_day_ranges(
        zone, start.astimezone(UTC), end.astimezone(UTC)
    )


def test_a_day_repeated_by_clocks_going_back_at_midnight_gets_two_ranges() -> None:
    # Santiago ends DST at 24:00 on 4 April 2026: 23:00-24:00 on the 4th happens twice.
    ranges = local_day_ranges(
        ZoneInfo("America/Santiago"),
        datetime(2026, 4, 4, 12, tzinfo=UTC),
        datetime(2026, 4, 6, tzinfo=UTC),
    )
    assert [(day, lower.hour, upper.hour) for day, lower, upper in ranges] == [
        (date(2026, 4, 4), 12, 3),
        (date(2026, 4, 4), 3, 4),
        (date(2026, 4, 5), 4, 0),
    ]
