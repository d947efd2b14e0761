"""Growth pulse KPIs: the daily metrics of mart_growth_pulse_daily, each with its value
seven days earlier and the week-over-week change the mart computed (dbt
`fct_growth_pulse_daily` is their one definition)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.envelopes import DateRange
from api.runners import QueryRunner
from api.store import TenantScope, date_filters

PULSE_METRICS = ("sessions", "signups", "conversions", "revenue", "conversion_rate")
_COLUMNS = ", ".join(f"{m}, {m}_prev_week, {m}_wow_change" for m in PULSE_METRICS)


class PulseDailyQuery(DateRange):
    """Days of GET /modules/growth-pulse/daily (newest first)."""

    latest: bool = Field(False, description="Only the latest pulse day of the range")
    limit: int = Field(60, ge=1, le=1_000, description="At most this many days")


def pulse_days(scope: TenantScope, query: PulseDailyQuery) -> list[dict[str, Any]]:
    """[{pulse_date, kpis: [{metric, value, prev_week, wow_change}]}], newest day first."""
    where = ["tenant_id = {tenant_id:String}"]
    params: dict[str, Any] = {"limit": 1 if query.latest else query.limit}
    date_filters(query.date_from, query.date_to, "pulse_date", where, params)
    rows = scope.rows(f"""
        SELECT pulse_date, {_COLUMNS}
        FROM mart_growth_pulse_daily
        WHERE {' AND '.join(where)}
        ORDER BY pulse_date DESC
        LIMIT {{limit:UInt32}}
    """, params)
    return [{"pulse_date": row["pulse_date"],
             "kpis": [{"metric": m, "value": row[m], "prev_week": row[f"{m}_prev_week"],
                       "wow_change": row[f"{m}_wow_change"]} for m in PULSE_METRICS]}
            for row in rows]


PULSE_DAILY = QueryRunner("modules.growth_pulse.daily", PulseDailyQuery,
                          ("mart_growth_pulse_daily",), pulse_days)
