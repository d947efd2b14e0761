"""Routes of the modules domain: the growth pulse (insights, and queueing a rebuild).
See docs/api.md#modules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import anyio
from fastapi import APIRouter, Body, Query, Request, Response

from api.answers import envelope
from api.deps import Admin, Context, Reader
from api.envelopes import Envelope
from api.errors import ApiProblem
from api.pipeline_runs import (
    GROWTH_PULSE,
    KEY_TAG,
    TENANT_TAG,
    TRIGGER_TAG,
    PipelineUnavailable,
    RunLauncher,
)
from api.pulse import insights as growth_pulse
from api.pulse.daily import PULSE_DAILY, PulseDailyQuery
from api.pulse.schemas import InsightPage, InsightsQuery, PulseRun, PulseRunRequest

router = APIRouter(prefix="/modules", tags=["modules"])


def run_launcher(request: Request) -> RunLauncher:
    """The launcher the app was built with (`sightline serve` gives it the Dagster one).

    Raises PipelineUnavailable when the app has none."""
    launcher = getattr(request.app.state, "run_launcher", None)
    if launcher is None:
        raise PipelineUnavailable("this API process was started without a run launcher; "
                                  "serve it with `sightline serve`, which queues runs in the "
                                  "Dagster instance")
    return launcher


@router.get(
    "/growth-pulse/insights", response_model=Envelope[InsightPage],
    summary="Growth pulse insights (mart_growth_pulse_insights)",
    description="Rule-generated week-over-week insights, newest day first, then the most "
    "severe. Page with `page` and `page_size`, or walk with `cursor` = the previous "
    "`next_cursor` until it is null.",
)
async def insights(query: Annotated[InsightsQuery, Query()], request: Request,
                   context: Context, principal: Reader) -> Response:
    return await growth_pulse.PULSE_INSIGHTS.answer(request, context, principal, query)


@router.get(
    "/growth-pulse/daily",
    summary="Growth pulse KPIs by day, with week-over-week change (mart_growth_pulse_daily)",
    description="Sessions, signups, conversions, revenue and conversion rate per day, each "
    "with its value seven days earlier and the relative change, newest day first; "
    "`latest=true` gives the latest day only (the web app's home KPIs).",
)
async def daily(query: Annotated[PulseDailyQuery, Query()], request: Request,
                context: Context, principal: Reader) -> Response:
    return await PULSE_DAILY.answer(request, context, principal, query)


@router.post(
    "/growth-pulse/run", status_code=202, response_model=Envelope[PulseRun],
    summary="Queue a rebuild of the growth pulse for one day (admin scope)",
    description="Records a Dagster run of the `daily_pipeline` job restricted to the pulse "
    "assets (dbt `marts/fct_growth_pulse_*` and their `clickhouse/mart_growth_pulse_*` "
    "publish assets) for the day's partition, and queues it; a Dagster daemon "
    "(`sightline dev`) starts it. The run rebuilds the day for every tenant, hence the "
    "admin scope. A run for the same day still waiting in the queue is returned instead "
    "of queueing another.",
    responses={503: {"description": "The Dagster instance cannot queue runs",
                     "content": {"application/problem+json": {}}}},
)
async def run_pulse(context: Context, principal: Admin, request: Request,
                    body: Annotated[PulseRunRequest | None, Body()] = None) -> Response:
    today = datetime.now(UTC).date()
    day = (body.date if body else None) or today - timedelta(days=1)
    first = context.settings.partition_start
    if not first <= day < today:
        raise ApiProblem(422, f"date: {day} is not a complete day with a partition "
                         f"({first} … {today - timedelta(days=1)})",
                         errors=[{"field": "date", "message": "no such partition"}])
    tags = {TRIGGER_TAG: "api", TENANT_TAG: principal.tenant_id, KEY_TAG: principal.prefix}
    try:
        launcher = run_launcher(request)
        # loading the code location and writing the run take a while: off the event loop
        run = await anyio.to_thread.run_sync(launcher.launch, GROWTH_PULSE, day.isoformat(),
                                             tags)
    except PipelineUnavailable as exc:
        raise ApiProblem(503, str(exc)) from None
    return envelope({"run_id": run.run_id, "status": run.status, "job": run.job,
                     "assets": run.assets, "partition": run.partition}, status=202)
