"""The daily counts rollup of `raw_events` (migration 0007): events per tenant, UTC day,
event (and `$any`, every event) and value of each hot string column (`PROPERTIES`).

A breakdown trend counts every event of its range twice — once for the top values, once
per bucket and value — and a dashboard asks several. Counts add up over days, so the
rollup pays one scan per written day and a question reads a few rows per day instead.

It is written by `warehouse.daily_actives.refresh_daily_actives` for the same (tenants,
day) and with the same `computed_at`, just before the daily actives rows. Those rows are
the commit record: a reader takes a day's counts only from the batch of that day's newest
actives batch, and only while its '$any' row still matches raw events' fingerprint
(`warehouse.daily_actives.fresh_batches`). Other days are counted from raw events, so
the rollup makes answers faster, never different.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from clickhouse_connect.driver.client import Client

TABLE = "raw_events_daily_counts"
ANY_EVENT = "$any"  # the rollups' event name for every event
# raw_events' hot string columns: the breakdowns a trend can ask of them.
PROPERTIES = ("url", "referrer", "utm_source", "country", "device")

_COLUMNS = ", ".join(PROPERTIES)
_VALUES = ", ".join(f"('{column}', toString({column}))" for column in PROPERTIES)
# One scan groups the day's events by every hot column at once (few distinct combinations
# next to the events); each combination's count then goes to each of its columns' values.
_REFRESH_SQL = f"""
INSERT INTO {TABLE} (tenant_id, day, event, property, value, events, computed_at)
SELECT tenant_id, day, if(grouping(event) = 1, '{ANY_EVENT}', event), property, value,
       sum(events), {{at:DateTime64(6, 'UTC')}}
FROM (SELECT tenant_id, day, event, pair.1 AS property, pair.2 AS value, events
      FROM (SELECT tenant_id, toDate(timestamp) AS day, event, {_COLUMNS}, count() AS events
            FROM raw_events
            WHERE tenant_id IN {{tenants:Array(String)}} AND toDate(timestamp) = {{day:Date}}
            GROUP BY tenant_id, day, event, {_COLUMNS})
      ARRAY JOIN [{_VALUES}] AS pair)
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


# The counts of the fresh days, each from its committed batch: `days` and `batches` are
# parallel arrays. A later batch of the same day can only be one whose commit failed over
# the same raw events (any change to them fails the day's fingerprint), so its numbers are
# the committed ones: per value the newest row from the committed batch on is read, which
# stays right after the table replaces older rows.
_FRESH = ("tenant_id = {tenant_id:String} AND property = {property:String} "
          "AND day >= {day_from:Date} AND day <= {day_to:Date} "
          "AND indexOf({days:Array(Date)}, day) > 0 "
          "AND computed_at >= arrayElement({batches:Array(DateTime64(6, 'UTC'))}, "
          "indexOf({days:Array(Date)}, day))")

# Per day, the events of one event name by top-value position (1-based; 0 = the rest).
COUNTS_SQL = (
    "SELECT day, transform(value, {top:Array(String)}, {positions:Array(UInt16)}, 0) AS bk, "
    "sum(events) AS events FROM ("
    f"SELECT day, value, argMax(events, computed_at) AS events FROM {TABLE} "
    f"WHERE {_FRESH} AND event = {{event:String}} GROUP BY day, value) GROUP BY day, bk"
)

# The values with the most events of the given names over the fresh days.
TOP_VALUES_SQL = (
    "SELECT value, sum(events) AS n FROM ("
    f"SELECT day, event, value, argMax(events, computed_at) AS events FROM {TABLE} "
    f"WHERE {_FRESH} AND event IN {{events:Array(String)}} GROUP BY day, event, value) "
    "GROUP BY value ORDER BY n DESC, value LIMIT {limit:UInt32}"
)
