"""The data sources a widget can show: one query runner each, by name.

A widget names a source and gives that runner's parameters; the dashboard evaluates it
through the runner (`QueryRunner.run`), so a widget is cached, tenant-scoped and
size-limited exactly like the same question asked over HTTP. A `metric` widget names a
saved custom metric; its definition goes to that metric source's runner.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.analytics.funnels import FUNNELS
from api.analytics.marts import COHORTS, FUNNEL_MART
from api.analytics.retention import RETENTION
from api.analytics.schemas import Interval
from api.analytics.trends import TRENDS
from api.envelopes import Day
from api.pulse.insights import PULSE_INSIGHTS
from api.runners import QueryRunner
from api.social.service import INFLUENCERS, MENTIONS, SENTIMENT, SHARE_OF_VOICE
from api.wargaming.service import WARGAME_RESULTS

SOURCES: dict[str, QueryRunner] = {
    "trends": TRENDS,
    "funnels": FUNNELS,
    "retention": RETENTION,
    "funnel_mart": FUNNEL_MART,
    "cohorts": COHORTS,
    "mentions": MENTIONS,
    "sentiment": SENTIMENT,
    "share_of_voice": SHARE_OF_VOICE,
    "influencers": INFLUENCERS,
    "pulse_insights": PULSE_INSIGHTS,
    "wargame_results": WARGAME_RESULTS,
}




class MetricWidgetQuery(BaseModel):
    """A widget of a saved custom metric: which one, over which range and buckets. The
    metric's definition is read when the widget is evaluated (so edits show at once)."""

    model_config = ConfigDict(extra="forbid")

    metric_id: int = Field(ge=1, le=2**31 - 1)
    date_from: Day
    date_to: Day
    interval: Interval = "day"


# source name → the model of a widget's parameters
PARAMS: dict[str, type[BaseModel]] = {
    **{name: runner.params for name, runner in SOURCES.items()},
    "metric": MetricWidgetQuery,
}


def accepts(source: str, field: str) -> bool:
    """True when `source`'s parameters have `field` (dashboard filters apply only there)."""
    return field in PARAMS[source].model_fields
