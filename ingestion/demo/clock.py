"""Day boundaries in epoch milliseconds, weekly seasonality and time-of-day sampling."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

MS_PER_DAY = 86_400_000
MS_PER_HOUR = 3_600_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# UTC hour weights: Europe wakes first, the Americas keep the evening busy.
_HOURLY_WEIGHTS = np.array(
    [3, 2, 2, 2, 2, 3, 4, 6, 8, 9, 9, 9, 9, 10, 11, 12, 12, 11, 10, 9, 8, 6, 5, 4],
    dtype=np.float64,
)
_HOURLY_CUM = np.cumsum(_HOURLY_WEIGHTS) / _HOURLY_WEIGHTS.sum()


def day_start_ms(day: date) -> int:
    """Return the epoch milliseconds of `day` 00:00:00.000 UTC."""
    return (day - _EPOCH.date()).days * MS_PER_DAY


def to_epoch_ms(moment: datetime) -> int:
    """Return the epoch milliseconds of an aware datetime; raises ValueError if naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware (UTC), got naive {moment!r}")
    return (moment - _EPOCH) // timedelta(milliseconds=1)  # exact, unlike float seconds


def is_weekend(day: date) -> bool:
    """True on Saturday and Sunday."""
    return day.weekday() >= 5


def weekday_factor(day: date, weekend_factor: float) -> float:
    """Return the volume multiplier of `day`: `weekend_factor` on weekends, else 1."""
    return weekend_factor if is_weekend(day) else 1.0


def sample_time_of_day(rng: np.random.Generator, n: int, limit_ms: int = MS_PER_DAY) -> np.ndarray:
    """Return `n` int64 ms offsets into a day following the diurnal curve, all < limit_ms."""
    hours = np.searchsorted(_HOURLY_CUM, rng.random(n), side="right")
    offsets = hours * MS_PER_HOUR + (rng.random(n) * MS_PER_HOUR).astype(np.int64)
    return np.minimum(offsets.astype(np.int64), limit_ms - 1)
