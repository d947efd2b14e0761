"""Ad-hoc funnels over `raw_events`, answered by the one funnel engine
(`warehouse.semantics.funnels`, the same code the funnel mart runs).

ClickHouse does the reading and the pruning: only the tenant's events in
[date_from, date_to + 1 day + window] are fetched, only the step and exclusion events
unless the funnel is strict (a strict funnel needs every event of a person, since any
other event between two steps breaks it), with the filters applied, only of persons who
enter and only between their first entry and their last entry plus the window, and only
the columns the engine reads. Person ids travel as `cityHash64(person_id)` (UInt64:
cheaper to move and to encode than strings) and event names as an Arrow dictionary
(LowCardinality). The engine then matches attempts, exclusions and conversion times.

event_id, the tie-breaker between a person's events at the same timestamp, is not
fetched at first: moving a million id strings costs more than the rest of the answer,
and such ties are rare. When the engine meets one (`TiedEventsError`), the events of
just the tied persons are fetched again with their event_ids and the engine runs again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from api.schemas.analytics import FunnelQuery
from api.services.filters import QueryParams, events_sql, filters_sql, string_expr
from api.store import TenantScope
from warehouse.semantics.funnels import (
    FunnelExclusion,
    FunnelResult,
    FunnelSpec,
    TiedEventsError,
    compute_funnel,
    funnel_event_names,
)

DT64 = "DateTime64(3, 'UTC')"
OTHER_LABEL = "Other"
# Stands for the merged breakdown values while the engine runs (a real value cannot
# start with NUL in practice; it is renamed to OTHER_LABEL in the answer).
_OTHER_KEY = "\x00other"
_ARROW_SETTINGS = {"output_format_arrow_low_cardinality_as_dictionary": 1}
BREAKDOWN_COLUMN = "breakdown"


def funnel_spec(query: FunnelQuery) -> FunnelSpec:
    """The engine's spec for an ad-hoc funnel."""
    return FunnelSpec(
        funnel_id="adhoc", steps=query.steps, window=query.window,
        window_unit=query.window_unit, order=query.order,
        exclusions=[FunnelExclusion(event=e.event, from_step=e.from_step, to_step=e.to_step)
                    for e in query.exclusions])


def fetch_funnel_events(scope: TenantScope, spec: FunnelSpec, date_from: date, date_to: date,
                        query: FunnelQuery | None = None, *, event_ids: bool = True,
                        persons: list[int] | None = None) -> pa.Table:
    """The events the engine needs for `spec` over entry days [date_from, date_to], as
    Arrow: person_id (UInt64 hash), event, timestamp, event_id unless `event_ids` is
    False (+ breakdown); only of `persons` (hashes) when given.

    Only persons who enter (a step-0 event in the range; any step event for an unordered
    funnel) are read, and only their events from their first entry to their last entry
    plus the window: nothing outside can be part of an attempt, decide a strict step
    (an event past the window fails it as surely as no event) or lie between two steps
    of an attempt, so the engine's answer is the same with fewer rows to sort.
    """
    params = QueryParams()
    start = datetime(date_from.year, date_from.month, date_from.day, tzinfo=UTC)
    end = datetime(date_to.year, date_to.month, date_to.day, tzinfo=UTC) + timedelta(days=1)
    stop = end + timedelta(seconds=spec.window_seconds)  # the engine's inclusive limit
    start_p = params.add(start, DT64)
    window_ms = params.add(spec.window_seconds * 1000, "Int64")
    filters = filters_sql(query.filters, params) if query is not None else "1"
    if persons is not None:
        filters += f" AND cityHash64(person_id) IN {params.add(persons, 'Array(UInt64)')}"
    names = events_sql(sorted(funnel_event_names(spec)), params)
    entry_names = spec.steps if spec.order == "unordered" else spec.steps[:1]
    entrants = (
        "SELECT cityHash64(person_id) AS person, min(timestamp) AS first, "
        f"addMilliseconds(max(timestamp), {window_ms}) AS last FROM raw_events "
        f"WHERE tenant_id = {{tenant_id:String}} AND {events_sql(entry_names, params)} "
        f"AND timestamp >= {start_p} AND timestamp < {params.add(end, DT64)} "
        f"AND {filters} GROUP BY person")
    columns = "cityHash64(person_id) AS person, event, timestamp"
    outer = "person AS person_id, event, timestamp"
    if event_ids:
        columns += ", event_id"
        outer += ", event_id"
    if query is not None and query.breakdown is not None:
        columns += f", {string_expr(query.breakdown, params)} AS {BREAKDOWN_COLUMN}"
        outer += f", {BREAKDOWN_COLUMN}"
    events = (
        f"SELECT {columns} FROM raw_events WHERE tenant_id = {{tenant_id:String}} "
        f"AND timestamp >= {start_p} AND timestamp <= {params.add(stop, DT64)} "
        # a strict funnel needs every event: any other one between two steps breaks it
        f"AND {'1' if spec.order == 'strict' else names} AND {filters}")
    sql = (f"SELECT {outer} FROM ({events}) AS e INNER JOIN ({entrants}) AS entrants "
           "USING person WHERE e.timestamp >= entrants.first AND e.timestamp <= entrants.last")
    return scope.arrow(sql, params.values, settings=_ARROW_SETTINGS)


