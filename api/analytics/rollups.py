"""Trend numbers from the daily rollups of raw_events, for the days they still describe.

The daily actives rollup (`warehouse.daily_actives`) holds each day's distinct persons and
events per event name; the daily counts rollup (`warehouse.daily_counts`) each day's
events per value of a hot string column. A day is read from them only while the
actives batch that commits it still matches raw events' fingerprint; every other day is
reported as stale, and the caller counts it from raw events. So these readers can make
an answer faster, never different.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from api.store import TenantScope
from warehouse.daily_actives import (
    ANY_EVENT,
    FINGERPRINT_SQL,
    ROLLUP_SQL,
    fresh_batches,
    persons_by_day,
)
from warehouse.daily_counts import COUNTS_SQL, PROPERTIES, TOP_VALUES_SQL

ROLLED_UP_PROPERTIES = frozenset(PROPERTIES)


@dataclass(frozen=True)
class FreshDays:
    """The days of a question the rollups describe, each with its committed batch's rows
    by event name, and the days they do not (stale)."""

    batches: dict[date, dict[str, dict]]
    stale: list[date]

    def bounds(self) -> dict[str, object]:
        """The parameters that select the committed counts batch of each fresh day."""
        committed = {day: rows[ANY_EVENT]["computed_at"]
                     for day, rows in self.batches.items() if ANY_EVENT in rows}
        days = sorted(self.batches) or self.stale
        return {"day_from": days[0], "day_to": days[-1], "days": list(committed),
                "batches": list(committed.values())}


def fresh_days(scope: TenantScope, days: Sequence[date], events: Iterable[str]) -> FreshDays:
    """Which of `days` the rollups describe, with the actives rows of `events`."""
    bounds = {"day_from": days[0], "day_to": days[-1]}
    batches = fresh_batches(
        scope.rows(FINGERPRINT_SQL, bounds),
        scope.rows(ROLLUP_SQL, {**bounds, "events": sorted({ANY_EVENT, *events})}), days)
    return FreshDays(batches, [day for day in days if day not in batches])


def day_persons(fresh: FreshDays, event: str) -> dict[date, float]:
    """Distinct persons of `event` on each fresh day."""
    return {day: float(n) for day, n in persons_by_day(fresh.batches, event).items()}


def day_counts(scope: TenantScope, fresh: FreshDays, event: str, prop: str | None,
               top: list[str]) -> dict[int | None, dict[date, float]]:
    """Events of `event` on each fresh day: by top-value position of `prop` (1-based,
    0 = every other value) when a breakdown is asked, else under the key None."""
    if prop is None:
        return {None: {day: float(rows[event]["events"]) if event in rows else 0.0
                       for day, rows in fresh.batches.items()}}
    out: dict[int | None, dict[date, float]] = {}
    if not fresh.batches:
        return out
    rows = scope.rows(COUNTS_SQL, {
        **fresh.bounds(), "property": prop, "event": event, "top": top,
        "positions": list(range(1, len(top) + 1))})
    for row in rows:
        out.setdefault(int(row["bk"]), {})[row["day"]] = float(row["events"])
    return out


def top_values(scope: TenantScope, fresh: FreshDays, events: Iterable[str], prop: str,
               limit: int) -> list[str]:
    """The `limit` values of `prop` with the most events of `events` (ties by value) over
    the fresh days; call only when no day is stale."""
    names = sorted(set(events))
    if ANY_EVENT in names:
        names = [ANY_EVENT]  # every event, counted once
    rows = scope.rows(TOP_VALUES_SQL, {**fresh.bounds(), "property": prop, "events": names,
                                       "limit": limit})
    return [row["value"] for row in rows]
