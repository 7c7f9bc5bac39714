"""When things happen: the seeded window and seasonal timestamps (int64 µs since the epoch, UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR

# UTC hour-of-day profile: European and American business hours, a quiet but non-zero night
# because crypto buyers are global.
HOUR_WEIGHTS = np.array(
    [
        0.30,
        0.22,
        0.18,
        0.16,
        0.18,
        0.25,
        0.40,
        0.60,
        0.85,
        1.00,
        1.10,
        1.15,
        1.20,
        1.25,
        1.30,
        1.30,
        1.25,
        1.15,
        1.05,
        0.95,
        0.85,
        0.70,
        0.55,
        0.40,
    ]
)
# Monday..Sunday: weekends are quieter for a business selling to working customers.
WEEKDAY_WEIGHTS = np.array([1.0, 1.05, 1.06, 1.04, 0.98, 0.70, 0.62])
ANNUAL_GROWTH = 0.45  # continuous rate: about +57% a year
DAILY_NOISE_SIGMA = 0.10
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


@dataclass(frozen=True)
class Window:
    start_us: int
    cutoff_us: int  # exclusive; "now" when the window ends today
    now_us: int

    @property
    def live(self) -> bool:
        """True when the window reaches the present, so in-flight states are plausible."""
        return self.now_us - self.cutoff_us < US_PER_DAY


def to_us(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def from_us(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def make_window(days: int, end: date, now: datetime) -> Window:
    if days < 1:
        raise ValueError("days must be at least 1")
    start = datetime.combine(end - timedelta(days=days - 1), time(), tzinfo=UTC)
    end_of_day = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    now_us = to_us(now)
    cutoff = min(to_us(end_of_day), now_us)
    start_us = to_us(start)
    if cutoff <= start_us:
        raise ValueError(
            f"the window ending {end.isoformat()} starts after now; pick an earlier --end"
        )
    return Window(start_us=start_us, cutoff_us=cutoff, now_us=now_us)


def weekday_of(micros: np.ndarray) -> np.ndarray:
    return (micros // US_PER_DAY + _EPOCH_WEEKDAY) % 7


def seasonal_times(
    rng: np.random.Generator, n: int, window: Window, *, growth: bool = True
) -> np.ndarray:
    """n sorted timestamps following hour, weekday and growth seasonality inside the window."""
    first_hour = window.start_us // US_PER_HOUR
    hours = -(-(window.cutoff_us - window.start_us) // US_PER_HOUR)
    hour_ids = first_hour + np.arange(hours)
    days = hour_ids // 24
    weights = HOUR_WEIGHTS[hour_ids % 24] * WEEKDAY_WEIGHTS[(days + _EPOCH_WEEKDAY) % 7]
    day_index = days - days[0]
    weights = weights * rng.lognormal(0.0, DAILY_NOISE_SIGMA, day_index[-1] + 1)[day_index]
    if growth:
        weights = weights * np.exp(ANNUAL_GROWTH * day_index / 365.0)
    starts = np.maximum(hour_ids * US_PER_HOUR, window.start_us)
    lengths = np.minimum((hour_ids + 1) * US_PER_HOUR, window.cutoff_us) - starts
    weights = weights * (lengths / US_PER_HOUR)
    picked = rng.choice(hours, size=n, p=weights / weights.sum())
    times = starts[picked] + rng.integers(0, lengths[picked])
    times.sort()
    return times


def uniform_times(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    return np.sort(rng.integers(low, max(high, low + 1), size=n))
