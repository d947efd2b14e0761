"""Routes of the social domain: the window analysis, the mentions feed, the social marts,
and monitors (saved brand watches) with their crisis alerts. See docs/api.md#social."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Query, Request, Response

from api.answers import cached_answer, envelope
from api.deps import Context, Ingester, Reader
from api.envelopes import Envelope
from api.errors import ApiProblem
from api.social import monitors
from api.social import service as social
from api.social.schemas import (
    AnalyzeRequest,
    Influencers,
    InfluencersQuery,
    MentionPage,
    MentionsQuery,
    Monitor,
    MonitorAlerts,
    MonitorAlertsQuery,
    MonitorIn,
    SentimentDay,
    SentimentQuery,
    ShareOfVoice,
    ShareOfVoiceQuery,
    SocialAnalysis,
    params_of,
)

router = APIRouter(prefix="/social", tags=["social"])

MonitorId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Monitor id")]
_NOT_FOUND = {404: {"description": "No such monitor for this tenant",
                    "content": {"application/problem+json": {}}}}


@router.post(
    "/analyze", response_model=Envelope[SocialAnalysis],
    summary="Analyse a company and its competitors over a window of hours",
    description="Mentions, reach, engagement, sentiment distribution, share of voice and "
    "top posts per brand; half-window sentiment trends; the window's influencers; "
    "half-window crisis alerts. The window is (end − timeframe_hours, end], `end` "
    "defaulting to the tenant's latest mention. Computed in ClickHouse from the scored "
    "mentions; cached until new mentions or scores land.",
)
async def analyze(body: AnalyzeRequest, request: Request, context: Context,
                  principal: Reader) -> Response:
    return await social.ANALYZE.answer(request, context, principal, body)


@router.get(
    "/mentions", response_model=Envelope[MentionPage],
    summary="Mentions with their sentiment, newest first (cursor pages)",
    description="Filters combine with AND; a repeated filter (`brand=Acme&brand=Globex`) "
    "matches any of its values. Walk pages with `cursor` = the previous `next_cursor` "
    "until it is null; the order (created_at, platform, post_id, source, descending) is "
    "stable, so every row is returned exactly once.",
)
async def mentions(query: Annotated[MentionsQuery, Query()], request: Request,
                   context: Context, principal: Reader) -> Response:
    return await social.MENTIONS.answer(request, context, principal, query)


@router.get(
    "/sentiment", response_model=Envelope[list[SentimentDay]],
    summary="Daily sentiment per brand (mart_brand_sentiment_daily)",
    description="Counts, shares, average compound and net sentiment of original mentions "
    "per day and brand, summed over platforms unless `by_platform=true`.",
)
async def sentiment(query: Annotated[SentimentQuery, Query()], request: Request,
                    context: Context, principal: Reader) -> Response:
    return await social.SENTIMENT.answer(request, context, principal, query)


@router.get(
    "/share-of-voice", response_model=Envelope[ShareOfVoice],
    summary="Daily share of voice per brand (mart_share_of_voice_daily)",
)
async def share_of_voice(query: Annotated[ShareOfVoiceQuery, Query()], request: Request,
                         context: Context, principal: Reader) -> Response:
    return await social.SHARE_OF_VOICE.answer(request, context, principal, query)


@router.get(
    "/influencers", response_model=Envelope[Influencers],
    summary="Top authors as of a day (mart_influencers)",
)
async def influencers(query: Annotated[InfluencersQuery, Query()], request: Request,
                      context: Context, principal: Reader) -> Response:
    return await social.INFLUENCERS.answer(request, context, principal, query)


# --- monitors (app database, uncached) --------------------------------------------------


async def _monitor(context: Context, tenant_id: str, monitor_id: int) -> dict:
    try:
        return await anyio.to_thread.run_sync(monitors.get_monitor, context.db, tenant_id,
                                              monitor_id)
    except monitors.MonitorNotFound as exc:
        raise ApiProblem(404, str(exc)) from None


@router.post("/monitors", status_code=201, response_model=Envelope[Monitor],
             summary="Create a monitor (ingest scope)")
async def create_monitor(body: MonitorIn, context: Context, principal: Ingester) -> Response:
    created = await anyio.to_thread.run_sync(monitors.create_monitor, context.db,
                                             principal.tenant_id, body)
    return envelope(created, status=201,
                    headers={"Location": f"/v1/social/monitors/{created['id']}"})


@router.get("/monitors", response_model=Envelope[list[Monitor]],
            summary="The tenant's monitors")
async def list_monitors(context: Context, principal: Reader) -> Response:
    return envelope(await anyio.to_thread.run_sync(monitors.list_monitors, context.db,
                                                   principal.tenant_id))


@router.get("/monitors/{monitor_id}", response_model=Envelope[Monitor],
            summary="One monitor", responses=_NOT_FOUND)
async def get_monitor(monitor_id: MonitorId, context: Context, principal: Reader) -> Response:
    return envelope(await _monitor(context, principal.tenant_id, monitor_id))


@router.put("/monitors/{monitor_id}", response_model=Envelope[Monitor],
            summary="Replace a monitor (ingest scope)", responses=_NOT_FOUND)
async def replace_monitor(monitor_id: MonitorId, body: MonitorIn, context: Context,
                          principal: Ingester) -> Response:
    try:
        updated = await anyio.to_thread.run_sync(monitors.replace_monitor, context.db,
                                                 principal.tenant_id, monitor_id, body)
    except monitors.MonitorNotFound as exc:
        raise ApiProblem(404, str(exc)) from None
    return envelope(updated)


@router.delete("/monitors/{monitor_id}", status_code=204, response_class=Response,
               summary="Delete a monitor (ingest scope)", responses=_NOT_FOUND)
async def delete_monitor(monitor_id: MonitorId, context: Context,
                         principal: Ingester) -> Response:
    try:
        await anyio.to_thread.run_sync(monitors.delete_monitor, context.db,
                                       principal.tenant_id, monitor_id)
    except monitors.MonitorNotFound as exc:
        raise ApiProblem(404, str(exc)) from None
    return Response(status_code=204)


@router.get(
    "/monitors/{monitor_id}/alerts", response_model=Envelope[MonitorAlerts],
    summary="Crisis alerts of a monitor's brands (mart_crisis_alerts)",
    description="Alerts of the monitor's company and competitors, newest first. Without "
    "dates: the ceil(timeframe_hours / 24) days ending at the tenant's latest social day. "
    "The rules run over all platforms; evidence posts are limited to the monitor's.",
    responses=_NOT_FOUND,
)
async def monitor_alerts(monitor_id: MonitorId, query: Annotated[MonitorAlertsQuery, Query()],
                         request: Request, context: Context, principal: Reader) -> Response:
    monitor = await _monitor(context, principal.tenant_id, monitor_id)
    brands = [monitor["company"], *monitor["competitors"]]
    # the monitor's settings are part of the question: editing it must miss the cache
    params = params_of(query, monitor_id=monitor_id, brands=brands,
                       platforms=monitor["platforms"],
                       timeframe_hours=monitor["timeframe_hours"])

    def compute(scope):
        found = social.crisis_alerts(scope, brands, monitor["platforms"],
                                     monitor["timeframe_hours"], query)
        return {"monitor_id": monitor_id, **found}

    # Not replayable: the parameters come from the monitor's row, which may change.
    return await cached_answer(request, context, principal, "social.monitor_alerts", params,
                               ["mart_crisis_alerts", "mart_brand_sentiment_daily"], compute,
                               replayable=False)
