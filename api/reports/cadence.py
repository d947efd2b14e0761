"""When a schedule fires next: daily, weekly or monthly at a local time in an IANA zone.

The next run is computed in the schedule's zone each time, from the local calendar, so
08:00 in Europe/Berlin is 07:00 UTC in winter and 06:00 UTC in summer. Around the
changes of the clocks:
- a local time that does not exist that day (the clocks jump past it) fires at the first
  instant after the gap — 02:30 on a spring-forward night fires at 03:00 local;
- a local time that happens twice (the clocks fall back) fires once, at the first.
Monthly schedules on day 29–31 fire on the month's last day in shorter months.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Cadence = Literal["daily", "weekly", "monthly"]


@dataclass(frozen=True)
class Recurrence:
    """A schedule's rule: cadence, local time and zone (weekday 0 = Monday)."""

    cadence: Cadence
    at: time
    timezone: str
    weekday: int = 0
    day_of_month: int = 1

    def occurrence(self, day: date) -> datetime | None:
        """The UTC instant the schedule fires on local `day`, if it fires that day."""
        if self.cadence == "weekly" and day.weekday() != self.weekday:
            return None
        if self.cadence == "monthly":
            last = calendar.monthrange(day.year, day.month)[1]
            if day.day != min(self.day_of_month, last):
                return None
        return local_instant(day, self.at, ZoneInfo(self.timezone))

    def next_after(self, instant: datetime) -> datetime:
        """The first firing strictly after `instant` (an aware datetime), in UTC."""
        zone = ZoneInfo(self.timezone)
        day = instant.astimezone(zone).date() - timedelta(days=1)
        for _ in range(400):
            fire = self.occurrence(day)
            if fire is not None and fire > instant:
                return fire
            day += timedelta(days=1)
        raise ValueError("no firing within 400 days")  # pragma: no cover - rules always fire


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local `day` at `at` in `zone` (see the module docstring for
    times the clocks skip or repeat)."""
    first = datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != first.replace(tzinfo=None):
        # Skipped by the clocks: fire when the gap ends, i.e. the first valid instant.
        before = datetime.combine(day, at, tzinfo=zone).replace(fold=1).astimezone(UTC)
        return _gap_end(before, utc, zone)
    return utc


def _gap_end(a: datetime, b: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jumped, between two UTC instants around a gap."""
    low, high = min(a, b), max(a, b)
    offset = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)
