"""Routes of the analytics domain: ad-hoc trends, funnels and retention over
`raw_events`, and the configured funnels and cohorts from their marts.
See docs/api.md#analytics; semantics in docs/analytics-semantics.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.analytics import marts as analytics_marts
from api.analytics.funnels import FUNNELS
from api.analytics.retention import RETENTION
from api.analytics.schemas import (
    Cohorts,
    CohortsQuery,
    Funnel,
    FunnelQuery,
    MartFunnel,
    MartFunnelQuery,
    MartRange,
    Retention,
    RetentionQuery,
    Trends,
    TrendsQuery,
)
from api.analytics.trends import TRENDS
from api.deps import Context, Reader
from api.envelopes import Envelope
from api.errors import ApiProblem

router = APIRouter(prefix="/analytics", tags=["analytics"])

_NOT_FOUND = {404: {"description": "Not a configured funnel / retention definition",
                    "content": {"application/problem+json": {}}}}


@router.post(
    "/trends", response_model=Envelope[Trends],
    summary="Ad-hoc trends: series of events in hour/day/week/month buckets",
    description="Each series counts an event (`$any` = every event) with a math: total, "
    "dau, weekly_active / monthly_active (trailing 7 / 30 days ending each bucket, reaching "
    "before date_from), or sum/avg/min/max/median/p90/p95/p99 of a numeric property. "
    "Buckets are zero-filled; the range includes the whole of date_to. Optional breakdown "
    "(top N values + 'Other'), comparison with the previous period, and a formula over the "
    "series letters (`A+2*B`). Computed in ClickHouse from raw_events.",
)
async def trends(body: TrendsQuery, request: Request, context: Context,
                 principal: Reader) -> Response:
    return await TRENDS.answer(request, context, principal, body)


@router.post(
    "/funnels", response_model=Envelope[Funnel],
    summary="Ad-hoc funnel: ordered, strict or unordered, with window and exclusions",
    description="Persons entering with step 0 in [date_from, date_to] and how far they get "
    "within the conversion window (inclusive), PostHog-compatible (DESIGN §6). Events are "
    "read from raw_events and matched by the same engine as the funnel mart.",
)
async def funnels(body: FunnelQuery, request: Request, context: Context,
                  principal: Reader) -> Response:
    return await FUNNELS.answer(request, context, principal, body)


@router.post(
    "/retention", response_model=Envelope[Retention],
    summary="Ad-hoc retention table: recurring or first-time cohorts",
    description="N cohorts (periods) ending with the one containing date_to; column j "
    "counts cohort members returning j periods later (cumulative: j or later). first_time "
    "places a person in the cohort of their first-ever target event.",
)
async def retention(body: RetentionQuery, request: Request, context: Context,
                    principal: Reader) -> Response:
    return await RETENTION.answer(request, context, principal, body)


@router.get(
    "/funnels/{funnel_id}", response_model=Envelope[MartFunnel], responses=_NOT_FOUND,
    summary="A configured funnel per entry day (mart_funnel_conversions_daily)",
    description="Funnels are configured under `vars.funnels` in dbt_project.yml. A day's "
    "row equals the ad-hoc funnel with date_from = date_to = that day.",
)
async def funnel_mart(
    funnel_id: Annotated[str, Path(max_length=200, description="A configured funnel id")],
    query: Annotated[MartRange, Query()], request: Request, context: Context,
    principal: Reader,
) -> Response:
    if funnel_id not in analytics_marts.configured_funnels():
        known = ", ".join(sorted(analytics_marts.configured_funnels()))
        raise ApiProblem(404, f"no configured funnel {funnel_id!r}; configured: {known}")
    params = MartFunnelQuery(funnel_id=funnel_id, **query.model_dump())
    return await analytics_marts.FUNNEL_MART.answer(request, context, principal, params)


@router.get(
    "/cohorts", response_model=Envelope[Cohorts], responses=_NOT_FOUND,
    summary="Published retention cohorts (mart_retention_cohorts)",
    description="Cohorts of the retention definitions under `vars.retention` in "
    "dbt_project.yml, by day or Monday week, recurring or first_time; date_from/date_to "
    "bound cohort_start. Columns are zero-padded to the definition's intervals.",
)
async def cohorts(query: Annotated[CohortsQuery, Query()], request: Request,
                  context: Context, principal: Reader) -> Response:
    known = analytics_marts.configured_retention()
    if query.retention_id is not None and query.retention_id not in known:
        raise ApiProblem(404, f"no configured retention definition {query.retention_id!r}; "
                         f"configured: {', '.join(sorted(known))}")
    return await analytics_marts.COHORTS.answer(request, context, principal, query)
