"""Funnel conversions per entry day for every funnel in var('funnels') (DESIGN §6).

A row of entry day D answers the ad-hoc question "this funnel with date_from = date_to
= D": persons entering with a step-0 event on D, later steps up to the conversion window
after it. The semantics live in `warehouse.semantics.funnels`, the one implementation the
API uses too. Entry days whose numbers a new day can change (up to the longest
conversion window before the run's window) are recomputed on every run.
"""

import json
import math
import os
from datetime import UTC, date, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from warehouse.semantics.funnels import (
    FunnelSpec,
    compute_funnel_by_entry_day,
    funnel_event_names,
)

_ALL_HISTORY = {"min_date": "1970-01-01", "max_date": "9999-12-31"}
COLUMNS = {
    "tenant_id": pa.string(),
    "funnel_id": pa.string(),
    "entry_date": pa.date32(),
    "step": pa.int32(),
    "step_event": pa.string(),
    "funnel_order": pa.string(),
    "persons": pa.int64(),
    "conversion_from_first": pa.float64(),
    "conversion_from_previous": pa.float64(),
    "avg_seconds_from_previous": pa.float64(),
    "median_seconds_from_previous": pa.float64(),
}


def _events_for(events_relation, spec: FunnelSpec, first: date, end: date) -> pa.Table:
    """The events a funnel needs on the UTC days [first, end): all events for strict
    funnels, else its steps and exclusions. (Bounds on the raw timestamp, unlike ones on
    the derived event_date, let DuckDB skip row groups.)"""
    where = (f"occurred_at >= TIMESTAMPTZ '{first} 00:00:00+00' "
             f"AND occurred_at < TIMESTAMPTZ '{end} 00:00:00+00'")
    if spec.order != "strict":
        quoted = [("'" + n.replace("'", "''") + "'") for n in sorted(funnel_event_names(spec))]
        where += f" AND event IN ({', '.join(quoted)})"
    return events_relation.filter(where).select(
        "tenant_id, person_id, event, occurred_at AS timestamp, event_id").to_arrow_table()


def _utc_days(events: pa.Table) -> tuple[date, date]:
    """The first and last UTC day of the events' timestamps."""
    low, high = pc.min_max(events.column("timestamp")).values()
    return (low.as_py().astimezone(UTC).date(),
            high.as_py().astimezone(UTC).date())


def _result_rows(tenant: str, spec: FunnelSpec, results, rows: dict[str, list]) -> None:
    for result in results:
        for step in result.steps:
            rows["tenant_id"].append(tenant)
            rows["funnel_id"].append(spec.funnel_id)
            rows["entry_date"].append(date.fromisoformat(result.group))
            rows["step"].append(step.step)
            rows["step_event"].append(step.event)
            rows["funnel_order"].append(spec.order)
            rows["persons"].append(step.persons)
            rows["conversion_from_first"].append(step.conversion_from_first)
            rows["conversion_from_previous"].append(step.conversion_from_previous)
            rows["avg_seconds_from_previous"].append(step.avg_seconds_from_previous)
            rows["median_seconds_from_previous"].append(step.median_seconds_from_previous)


def _window_date(name: str, from_vars: str | None) -> date:
    """A window bound as macros/partition_window.sql resolves it: --vars (rendered into
    this model's config), else SIGHTLINE_WINDOW_<NAME>, else all history."""
    given = from_vars or os.environ.get(f"SIGHTLINE_WINDOW_{name.upper()}")
    return date.fromisoformat(given or _ALL_HISTORY[name])


def model(dbt, session):
    # Python models don't inherit `materialized` from dbt_project.yml: say it here.
    dbt.config(materialized="incremental", window_column="entry_date")
    specs = [FunnelSpec(**f) for f in json.loads(dbt.config.get("funnels_json"))]
    lookback = int(dbt.config.get("window_lookback_days"))
    # (dbt.config.get takes literal arguments only)
    min_date = _window_date("min_date", dbt.config.get("min_date"))
    window_start = min_date - timedelta(days=lookback)
    window_end = _window_date("max_date", dbt.config.get("max_date"))
    events = dbt.ref("stg_product__events")
    reads: dict[tuple, pa.Table] = {}  # funnels with the same events and days share a read
    rows: dict[str, list] = {name: [] for name in COLUMNS}
    kept = []
    for spec in specs:
        window_days = math.ceil(spec.window_seconds / 86400)
        if window_days > lookback:
            raise ValueError(
                f"funnel {spec.funnel_id!r} has a window longer than {lookback} days: raise "
                "window_lookback_days of fct_funnel_conversions_daily in _product__models.yml")
        # Entry days a new day can change reach back this funnel's window, not the
        # longest one: older days of the replaced window are carried over unchanged.
        spec_start = max(window_start, min_date - timedelta(days=window_days))
        if dbt.is_incremental and spec_start > window_start:
            kept.append(session.sql(
                f"SELECT * FROM {dbt.this} WHERE funnel_id = $id AND entry_date >= $start "
                "AND entry_date < $end",
                params={"id": spec.funnel_id, "start": window_start, "end": spec_start},
            ).to_arrow_table())
        # Entries up to the window's last day, their conversions up to window_days later.
        read_end = (window_end + timedelta(days=window_days)
                    if window_end < date.max - timedelta(days=window_days) else date.max)
        key = (spec.order == "strict" or frozenset(funnel_event_names(spec)), spec_start, read_end)
        if key not in reads:
            reads[key] = _events_for(events, spec, spec_start, read_end)
        funnel_events = reads[key]
        if funnel_events.num_rows == 0:
            continue
        # Entry days outside the loaded data have no attempts: skip them (in a build of all
        # history the window starts in 1970 and ends in 9999).
        first_day, last_day = _utc_days(funnel_events)
        first_entry = max(spec_start, first_day)
        last_entry = min(window_end - timedelta(days=1), last_day)
        if first_entry > last_entry:
            continue
        for tenant in sorted(pc.unique(funnel_events.column("tenant_id")).to_pylist()):
            mask = pc.equal(funnel_events.column("tenant_id"), tenant)
            results = compute_funnel_by_entry_day(
                funnel_events.filter(mask), spec, first_entry, last_entry)
            _result_rows(tenant, spec, results, rows)
    schema = pa.schema(list(COLUMNS.items()))
    computed = pa.table({name: pa.array(values, type=COLUMNS[name])
                         for name, values in rows.items()})
    return pa.concat_tables([computed, *(t.select(list(COLUMNS)).cast(schema) for t in kept)])
