"""Ad-hoc funnels over `raw_events`, answered by the one funnel engine
(`warehouse.semantics.funnels`, the same code the funnel mart runs).

ClickHouse reads, prunes and groups the events (`api.analytics.funnel_events`): it counts
the entrants who cannot get past step 0 and returns the others' events. The engine then
matches attempts, exclusions and conversion times. When it meets a person whose events
tie on the timestamp (`TiedEventsError`), just those persons are read again with their
event_ids and the engine runs again.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from api.analytics.funnel_events import BREAKDOWN_COLUMN, FunnelEvents, fetch_funnel_events
from api.analytics.schemas import FunnelQuery
from api.runners import QueryRunner
from api.store import TenantScope
from warehouse.semantics.funnels import (
    FunnelDefinition,
    FunnelResult,
    FunnelSpec,
    TiedEventsError,
    compute_funnel,
)

OTHER_LABEL = "Other"
# Stands for the merged breakdown values while the engine runs (a real value cannot
# start with NUL in practice; it is renamed to OTHER_LABEL in the answer).
_OTHER_KEY = "\x00other"


def funnel_spec(query: FunnelQuery) -> FunnelSpec:
    """The engine's spec for an ad-hoc funnel."""
    return FunnelSpec(funnel_id="adhoc",
                      **query.model_dump(include=set(FunnelDefinition.model_fields)))


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
                    fetched: FunnelEvents, tied: list[int]) -> pa.Table:
    """The events of `fetched` with the rows of the `tied` persons (codes) fetched again
    with their event_ids (the other rows get an empty event_id: none of them ties, so it
    is never read). The persons read again get codes after the first read's."""
    again = fetch_funnel_events(scope, spec, query.date_from, query.date_to, query,
                                event_ids=True, persons=fetched.hashes(tied)).events
    codes = pc.add(again["person_id"], pa.scalar(fetched.persons.size, pa.int64()))
    again = again.set_column(again.schema.get_field_index("person_id"), "person_id", codes)
    events = fetched.events
    rest = events.filter(pc.invert(pc.is_in(events["person_id"],
                                            value_set=pa.array(tied, pa.int64()))))
    rest = rest.append_column("event_id", pa.repeat(pa.scalar("", pa.string()), rest.num_rows))
    rest = rest.select(again.column_names)
    return pa.concat_tables([rest, again.cast(rest.schema)])


def compute_funnels(scope: TenantScope, query: FunnelQuery) -> dict[str, Any]:
    """Answer an ad-hoc funnel. Returns a dict shaped like `api.analytics.schemas.Funnel`:
    one group (breakdown_value None) without a breakdown, else the top `breakdown_limit`
    values by persons at step 0 and, when more exist, an 'Other' group computed over the
    rest (persons are counted once in it, not summed)."""
    spec = funnel_spec(query)
    fetched = fetch_funnel_events(scope, spec, query.date_from, query.date_to, query)
    events, step0_only = fetched.events, fetched.step0_only  # step0_only is 0 with a breakdown
    breakdown = BREAKDOWN_COLUMN if query.breakdown is not None else None
    try:
        results = compute_funnel(events, spec, query.date_from, query.date_to, breakdown,
                                 step0_only)
    except TiedEventsError as tied:
        events = _with_event_ids(scope, spec, query, fetched, tied.persons)
        results = compute_funnel(events, spec, query.date_from, query.date_to, breakdown,
                                 step0_only)
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


FUNNELS = QueryRunner("analytics.funnels", FunnelQuery, ("raw_events",), compute_funnels)
