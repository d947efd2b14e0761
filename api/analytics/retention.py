"""Ad-hoc retention over `raw_events` (DESIGN §6), computed in ClickHouse.

Periods: period 0 starts N-1 periods before the period containing date_to (days, weeks
starting Monday or Sunday, calendar months). The last period is read whole: events up to
the end of the period containing date_to count (as PostHog pads date_to to the end of
its interval), later ones are not read. Each event is mapped to its period index with
`transform(period_start(timestamp), starts, [0, …, N-1], -1)` (-1 = outside the table).

- recurring: cohort k = persons with the target event in period k;
- first_time: cohort k = persons whose first-ever target event (over all history, so a
  first event before the table keeps a person out of every cohort) falls in period k;
- column j ≥ 1 = cohort members with the returning event in period k + j; cumulative:
  in period k + j or any later period of the table. Cells past the last period are 0.

Persons are matched by `cityHash64(person_id)` (see api/analytics/trends.py). One scan of
the events, grouped by person, gives each person's cohort periods and returning periods;
the cells are counted from those (session 8: 1.7 s → see docs/benchmarks.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.analytics.filters import QueryParams, event_sql, filters_sql
from api.analytics.schemas import RetentionQuery
from api.runners import QueryRunner
from api.store import TenantScope

DT64 = "DateTime64(3, 'UTC')"
_SIZE, _RETAINED, _FURTHEST = 0, 1, 2


def period_starts(query: RetentionQuery) -> list[date]:
    """The first day of each of the N periods, oldest first."""
    n, end = query.intervals, query.date_to
    if query.period == "day":
        return [end - timedelta(days=n - 1 - k) for k in range(n)]
    if query.period == "week":
        first_weekday = 0 if query.week_start == "monday" else 6
        last = end - timedelta(days=(end.weekday() - first_weekday) % 7)
        return [last - timedelta(weeks=n - 1 - k) for k in range(n)]
    months = end.year * 12 + end.month - 1
    return [date((m // 12), m % 12 + 1, 1) for m in range(months - n + 1, months + 1)]


def period_end(query: RetentionQuery, starts: list[date]) -> date:
    """The day after the last period: the exclusive end of what the question reads."""
    last = starts[-1]
    if query.period == "day":
        return last + timedelta(days=1)
    if query.period == "week":
        return last + timedelta(weeks=1)
    return date(last.year + last.month // 12, last.month % 12 + 1, 1)


def _period_sql(query: RetentionQuery, column: str) -> str:
    if query.period == "day":
        return f"toDate({column})"
    if query.period == "week":
        return f"toStartOfWeek({column}, {1 if query.week_start == 'monday' else 0})"
    return f"toStartOfMonth({column})"


def compute_retention(scope: TenantScope, query: RetentionQuery) -> dict[str, Any]:
    """Answer a retention question. Returns a dict shaped like
    `api.analytics.schemas.Retention`: N cohorts of N columns each."""
    starts = period_starts(query)
    n = query.intervals
    params = QueryParams()
    begin = datetime(starts[0].year, starts[0].month, starts[0].day, tzinfo=UTC)
    stop = period_end(query, starts)
    end = datetime(stop.year, stop.month, stop.day, tzinfo=UTC)
    starts_p = params.add(starts, "Array(Date)")
    indexes_p = params.add(list(range(n)), "Array(Int64)")
    begin_p, end_p = params.add(begin, DT64), params.add(end, DT64)
    filters = filters_sql(query.filters, params)
    target = event_sql(query.target_event, params)
    returning = event_sql(query.returning_event, params)
    in_table = f"timestamp >= {begin_p} AND timestamp < {end_p}"

    def index(period_start: str) -> str:  # the period's 0-based index, -1 outside the table
        return f"transform({period_start}, {starts_p}, {indexes_p}, toInt64(-1))"

    # Each period is one bit of a number: UInt64 holds up to 64 periods; UInt128 (twice
    # the aggregate state: ~140 MB more at 1M persons) only when the table needs it.
    bits = "UInt64" if n <= 64 else "UInt128"

    def bit(k: str) -> str:  # the period as one bit
        return f"bitShiftLeft(to{bits}(1), greatest({k}, 0))"

    def indexes(mask: str) -> str:  # the periods whose bits are set, ascending
        return f"arrayFilter(i -> bitAnd(bitShiftRight({mask}, i), 1) = 1, range({n}))"

    if query.retention_type == "recurring":
        wanted = f"({target} OR {returning}) AND {in_table}"
        cohorts = f"groupBitOrIf({bit('k')}, {target} AND k >= 0)"
    else:
        # the first-ever target event: target events have no lower time bound
        wanted = f"(({target} AND timestamp < {end_p}) OR ({returning} AND {in_table}))"
        first = index(_period_sql(query, f"minIf(timestamp, {target})"))
        cohorts = f"if({first} >= 0, {bit(first)}, to{bits}(0))"
    # One scan, grouped by person: the periods of their cohort events and of their
    # returning events, each set as the bits of one number (a cheap aggregate state);
    # then one tuple (kind, cohort, offset) per cell a person counts in.
    per_person = (
        f"SELECT {indexes('cohort_bits')} AS cohorts, {indexes('return_bits')} AS returns "
        f"FROM (SELECT {cohorts} AS cohort_bits, "
        f"groupBitOrIf({bit('k')}, {returning} AND {in_table} AND k >= 0) AS return_bits "
        f"FROM (SELECT person_id, timestamp, event, "
        f"{index(_period_sql(query, 'timestamp'))} AS k "
        f"FROM raw_events WHERE tenant_id = {{tenant_id:String}} AND {wanted} AND {filters}) "
        f"GROUP BY cityHash64(person_id)) WHERE cohort_bits != 0")
    later = "arrayFilter(r -> r > c, returns)"
    if query.cumulative:
        cells = (f"if(empty({later}), [], [(toInt64({_FURTHEST}), c, "
                 f"arrayMax({later}) - c)])")
    else:
        cells = f"arrayMap(r -> (toInt64({_RETAINED}), c, r - c), {later})"
    sql = (f"SELECT t.1 AS kind, t.2 AS cohort, t.3 AS offset, count() AS n FROM ("
           f"SELECT arrayJoin(arrayFlatten(arrayMap(c -> arrayConcat("
           f"[(toInt64({_SIZE}), c, toInt64(0))], {cells}), cohorts))) AS t "
           f"FROM ({per_person})) GROUP BY kind, cohort, offset")
    sizes = [0] * n
    counts = [[0] * n for _ in range(n)]
    for row in scope.rows(sql, params.values):
        cohort, offset = int(row["cohort"]), int(row["offset"])
        if not 0 <= cohort < n:
            continue
        if row["kind"] == _SIZE:
            sizes[cohort] = int(row["n"])
        elif 0 < offset < n:
            counts[cohort][offset] = int(row["n"])
    cohorts = []
    for k in range(n):
        values = counts[k]
        if query.cumulative:  # furthest offsets → "returned at offset j or later"
            for j in range(n - 2, 0, -1):
                values[j] += values[j + 1]
        values[0] = sizes[k]
        cohorts.append({
            "cohort_start": starts[k],
            "cohort_size": sizes[k],
            "values": values,
            "rates": [round(v / sizes[k], 6) if sizes[k] else 0.0 for v in values],
        })
    return {
        "target_event": query.target_event,
        "returning_event": query.returning_event,
        "period": query.period,
        "intervals": n,
        "retention_type": query.retention_type,
        "cumulative": query.cumulative,
        "date_from": starts[0],
        "date_to": query.date_to,
        "cohorts": cohorts,
    }


RETENTION = QueryRunner("analytics.retention", RetentionQuery, ("raw_events",),
                        compute_retention)
