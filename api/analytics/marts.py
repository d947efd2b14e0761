"""Configured funnels and retention cohorts read from their published marts
(`mart_funnel_conversions_daily`, `mart_retention_cohorts`).

The definitions are those of `vars.funnels` and `vars.retention` in
`dbt_project/dbt_project.yml`, the file the marts are built from, read once per process.
"""

from __future__ import annotations

from typing import Any

from api.analytics.filters import QueryParams
from api.analytics.schemas import CohortsQuery, MartFunnelQuery, MartRange
from api.runners import QueryRunner
from api.store import TenantScope
from warehouse.dbt_vars import project_vars

_STEP_COLUMNS = ("persons", "conversion_from_first", "conversion_from_previous",
                 "avg_seconds_from_previous", "median_seconds_from_previous")


def configured_funnels() -> dict[str, dict[str, Any]]:
    """{funnel_id: definition} of the funnels the funnel mart publishes."""
    return {f["funnel_id"]: f for f in project_vars().get("funnels") or []}


def configured_retention() -> dict[str, dict[str, Any]]:
    """{retention_id: definition} of the retention definitions the cohort mart publishes."""
    return {r["retention_id"]: r for r in project_vars().get("retention") or []}


def _range_sql(column: str, query: MartRange, params: QueryParams) -> str:
    parts = []
    if query.date_from is not None:
        parts.append(f" AND {column} >= {params.add(query.date_from, 'Date')}")
    if query.date_to is not None:
        parts.append(f" AND {column} <= {params.add(query.date_to, 'Date')}")
    return "".join(parts)


def mart_funnel(scope: TenantScope, funnel_id: str, query: MartRange) -> dict[str, Any]:
    """A configured funnel per entry day, shaped like `api.analytics.schemas.MartFunnel`.

    Raises KeyError when `funnel_id` is not configured.
    """
    definition = configured_funnels()[funnel_id]
    params = QueryParams()
    rows = scope.rows(
        "SELECT entry_date, step, step_event, " + ", ".join(_STEP_COLUMNS) +
        " FROM mart_funnel_conversions_daily WHERE tenant_id = {tenant_id:String} "
        f"AND funnel_id = {params.add(funnel_id, 'String')}"
        + _range_sql("entry_date", query, params) + " ORDER BY entry_date, step",
        params.values)
    days: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        step = {"step": int(row["step"]), "event": row["step_event"],
                **{c: row[c] for c in _STEP_COLUMNS}}
        step["persons"] = int(step["persons"] or 0)
        days.setdefault(row["entry_date"], []).append(step)
    return {
        "funnel_id": funnel_id,
        "steps": list(definition["steps"]),
        "order": definition.get("order", "ordered"),
        "window": int(definition.get("window", 14)),
        "window_unit": definition.get("window_unit", "day"),
        "exclusions": list(definition.get("exclusions") or []),
        "days": [{"entry_date": day, "steps": steps} for day, steps in days.items()],
    }


def _pad(values: list[Any], size: int, fill: Any) -> list[Any]:
    return values + [fill] * (size - len(values))


def mart_cohorts(scope: TenantScope, query: CohortsQuery) -> dict[str, Any]:
    """Published cohorts, shaped like `api.analytics.schemas.Cohorts`; each row's columns
    are zero-padded to the definition's number of intervals for its period."""
    params = QueryParams()
    where = "tenant_id = {tenant_id:String}"
    if query.retention_id is not None:
        where += f" AND retention_id = {params.add(query.retention_id, 'String')}"
    if query.period is not None:
        where += f" AND period = {params.add(query.period, 'String')}"
    if query.cohort_type is not None:
        where += f" AND cohort_type = {params.add(query.cohort_type, 'String')}"
    where += _range_sql("cohort_start", query, params)
    rows = scope.rows(
        "SELECT retention_id, target_event, returning_event, period, cohort_type, "
        "cohort_start, period_offset, cohort_size, retained, retained_cumulative, "
        "retention_rate, retention_rate_cumulative FROM mart_retention_cohorts "
        f"WHERE {where} ORDER BY retention_id, period, cohort_type, cohort_start, "
        "period_offset", params.values)
    definitions = configured_retention()
    cohorts: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (row["retention_id"], row["period"], row["cohort_type"], row["cohort_start"])
        cohort = cohorts.get(key)
        if cohort is None:
            cohort = cohorts[key] = {
                "retention_id": row["retention_id"], "target_event": row["target_event"],
                "returning_event": row["returning_event"], "period": row["period"],
                "cohort_type": row["cohort_type"], "cohort_start": row["cohort_start"],
                "cohort_size": int(row["cohort_size"] or 0), "observed_periods": 0,
                "retained": [], "retained_cumulative": [], "retention_rate": [],
                "retention_rate_cumulative": []}
        offset = int(row["period_offset"])
        for name in ("retained", "retained_cumulative"):
            cohort[name] += [0] * (offset - len(cohort[name])) + [int(row[name] or 0)]
        for name in ("retention_rate", "retention_rate_cumulative"):
            cohort[name] += [0.0] * (offset - len(cohort[name])) + [float(row[name] or 0.0)]
        cohort["observed_periods"] = offset + 1
    for cohort in cohorts.values():
        definition = definitions.get(cohort["retention_id"], {})
        size = int((definition.get("intervals") or {}).get(cohort["period"], 0))
        size = max(size, cohort["observed_periods"])
        for name in ("retained", "retained_cumulative"):
            cohort[name] = _pad(cohort[name], size, 0)
        for name in ("retention_rate", "retention_rate_cumulative"):
            cohort[name] = _pad(cohort[name], size, 0.0)
    return {"cohorts": list(cohorts.values())}


FUNNEL_MART = QueryRunner("analytics.funnel_mart", MartFunnelQuery,
                          ("mart_funnel_conversions_daily",),
                          lambda scope, query: mart_funnel(scope, query.funnel_id, query))
COHORTS = QueryRunner("analytics.cohorts", CohortsQuery, ("mart_retention_cohorts",),
                      mart_cohorts)
