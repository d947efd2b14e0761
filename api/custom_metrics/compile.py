"""A checked formula tree → one ClickHouse query over a grid of time buckets.

Every aggregate the formula reads is computed once per bucket of the tenant's rows in the
range; the grid holds every bucket, so buckets without rows still appear: COUNT and SUM
read 0 there, AVG, MIN and MAX read null. The formula is then evaluated per bucket in
bucket order: numbers are bound parameters, `a / b` is null where b is 0, LAG(x, n) is x
n buckets earlier (null for the first n buckets), and null propagates through arithmetic.
Column names come only from the source's allow-list; nothing from the request is ever
formatted into the SQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from api.analytics.filters import QueryParams, event_sql, filters_sql
from api.analytics.schemas import PropertyFilter
from api.analytics.trends import bucket_sql, bucket_starts
from api.custom_metrics.formula import Aggregate, Lag, Negate, Node, Number, aggregates
from api.custom_metrics.sources import MetricSource

DT64 = "DateTime64(3, 'UTC')"
_AGGREGATE_SQL = {"sum": "sum({c})", "avg": "avgOrNull({c})", "min": "minOrNull({c})",
                  "max": "maxOrNull({c})", "count": "count({c})"}
_ORDERED = "OVER (ORDER BY bucket ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)"


def _aggregate_sql(aggregate: Aggregate) -> str:
    if aggregate.function == "count":
        if aggregate.column is None:
            return "count()"
        if aggregate.distinct:
            return f"uniqExact({aggregate.column})"
    return _AGGREGATE_SQL[aggregate.function].format(c=aggregate.column)


def _expression(node: Node, names: dict[str, str], params: QueryParams) -> str:
    if isinstance(node, Number):
        return params.add(node.value, "Float64")
    if isinstance(node, Aggregate):
        column = names[node.key]
        # A bucket without rows: counts and sums are 0, the others stay null. Float64
        # throughout: a difference of two counts must not wrap around as UInt64.
        if node.function in ("count", "sum"):
            return f"toFloat64(coalesce({column}, 0))"
        return f"toFloat64({column})"
    if isinstance(node, Negate):
        return f"(-{_expression(node.operand, names, params)})"
    if isinstance(node, Lag):
        inner = _expression(node.operand, names, params)
        return f"lagInFrame(toNullable(toFloat64({inner})), {node.offset}) {_ORDERED}"
    left = _expression(node.left, names, params)
    right = _expression(node.right, names, params)
    if node.op == "/":
        return f"({left} / nullIf({right}, 0))"
    return f"({left} {node.op} {right})"


def series_sql(node: Node, source: MetricSource, date_from: date, date_to: date,
               interval: str, event: str | None,
               filters: list[PropertyFilter]) -> tuple[str, dict]:
    """The query of a formula's series and its parameters: rows (bucket, value) in bucket
    order, one per bucket of [date_from, date_to] (UTC days, whole)."""
    params = QueryParams()
    used = aggregates(node)
    names = {aggregate.key: f"a{i}" for i, aggregate in enumerate(used)}
    selects = ", ".join(f"{_aggregate_sql(a)} AS {names[a.key]}" for a in used) or "1 AS a_"
    start = datetime(date_from.year, date_from.month, date_from.day, tzinfo=UTC)
    end = datetime(date_to.year, date_to.month, date_to.day, tzinfo=UTC) + timedelta(days=1)
    grid = [int(s.timestamp()) for s in bucket_starts(date_from, date_to, interval)]
    where = (f"tenant_id = {{tenant_id:String}} AND {source.time_column} >= "
             f"{params.add(start, DT64)} AND {source.time_column} < {params.add(end, DT64)}")
    if event is not None:
        where += f" AND {event_sql(event, params)}"
    if filters:
        where += f" AND {filters_sql(filters, params)}"
    rows = (f"SELECT {bucket_sql(interval, source.time_column)} AS bucket, {selects} "
            f"FROM {source.table} WHERE {where} GROUP BY bucket")
    value = _expression(node, names, params)
    sql = (f"SELECT grid.bucket AS bucket, toNullable(toFloat64({value})) AS value "
           f"FROM (SELECT arrayJoin({params.add(grid, 'Array(UInt32)')}) AS bucket) AS grid "
           f"LEFT JOIN ({rows}) AS agg ON agg.bucket = grid.bucket ORDER BY bucket")
    return sql, params.values
