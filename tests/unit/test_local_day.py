from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from data.queries.local_day import offset_segments


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
