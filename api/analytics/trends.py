"""Ad-hoc trends over `raw_events` (DESIGN §6): one ClickHouse aggregation per series and
period, zero-filled into buckets here; formulas evaluated over the results in Python.

Persons are counted as `uniqExact(cityHash64(person_id))`: exact distinct counts of a
64-bit hash, a few times faster than hashing strings per bucket (a collision between two
of a tenant's person ids would merge them; at a million persons its chance is ~3e-8).

Daily actives of one event (or `$any`) without filters or breakdown — the most common
dashboard line — come from the daily actives rollup (`warehouse.daily_actives`) for the
days it still describes, and from raw events for the others: the same numbers, without
a distinct count over every event of the range. Event counts (math `total`) without
property filters, by day, week or month and with no breakdown or one of a hot string
column, come from the daily rollups the same way, and so do the top breakdown values
(`api.analytics.rollups`).

Trailing actives (weekly_active / monthly_active at an interval shorter than the
window) use activity spans, as `fct_active_persons_daily` does: with a person's active
units (days, or hours for the hour interval) sorted, active unit u counts toward
[u, min(next active unit, u + L)), spans never overlap, so a running sum of +1 at each
span's start and -1 at its end is exactly the distinct count of the trailing L units.
ClickHouse returns the (unit, ±count) deltas; the running sum is taken here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from api.analytics.filters import (
    QueryParams,
    event_sql,
    filters_sql,
    numeric_expr,
    string_expr,
)
from api.analytics.formulas import parse_formula, series_letter
from api.analytics.rollups import (
    ROLLED_UP_PROPERTIES,
    FreshDays,
    day_counts,
    day_persons,
    fresh_days,
    top_values,
)
from api.analytics.schemas import (
    PROPERTY_MATHS,
    TrendSeries,
    TrendsQuery,
    previous_range,
)
from api.runners import QueryRunner
from api.store import TenantScope
from warehouse.daily_actives import PERSONS_SQL

DT64 = "DateTime64(3, 'UTC')"
OTHER_LABEL = "Other"
_BUCKET_SQL = {
    "hour": "toUnixTimestamp(toStartOfHour({t}))",
    "day": "toUnixTimestamp(toStartOfDay({t}))",
    "week": "toUnixTimestamp(toDateTime(toMonday({t}), 'UTC'))",
    "month": "toUnixTimestamp(toDateTime(toStartOfMonth({t}), 'UTC'))",
}


def bucket_sql(interval: str, column: str = "timestamp") -> str:
    """SQL of the unix start of `column`'s bucket (UTC; weeks start on Monday): the one
    bucketing rule of trends and custom metrics, matching `bucket_starts`."""
    return _BUCKET_SQL[interval].format(t=column)
_AGGREGATES = {
    "sum": "sum({x})",
    "avg": "avg({x})",
    "min": "min({x})",
    "max": "max({x})",
    "median": "quantileExactInclusive(0.5)({x})",
    "p90": "quantileExactInclusive(0.9)({x})",
    "p95": "quantileExactInclusive(0.95)({x})",
    "p99": "quantileExactInclusive(0.99)({x})",
}
_TRAILING_DAYS = {"weekly_active": 7, "monthly_active": 30}
# Intervals at which weekly / monthly actives are trailing windows (else plain uniques).
_SLIDING_INTERVALS = {"weekly_active": ("hour", "day"), "monthly_active": ("hour", "day", "week")}


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def bucket_starts(date_from: date, date_to: date, interval: str) -> list[datetime]:
    """Start of every bucket from the one containing date_from to the one containing
    date_to (UTC; weeks start on Monday)."""
    end = _midnight(date_to + timedelta(days=1))
    if interval == "hour":
        first, step = _midnight(date_from), timedelta(hours=1)
    elif interval == "day":
        first, step = _midnight(date_from), timedelta(days=1)
    elif interval == "week":
        first, step = _midnight(date_from - timedelta(days=date_from.weekday())), timedelta(7)
    else:
        starts, year, month = [], date_from.year, date_from.month
        while _midnight(date(year, month, 1)) < end:
            starts.append(_midnight(date(year, month, 1)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return starts
    starts, at = [], first
    while at < end:
        starts.append(at)
        at += step
    return starts


def bucket_label(start: datetime, interval: str) -> str:
    """How a bucket start is shown: an ISO date, or an ISO hour for hourly buckets."""
    return start.strftime("%Y-%m-%dT%H:00:00Z") if interval == "hour" else start.date().isoformat()


@dataclass(frozen=True)
class _Period:
    """One date range of the question (the current one, or the previous for compare)."""

    compare: str | None
    date_from: date
    date_to: date
    starts: list[datetime]

    @property
    def start(self) -> datetime:
        return _midnight(self.date_from)

    @property
    def end(self) -> datetime:
        return _midnight(self.date_to + timedelta(days=1))


@dataclass(frozen=True)
class _Breakdown:
    """Top breakdown values; key k ≥ 1 is values[k-1], key 0 merges the rest."""

    prop: str
    values: list[str]
    has_other: bool


def _base_where(params: QueryParams, start: datetime, end: datetime) -> str:
    return (f"tenant_id = {{tenant_id:String}} AND timestamp >= {params.add(start, DT64)} "
            f"AND timestamp < {params.add(end, DT64)}")


def _series_where(query: TrendsQuery, series: TrendSeries, params: QueryParams,
                  start: datetime, end: datetime) -> str:
    return " AND ".join([
        _base_where(params, start, end),
        event_sql(series.event, params),
        filters_sql(series.filters, params),
        filters_sql(query.filters, params),
    ])


class _FreshDaysOf:
    """Which days of each period the rollups describe, read once per question: every
    series and the top values share it."""

    def __init__(self, scope: TenantScope, query: TrendsQuery) -> None:
        self.scope = scope
        self.events = sorted({s.event for s in query.series})
        self._read: dict[tuple[date, date], FreshDays] = {}

    def __call__(self, period: _Period) -> FreshDays:
        key = (period.date_from, period.date_to)
        if key not in self._read:
            self._read[key] = fresh_days(self.scope, _days(period), self.events)
        return self._read[key]


def _top_values(scope: TenantScope, query: TrendsQuery, period: _Period,
                fresh_of: _FreshDaysOf) -> _Breakdown:
    """The breakdown values with the most events over all series in the period."""
    assert query.breakdown is not None
    limit = query.breakdown_limit + 1
    if _counted_by_rollup(query, query.series):
        fresh = fresh_of(period)
        if not fresh.stale:
            values = top_values(scope, fresh, [s.event for s in query.series],
                                query.breakdown, limit)
            return _Breakdown(query.breakdown, values[: query.breakdown_limit],
                              len(values) > query.breakdown_limit)
    params = QueryParams()
    either = " OR ".join(
        f"({event_sql(s.event, params)} AND {filters_sql(s.filters, params)})"
        for s in query.series)
    value = string_expr(query.breakdown, params)
    rows = scope.rows(
        f"SELECT {value} AS value, count() AS n FROM raw_events "
        f"WHERE {_base_where(params, period.start, period.end)} AND ({either}) "
        f"AND {filters_sql(query.filters, params)} "
        f"GROUP BY value ORDER BY n DESC, value LIMIT {params.add(limit, 'UInt32')}",
        params.values)
    values = [r["value"] for r in rows]
    return _Breakdown(query.breakdown, values[: query.breakdown_limit],
                      len(values) > query.breakdown_limit)


def _breakdown_key(breakdown: _Breakdown | None, params: QueryParams) -> str | None:
    if breakdown is None:
        return None
    # 1-based position among the top values, 0 for every other value ("Other"), by
    # transform(): a hash lookup, done once per dictionary entry of a LowCardinality
    # column, where indexOf() would compare every row's value with each top value.
    top = params.add(breakdown.values, "Array(String)")
    positions = params.add(list(range(1, len(breakdown.values) + 1)), "Array(UInt16)")
    return f"transform({string_expr(breakdown.prop, params)}, {top}, {positions}, 0)"


def _bucketed(scope: TenantScope, query: TrendsQuery, series: TrendSeries, period: _Period,
              breakdown: _Breakdown | None, fresh_of: _FreshDaysOf,
              ) -> dict[int | None, np.ndarray]:
    """Per breakdown key, one value per bucket of the period (zero-filled)."""
    interval = query.interval
    if series.math in _SLIDING_INTERVALS and interval in _SLIDING_INTERVALS[series.math]:
        return _trailing_actives(scope, query, series, period, breakdown)
    if (series.math == "dau" and interval == "day" and breakdown is None
            and not series.filters and not query.filters):
        return _from_rollups(scope, query, series, period, breakdown, fresh_of(period))
    if series.math == "total" and interval != "hour" and _counted_by_rollup(query, [series]):
        return _from_rollups(scope, query, series, period, breakdown, fresh_of(period))
    return _aggregated(scope, query, series, period, breakdown)


def _counted_by_rollup(query: TrendsQuery, series: list[TrendSeries]) -> bool:
    """Whether the daily counts rollup holds the events of `series` under the query's
    breakdown: no property filters, and no breakdown or one of a hot string column."""
    return (not query.filters and not any(s.filters for s in series)
            and (query.breakdown is None or query.breakdown in ROLLED_UP_PROPERTIES))


def _days(period: _Period) -> list[date]:
    return [period.date_from + timedelta(days=i)
            for i in range((period.date_to - period.date_from).days + 1)]


def _aggregated(scope: TenantScope, query: TrendsQuery, series: TrendSeries, period: _Period,
                breakdown: _Breakdown | None, only_days: list[date] | None = None,
                ) -> dict[int | None, np.ndarray]:
    """`_bucketed` as one aggregation over raw events (restricted to `only_days`)."""
    params = QueryParams()
    if series.math == "total":
        aggregate = "count()"
    elif series.math in PROPERTY_MATHS:
        assert series.math_property is not None
        number = numeric_expr(series.math_property, params)
        # text such as "nan" or "inf" parses as a float: such values are not numbers here
        finite = f"if(isFinite({number}), {number}, NULL)"
        aggregate = _AGGREGATES[series.math].format(x=finite)
    else:  # dau, or weekly/monthly actives at an interval at least as long as their window
        aggregate = PERSONS_SQL
    key = _breakdown_key(breakdown, params)
    where = _series_where(query, series, params, period.start, period.end)
    if only_days is not None:
        where += f" AND toDate(timestamp) IN {params.add(only_days, 'Array(Date)')}"
    select_key = f", {key} AS bk" if key else ""
    rows = scope.rows(
        f"SELECT {bucket_sql(query.interval)} AS bucket{select_key}, {aggregate} AS value "
        f"FROM raw_events WHERE {where} GROUP BY bucket{', bk' if key else ''}",
        params.values)
    index = {int(s.timestamp()): i for i, s in enumerate(period.starts)}
    out: dict[int | None, np.ndarray] = {}
    for row in rows:
        position = index.get(int(row["bucket"]))
        if position is None or row["value"] is None:
            continue
        values = out.setdefault(row.get("bk"), np.zeros(len(period.starts)))
        values[position] = float(row["value"])
    return out


def _from_rollups(scope: TenantScope, query: TrendsQuery, series: TrendSeries,
                  period: _Period, breakdown: _Breakdown | None, fresh: FreshDays,
                  ) -> dict[int | None, np.ndarray]:
    """Daily actives (day interval) or event counts (day, week or month buckets) from the
    rollups for the days they still describe, and from raw events for the rest (see the
    module docstring): `_aggregated`'s numbers."""
    if series.math == "dau":
        per_day = {None: day_persons(fresh, series.event)}
    else:
        per_day = day_counts(scope, fresh, series.event,
                             breakdown.prop if breakdown else None,
                             breakdown.values if breakdown else [])
    index = {int(s.timestamp()): i for i, s in enumerate(period.starts)}
    out: dict[int | None, np.ndarray] = {}
    for key, days in per_day.items():
        values = out.setdefault(key, np.zeros(len(period.starts)))
        for day, value in days.items():
            values[index[int(_midnight(_bucket_day(day, query.interval)).timestamp())]] += value
    if fresh.stale:  # zero on the fresh days, so adding it fills in the stale ones
        raw = _aggregated(scope, query, series, period, breakdown, only_days=fresh.stale)
        for key, values in raw.items():
            out[key] = out.get(key, np.zeros(len(period.starts))) + values
    if breakdown is None:
        out.setdefault(None, np.zeros(len(period.starts)))
    return out


