"""Ad-hoc retention over `raw_events` (DESIGN §6), computed in ClickHouse.

Periods: period 0 starts N-1 periods before the period containing date_to (days, weeks
starting Monday or Sunday, calendar months). The last period is read whole: events up to
the end of the period containing date_to count (as PostHog pads date_to to the end of
its interval), later ones are not read. Each
event is mapped to its period index with `indexOf(starts, period_start(timestamp)) - 1`
(-1 = outside the table).

- recurring: cohort k = persons with the target event in period k;
- first_time: cohort k = persons whose first-ever target event (over all history, so a
  first event before the table keeps a person out of every cohort) falls in period k;
- column j ≥ 1 = cohort members with the returning event in period k + j; cumulative:
  in period k + j or any later period of the table. Cells past the last period are 0.

Persons are matched by `cityHash64(person_id)` (see api/analytics/trends.py).
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
    begin_p, end_p = params.add(begin, DT64), params.add(end, DT64)
    filters = filters_sql(query.filters, params)
    target = event_sql(query.target_event, params)
    if query.retention_type == "recurring":
        members = (
            f"SELECT DISTINCT cityHash64(person_id) AS p, "
            f"toInt64(indexOf({starts_p}, {_period_sql(query, 'timestamp')})) - 1 AS k "
            f"FROM raw_events WHERE tenant_id = {{tenant_id:String}} AND {target} "
            f"AND timestamp >= {begin_p} AND timestamp < {end_p} AND {filters}")
    else:
        # the first-ever target event: no lower time bound
        members = (
            f"SELECT p, toInt64(indexOf({starts_p}, {_period_sql(query, 'first')})) - 1 AS k "
            f"FROM (SELECT cityHash64(person_id) AS p, min(timestamp) AS first "
            f"FROM raw_events WHERE tenant_id = {{tenant_id:String}} AND {target} "
            f"AND timestamp < {end_p} AND {filters} GROUP BY p) WHERE k >= 0")
    returns = (
        f"SELECT DISTINCT cityHash64(person_id) AS p, "
        f"toInt64(indexOf({starts_p}, {_period_sql(query, 'timestamp')})) - 1 AS k "
        f"FROM raw_events WHERE tenant_id = {{tenant_id:String}} "
        f"AND {event_sql(query.returning_event, params)} "
        f"AND timestamp >= {begin_p} AND timestamp < {end_p} AND {filters}")
    joined = "members AS m INNER JOIN returns AS r ON m.p = r.p WHERE r.k > m.k"
    if query.cumulative:
        cells = (f"SELECT toInt64({_FURTHEST}) AS kind, cohort, offset, count() AS n FROM ("
                 f"SELECT m.p, m.k AS cohort, max(r.k - m.k) AS offset FROM {joined} "
                 f"GROUP BY m.p, m.k) GROUP BY cohort, offset")
    else:
        cells = (f"SELECT toInt64({_RETAINED}) AS kind, m.k AS cohort, r.k - m.k AS offset, "
                 f"count() AS n FROM {joined} GROUP BY cohort, offset")
    sql = (f"WITH members AS ({members}), returns AS ({returns}) "
           f"SELECT toInt64({_SIZE}) AS kind, k AS cohort, toInt64(0) AS offset, count() AS n "
           f"FROM members GROUP BY k UNION ALL {cells}")
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
