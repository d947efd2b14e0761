"""The social page: sentiment by brand over time, share of voice, influencers, crisis
alerts with their evidence posts, and mentions with filters — each the answer of the
social API's runner for the same question."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import ConfigDict, Field

from api.dashboards.exports.charts import chart_spec
from api.dashboards.exports.tables import widget_table
from api.deps import Context
from api.social.service import CRISIS_ALERTS, INFLUENCERS, MENTIONS, SENTIMENT, SHARE_OF_VOICE
from api.web.auth import SignedIn
from api.web.pages.common import PageForm, ask, last_days, page_router
from api.web.templating import render

router = page_router()
DEFAULT_DAYS = 14
MENTIONS_PAGE = 25


class SocialForm(PageForm):
    """The social page's filters (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    date_from: str | None = Field(None, max_length=10)
    date_to: str | None = Field(None, max_length=10)
    brand: str | None = Field(None, max_length=100)
    platform: Literal["x", "reddit", "linkedin", ""] = ""
    label: Literal["positive", "neutral", "negative", ""] = ""
    sov_metric: Literal["mentions", "reach", "engagement"] = "mentions"
    cursor: str | None = Field(None, max_length=1000)


@router.get("/social")
async def social(request: Request, context: Context, identity: SignedIn,
                 form: Annotated[SocialForm, Query()]) -> Response:
    tenant = identity.principal.tenant_id
    start, end = last_days(DEFAULT_DAYS)
    span = {"date_from": form.date_from or start.isoformat(),
            "date_to": form.date_to or end.isoformat()}
    brands = {"brand": [form.brand]} if form.brand else {}
    platforms = {"platform": [form.platform]} if form.platform else {}
    sentiment = await ask(context, tenant, SENTIMENT, {**span, **brands, **platforms})
    share = await ask(context, tenant, SHARE_OF_VOICE,
                      {**span, **brands, "metric": form.sov_metric})
    influencers = await ask(context, tenant, INFLUENCERS, {"limit": 10, **platforms})
    crisis = await ask(context, tenant, CRISIS_ALERTS, {**span, **brands})
    mentions = await ask(context, tenant, MENTIONS, {
        **span, **brands, **platforms, "limit": MENTIONS_PAGE,
        **({"label": [form.label]} if form.label else {}),
        **({"cursor": form.cursor} if form.cursor else {})})
    sentiment_table = widget_table("sentiment", sentiment)
    share_table = widget_table("share_of_voice", share)
    return render(request, "social.html", {
        "form": form, "span": span, "sentiment": sentiment_table,
        "sentiment_chart": chart_spec("line", "Net sentiment by brand", sentiment_table.select(
            "mention_date", "brand", "net_sentiment")),
        "share": share, "share_table": share_table,
        "share_chart": chart_spec("pie", f"Share of voice ({form.sov_metric})",
                                  share_table.select("brand", "share")),
        "influencers": influencers["influencers"], "crisis": crisis["alerts"],
        "mentions": mentions}, identity)
