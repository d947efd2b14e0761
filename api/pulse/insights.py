"""Growth pulse reads: the insights published in mart_growth_pulse_insights."""

from __future__ import annotations

from typing import Any

from api.pulse.schemas import InsightsQuery, parse_insight_cursor
from api.runners import QueryRunner
from api.social.schemas import encode_cursor
from api.store import TenantScope, date_filters

_ORDER = "pulse_date DESC, coalesce(severity_rank, 0) DESC, insight_id"
_AFTER_CURSOR = (
    "(pulse_date < {c_date:Date} OR (pulse_date = {c_date:Date} AND "
    "(coalesce(severity_rank, 0) < {c_rank:Int32} OR (coalesce(severity_rank, 0) = "
    "{c_rank:Int32} AND insight_id > {c_id:String}))))")


def insights(scope: TenantScope, query: InsightsQuery) -> dict[str, Any]:
    """A page of insights, newest day first, then most severe, then insight_id.

    Returns {items, total, page, page_size, next_cursor}; `total` counts every insight
    matching the filters, `next_cursor` is null on the last page.
    """
    where = ["tenant_id = {tenant_id:String}"]
    params: dict[str, Any] = {}
    date_filters(query.date_from, query.date_to, "pulse_date", where, params)
    if query.severity:
        params["severity"] = query.severity
        where.append("severity IN {severity:Array(String)}")
    if query.metric:
        params["metric"] = query.metric
        where.append("metric IN {metric:Array(String)}")
    total = int(scope.scalar(
        f"SELECT count() FROM mart_growth_pulse_insights WHERE {' AND '.join(where)}", params))
    page = None
    offset = 0
    if query.cursor:
        c_date, c_rank, c_id = parse_insight_cursor(query.cursor)
        params.update(c_date=c_date, c_rank=c_rank, c_id=c_id)
        where.append(_AFTER_CURSOR)
    else:
        page = query.page or 1
        offset = (page - 1) * query.page_size
    params.update(n=query.page_size + 1, offset=offset)
    rows = scope.rows(f"""
        SELECT pulse_date, insight_id, metric, rule, direction, severity, severity_rank,
            value, previous_value, change, text
        FROM mart_growth_pulse_insights
        WHERE {' AND '.join(where)}
        ORDER BY {_ORDER}
        LIMIT {{n:UInt32}} OFFSET {{offset:UInt64}}
    """, params)
    more = len(rows) > query.page_size
    rows = rows[:query.page_size]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor([last["pulse_date"].isoformat(),
                                     int(last["severity_rank"] or 0), last["insight_id"]])
    return {"items": rows, "total": total, "page": page, "page_size": query.page_size,
            "next_cursor": next_cursor}


PULSE_INSIGHTS = QueryRunner("modules.growth_pulse.insights", InsightsQuery,
                             ("mart_growth_pulse_insights",), insights)
