"""The daily actives rollup of `raw_events` (migration 0006): distinct persons per
tenant, UTC day and event, and over every event (`ANY_EVENT`).

An exact distinct count over a month of raw events costs a hash-set insert per event;
the rollup pays it once per written day instead of once per question. It is refreshed
right after each `raw_events` partition swap (`warehouse.partition_writer`), for the
(tenant, day) swapped, over every source of that day.

Readers trust a day's rollup only while its '$any' row still describes raw_events: the
same number of events and the same first and last timestamp, which ClickHouse answers
from partition metadata in a few milliseconds (`raw_fingerprints`). A day written some
other way (a direct INSERT, a refresh that failed) fails the comparison and is counted
from raw events, so the rollup can make an answer faster but never different.

Each refresh writes the day's counts rollup (`warehouse.daily_counts`) first, with the
same `computed_at`; this batch's '$any' row commits both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from clickhouse_connect.driver.client import Client

from warehouse.daily_counts import ANY_EVENT, refresh_daily_counts

TABLE = "raw_events_daily_actives"
# Distinct persons, as every persons count over raw_events computes it.
PERSONS_SQL = "uniqExact(cityHash64(person_id))"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_REFRESH_SQL = f"""
INSERT INTO {TABLE} (tenant_id, day, event, events, persons, first_at, last_at, computed_at)
SELECT tenant_id, day, if(grouping(event) = 1, '{ANY_EVENT}', event),
       count(), {PERSONS_SQL}, min(timestamp), max(timestamp), {{at:DateTime64(6, 'UTC')}}
FROM (SELECT tenant_id, toDate(timestamp) AS day, event, person_id, timestamp
      FROM raw_events
      WHERE tenant_id IN {{tenants:Array(String)}} AND toDate(timestamp) = {{day:Date}})
GROUP BY GROUPING SETS ((tenant_id, day, event), (tenant_id, day))
SETTINGS force_grouping_standard_compatibility = 1
"""

@dataclass(frozen=True)
class DayFingerprint:
    """What a day of raw events looks like from its partition metadata."""

    events: int
    first_at: datetime
    last_at: datetime


EMPTY_DAY = DayFingerprint(0, _EPOCH, _EPOCH)


def refresh_daily_actives(client: Client, tenants: Sequence[str], day: date) -> None:
    """Recompute the rollup of `day` for `tenants` from raw_events, as one new batch.

    A tenant without events that day gets an empty '$any' row, so readers see the day
    as known to be empty rather than as stale."""
    if not tenants:
        return
    at = datetime.now(UTC)
    # The counts rollup first: this batch's '$any' rows below are its commit record.
    refresh_daily_counts(client, tenants, day, at)
    client.command(_REFRESH_SQL, parameters={"tenants": list(tenants), "day": day, "at": at})
    written = {row[0] for row in client.query(
        f"SELECT DISTINCT tenant_id FROM {TABLE} WHERE day = {{day:Date}} "
        f"AND computed_at = {{at:DateTime64(6, 'UTC')}}",
        parameters={"day": day, "at": at}).result_rows}
    empty = [t for t in tenants if t not in written]
    if empty:
        client.insert(TABLE, [[t, day, ANY_EVENT, 0, 0, _EPOCH, _EPOCH, at] for t in empty],
                      column_names=["tenant_id", "day", "event", "events", "persons",
                                    "first_at", "last_at", "computed_at"])


FINGERPRINT_SQL = (
    # toDate(timestamp) is the partition key: count/min/max come from part metadata.
    "SELECT toDate(timestamp) AS day, count() AS events, min(timestamp) AS first_at, "
    "max(timestamp) AS last_at FROM raw_events WHERE tenant_id = {tenant_id:String} "
    "AND toDate(timestamp) >= {day_from:Date} AND toDate(timestamp) <= {day_to:Date} "
    "GROUP BY day"
)

ROLLUP_SQL = (
    f"SELECT day, event, events, persons, first_at, last_at, computed_at FROM {TABLE} "
    "WHERE tenant_id = {tenant_id:String} AND day >= {day_from:Date} AND day <= {day_to:Date} "
    "AND event IN {events:Array(String)}"
)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def fresh_batches(fingerprints: Sequence[dict], rollup: Sequence[dict],
                  days: Sequence[date]) -> dict[date, dict[str, dict]]:
    """Per day of `days` whose newest rollup batch still matches raw events' fingerprint,
    that batch's rows by event (empty for a day with no events and no rollup); the other
    days are left out (stale).

    `fingerprints` are rows of FINGERPRINT_SQL, `rollup` rows of ROLLUP_SQL that include
    ANY_EVENT's."""
    raw = {r["day"]: DayFingerprint(int(r["events"]), _utc(r["first_at"]), _utc(r["last_at"]))
           for r in fingerprints}
    batches: dict[date, dict[datetime, dict[str, dict]]] = {}
    for row in rollup:
        batches.setdefault(row["day"], {}).setdefault(row["computed_at"], {})[row["event"]] = row
    out: dict[date, dict[str, dict]] = {}
    for day in days:
        seen = raw.get(day, EMPTY_DAY)
        by_batch = batches.get(day)
        if not by_batch:
            if seen.events == 0:
                out[day] = {}  # no events, and never any written
            continue
        newest = by_batch[max(by_batch)]
        summary = newest.get(ANY_EVENT)
        if summary is None:
            continue
        stored = DayFingerprint(int(summary["events"]), _utc(summary["first_at"]),
                                _utc(summary["last_at"]))
        if stored.events != seen.events or (seen.events and stored != seen):
            continue
        out[day] = newest
    return out


def persons_by_day(batches: dict[date, dict[str, dict]], event: str) -> dict[date, int]:
    """Distinct persons of `event` per day of `fresh_batches`' answer (0 when the day's
    batch has no row for it: no such event that day)."""
    return {day: int(rows[event]["persons"]) if event in rows else 0
            for day, rows in batches.items()}


_STALE_SQL = f"""
SELECT raw.tenant_id AS tenant_id, raw.day AS day
FROM (SELECT tenant_id, toDate(timestamp) AS day, count() AS events,
             min(timestamp) AS first_at, max(timestamp) AS last_at
      FROM raw_events WHERE toDate(timestamp) IN {{days:Array(Date)}}
      GROUP BY tenant_id, day) AS raw
LEFT JOIN (SELECT tenant_id, day, argMax(events, computed_at) AS events,
                  argMax(first_at, computed_at) AS first_at,
                  argMax(last_at, computed_at) AS last_at
           FROM {TABLE} WHERE event = '{ANY_EVENT}' AND day IN {{days:Array(Date)}}
           GROUP BY tenant_id, day) AS roll
    ON raw.tenant_id = roll.tenant_id AND raw.day = roll.day
WHERE roll.events != raw.events OR roll.first_at != raw.first_at
   OR roll.last_at != raw.last_at
ORDER BY tenant_id, day
"""


def stale_days(client: Client, days: Sequence[date]) -> list[tuple[str, date]]:
    """(tenant, day) pairs of `days` whose rollup no longer describes raw_events (written
    around the partition writer, or a refresh that failed). Readers count those days from
    raw events, so a stale day is slower, never wrong."""
    if not days:
        return []
    rows = client.query(_STALE_SQL, parameters={"days": list(days)}).result_rows
    return [(tenant, day) for tenant, day in rows]