def _bucket_day(day: date, interval: str) -> date:
    """The first day of the day, week (Monday) or month bucket holding `day`."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _trailing_actives(scope: TenantScope, query: TrendsQuery, series: TrendSeries,
                      period: _Period, breakdown: _Breakdown | None,
                      ) -> dict[int | None, np.ndarray]:
    """Distinct persons over the trailing 7 / 30 days ending each bucket (see module doc):
    at the end of each hour, each day, or each week (its last day, at most date_to)."""
    hourly = query.interval == "hour"
    unit = 3600 if hourly else 86400
    length = _TRAILING_DAYS[series.math] * (24 if hourly else 1)
    if query.interval == "week":
        last_days = [min(s.date() + timedelta(days=6), period.date_to) for s in period.starts]
        evaluate_at = np.array([int(_midnight(d).timestamp()) // unit for d in last_days])
    else:
        evaluate_at = np.array([int(s.timestamp()) // unit for s in period.starts])
    read_from = datetime.fromtimestamp(int(evaluate_at.min() - length + 1) * unit, UTC)
    params = QueryParams()
    key = _breakdown_key(breakdown, params)
    where = _series_where(query, series, params, min(read_from, period.start), period.end)
    span = params.add(length, "UInt32")
    key_inner, key_outer = (f", {key} AS bk", "bk, ") if key else ("", "")
    sql = (
        f"SELECT t.1 AS u, {key_outer}sum(t.2) AS delta FROM ("
        f" SELECT {key_outer}arraySort(groupUniqArray(u)) AS s FROM ("
        f"  SELECT cityHash64(person_id) AS person,"
        f"   toUInt32(intDiv(toUnixTimestamp(timestamp), {unit})) AS u{key_inner}"
        f"  FROM raw_events WHERE {where})"
        f" GROUP BY {key_outer}person)"
        f" ARRAY JOIN arrayConcat("
        f"  arrayMap(x -> (x, toInt64(1)), s),"
        f"  arrayMap((x, nx) -> (toUInt32(least(nx, x + {span})), toInt64(-1)), s,"
        f"           arrayPushBack(arrayPopFront(s), toUInt32(4294967295)))) AS t"
        f" GROUP BY {key_outer}u"
    )
    rows = scope.rows(sql, params.values)
    grouped: dict[int | None, list[tuple[int, int]]] = {}
    for row in rows:
        grouped.setdefault(row.get("bk"), []).append((int(row["u"]), int(row["delta"])))
    out: dict[int | None, np.ndarray] = {}
    for bk, deltas in grouped.items():
        deltas.sort()
        units = np.array([d[0] for d in deltas], dtype=np.int64)
        running = np.cumsum([d[1] for d in deltas])
        at = np.searchsorted(units, evaluate_at, side="right") - 1
        out[bk] = np.where(at >= 0, running[np.maximum(at, 0)], 0).astype(np.float64)
    return out


def _number(value: float) -> float | int:
    value = float(value)
    if not math.isfinite(value):  # a sum past the float range; JSON has no infinity
        return 0
    return int(value) if value.is_integer() else value


def _keys(breakdown: _Breakdown | None,
          per_series: list[dict[int | None, np.ndarray]]) -> list[int | None]:
    if breakdown is None:
        return [None]
    keys: list[int | None] = list(range(1, len(breakdown.values) + 1))
    if breakdown.has_other or any(0 in values for values in per_series):
        keys.append(0)
    return keys


def _breakdown_fields(breakdown: _Breakdown | None, key: int | None) -> dict[str, Any]:
    if breakdown is None or key is None:
        return {"breakdown_value": None, "breakdown_other": False}
    if key == 0:
        return {"breakdown_value": OTHER_LABEL, "breakdown_other": True}
    return {"breakdown_value": breakdown.values[key - 1], "breakdown_other": False}


def compute_trends(scope: TenantScope, query: TrendsQuery) -> dict[str, Any]:
    """Answer a trends question: one result per series, breakdown value and period
    (current, then previous when comparing), plus the formula's results.

    Returns a dict shaped like `api.analytics.schemas.Trends`.
    """
    periods = [_Period("current" if query.compare else None, query.date_from, query.date_to,
                       bucket_starts(query.date_from, query.date_to, query.interval))]
    if query.compare:
        prev_from, prev_to = previous_range(query.date_from, query.date_to)
        periods.append(_Period("previous", prev_from, prev_to,
                               bucket_starts(prev_from, prev_to, query.interval)))
    fresh_of = _FreshDaysOf(scope, query)
    breakdown = _top_values(scope, query, periods[0], fresh_of) if query.breakdown else None
    formula = parse_formula(query.formula, len(query.series)) if query.formula else None
    results: list[dict[str, Any]] = []
    formula_results: list[dict[str, Any]] = []
    for period in periods:
        dates = [bucket_label(s, query.interval) for s in period.starts]
        zeros = np.zeros(len(period.starts))
        per_series = [_bucketed(scope, query, s, period, breakdown, fresh_of)
                      for s in query.series]
        keys = _keys(breakdown, per_series)
        for index, (series, values) in enumerate(zip(query.series, per_series, strict=True)):
            for key in keys:
                results.append({
                    "series": series_letter(index),
                    "label": series.name or series.event,
                    "event": series.event,
                    "math": series.math,
                    "math_property": series.math_property,
                    **_breakdown_fields(breakdown, key),
                    "compare": period.compare,
                    "dates": dates,
                    "data": [_number(v) for v in values.get(key, zeros)],
                })
        if formula is None:
            continue
        for key in keys:
            line = formula.evaluate({series_letter(i): values.get(key, zeros)
                                     for i, values in enumerate(per_series)})
            formula_results.append({
                "series": "formula", "label": formula.text, "event": None, "math": None,
                "math_property": None, **_breakdown_fields(breakdown, key),
                "compare": period.compare, "dates": dates,
                "data": [_number(v) for v in line],
            })
    return {
        "interval": query.interval,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "results": results,
        "formula": formula.text if formula else None,
        "formula_results": formula_results,
    }


TRENDS = QueryRunner("analytics.trends", TrendsQuery, ("raw_events",), compute_trends)