def _steps(result: FunnelResult) -> list[dict[str, Any]]:
    return [
        {
            "step": s.step,
            "event": s.event,
            "persons": s.persons,
            "conversion_from_first": s.conversion_from_first,
            "conversion_from_previous": s.conversion_from_previous,
            "avg_seconds_from_previous": s.avg_seconds_from_previous,
            "median_seconds_from_previous": s.median_seconds_from_previous,
        }
        for s in result.steps
    ]


def _with_other(events: pa.Table, keep: list[str]) -> pa.Table:
    """`events` with breakdown values outside `keep` replaced by the Other key."""
    values = events[BREAKDOWN_COLUMN].cast(pa.string())
    merged = pc.if_else(pc.is_in(values, value_set=pa.array(keep, pa.string())), values,
                        _OTHER_KEY)
    index = events.schema.get_field_index(BREAKDOWN_COLUMN)
    return events.set_column(index, BREAKDOWN_COLUMN, merged)


def _with_event_ids(scope: TenantScope, spec: FunnelSpec, query: FunnelQuery,
                    events: pa.Table, tied: list[int]) -> pa.Table:
    """`events` with the rows of the `tied` persons fetched again with their event_ids
    (the other rows get an empty event_id: none of them ties, so it is never read)."""
    again = fetch_funnel_events(scope, spec, query.date_from, query.date_to, query,
                                persons=tied)
    rest = events.filter(pc.invert(pc.is_in(events["person_id"],
                                            value_set=pa.array(tied, pa.uint64()))))
    rest = rest.append_column("event_id", pa.repeat(pa.scalar("", pa.string()), rest.num_rows))
    rest = rest.select(again.column_names)
    return pa.concat_tables([rest, again.cast(rest.schema)])


def compute_funnels(scope: TenantScope, query: FunnelQuery) -> dict[str, Any]:
    """Answer an ad-hoc funnel. Returns a dict shaped like `api.schemas.analytics.Funnel`:
    one group (breakdown_value None) without a breakdown, else the top `breakdown_limit`
    values by persons at step 0 and, when more exist, an 'Other' group computed over the
    rest (persons are counted once in it, not summed)."""
    spec = funnel_spec(query)
    events = fetch_funnel_events(scope, spec, query.date_from, query.date_to, query,
                                 event_ids=False)
    breakdown = BREAKDOWN_COLUMN if query.breakdown is not None else None
    try:
        results = compute_funnel(events, spec, query.date_from, query.date_to, breakdown)
    except TiedEventsError as tied:
        events = _with_event_ids(scope, spec, query, events, tied.persons)
        results = compute_funnel(events, spec, query.date_from, query.date_to, breakdown)
    if breakdown is not None and len(results) > query.breakdown_limit:
        keep = [r.group or "" for r in results[: query.breakdown_limit]]
        merged = compute_funnel(_with_other(events, keep), spec, query.date_from,
                                query.date_to, breakdown)
        top = [r for r in merged if r.group != _OTHER_KEY]
        results = top + [r for r in merged if r.group == _OTHER_KEY]
    groups = [
        {
            "breakdown_value": OTHER_LABEL if r.group == _OTHER_KEY else r.group,
            "breakdown_other": r.group == _OTHER_KEY,
            "steps": _steps(r),
        }
        for r in results
    ]
    return {
        "steps": list(query.steps),
        "order": query.order,
        "window_seconds": spec.window_seconds,
        "date_from": query.date_from,
        "date_to": query.date_to,
        "breakdown": query.breakdown,
        "results": groups,
    }
