"""The daily counts rollup of `raw_events` (migration 0007): events per tenant, UTC day,
event (and `$any`, every event) and value of each hot string column (`PROPERTIES`).

A breakdown trend counts every event of its range twice — once for the top values, once
per bucket and value — and a dashboard asks several. Counts add up over days, so the
rollup pays one scan per written day and a question reads a few rows per day instead.

It is written by `warehouse.daily_actives.refresh_daily_actives` for the same (tenants,
day) and with the same `computed_at`, just before the daily actives rows. Those rows are
the commit record: a reader takes a day's counts only from the batch of that day's newest
actives batch, and only while its '$any' row still matches raw events' fingerprint
(`warehouse.daily_actives.fresh_batches`); once committed, the day's older batches are
deleted. Other days are counted from raw events, so the rollup makes answers faster,
never different.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from clickhouse_connect.driver.client import Client

TABLE = "raw_events_daily_counts"
ANY_EVENT = "$any"  # the rollups' event name for every event
# raw_events' hot string columns: the breakdowns a trend can ask of them.
PROPERTIES = ("url", "referrer", "utm_source", "country", "device")

_VALUES = ", ".join(f"('{column}', toString({column}))" for column in PROPERTIES)
_REFRESH_SQL = f"""
INSERT INTO {TABLE} (tenant_id, day, event, property, value, events, computed_at)
SELECT tenant_id, day, if(grouping(event) = 1, '{ANY_EVENT}', event), property, value,
       count(), {{at:DateTime64(6, 'UTC')}}
FROM (SELECT tenant_id, toDate(timestamp) AS day, event, pair.1 AS property,
             pair.2 AS value
      FROM raw_events ARRAY JOIN [{_VALUES}] AS pair
      WHERE tenant_id IN {{tenants:Array(String)}} AND toDate(timestamp) = {{day:Date}})
GROUP BY GROUPING SETS ((tenant_id, day, event, property, value),
                        (tenant_id, day, property, value))
SETTINGS force_grouping_standard_compatibility = 1
"""


def refresh_daily_counts(client: Client, tenants: Sequence[str], day: date,
                         at: datetime) -> None:
    """Write the counts of `day` for `tenants` from raw_events as the batch `at` (the
    daily actives batch that follows commits it)."""
    if tenants:
        client.command(_REFRESH_SQL, parameters={"tenants": list(tenants), "day": day,
                                                 "at": at})


def drop_older_counts(client: Client, tenants: Sequence[str], day: date,
                      at: datetime) -> None:
    """Delete the batches of `day` for `tenants` older than the committed batch `at`."""
    if tenants:
        client.command(
            f"DELETE FROM {TABLE} WHERE tenant_id IN {{tenants:Array(String)}} "
            "AND day = {day:Date} AND computed_at < {at:DateTime64(6, 'UTC')}",
            parameters={"tenants": list(tenants), "day": day, "at": at})


# The counts of fresh days, each from its committed batch: `days` and `batches` are
# parallel arrays (a day missing from `days` matches no batch).
_FRESH = ("tenant_id = {tenant_id:String} AND property = {property:String} "
          "AND day >= {day_from:Date} AND day <= {day_to:Date} "
          "AND computed_at = arrayElement({batches:Array(DateTime64(6, 'UTC'))}, "
          "indexOf({days:Array(Date)}, day))")

# Per day, the events of one event name by top-value position (1-based; 0 = the rest).
COUNTS_SQL = (
    "SELECT day, transform(value, {top:Array(String)}, {positions:Array(UInt16)}, 0) AS bk, "
    f"sum(events) AS events FROM {TABLE} WHERE {_FRESH} AND event = {{event:String}} "
    "GROUP BY day, bk"
)

# The values with the most events of the given names over the fresh days.
TOP_VALUES_SQL = (
    f"SELECT value, sum(events) AS n FROM {TABLE} WHERE {_FRESH} "
    "AND event IN {events:Array(String)} GROUP BY value ORDER BY n DESC, value "
    "LIMIT {limit:UInt32}"
)
