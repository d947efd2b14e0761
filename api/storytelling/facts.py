"""Facts for a narrative, asked of the query runners in-process — the same answers, cache
entries and tenant scope as the routes — for a period and the period of the same length
before it. Each fact keeps the runner, the parameters and the dataset versions it came
from, and the answer rows that hold its numbers (what `GET /claims/{id}` returns).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from api.analytics.funnels import FUNNELS
from api.analytics.marts import COHORTS, configured_funnels, configured_retention
from api.analytics.schemas import previous_range
from api.analytics.trends import TRENDS
from api.context import ApiContext
from api.pulse.insights import PULSE_INSIGHTS
from api.runners import QueryRunner
from api.social.service import CRISIS_ALERTS, SENTIMENT, SHARE_OF_VOICE
from api.wargaming.service import WARGAME_RESULTS

GROWTH_EVENTS = ("visit", "signup", "purchase")
DRIVER_DIMENSIONS = ("utm_source", "country", "device")
PULSE_PAGE = 500
_FUNNEL_FIELDS = ("steps", "window", "window_unit", "order", "exclusions")


@dataclass(frozen=True)
class Source:
    """Where facts came from: a runner's answer to one question."""

    runner: str
    params: dict[str, Any]
    dataset_versions: dict[str, int]
    data: Any


@dataclass
class Facts:
    """Everything the detectors read for one narrative."""

    date_from: date
    date_to: date
    brand: str | None
    growth: Source | None = None
    drivers: dict[str, Source] = field(default_factory=dict)
    revenue: Source | None = None
    share_now: Source | None = None
    share_before: Source | None = None
    sentiment: Source | None = None
    sentiment_before: Source | None = None
    wargame: Source | None = None
    crisis: Source | None = None
    funnel: Source | None = None
    funnel_before: Source | None = None
    retention: Source | None = None
    pulse: Source | None = None

    @property
    def dataset_versions(self) -> dict[str, int]:
        """The versions of every dataset the facts read."""
        versions: dict[str, int] = {}
        for source in self.sources():
            versions.update(source.dataset_versions)
        return dict(sorted(versions.items()))

    def sources(self) -> list[Source]:
        """Every answer the facts hold."""
        found = [
            self.growth,
            self.revenue,
            self.share_now,
            self.share_before,
            self.sentiment,
            self.sentiment_before,
            self.wargame,
            self.crisis,
            self.funnel,
            self.funnel_before,
            self.retention,
            self.pulse,
            *self.drivers.values(),
        ]
        return [s for s in found if s is not None]


async def _ask(
    context: ApiContext, tenant_id: str, runner: QueryRunner, params: dict[str, Any]
) -> Source:
    answer = await runner.run(context, tenant_id, params)
    return Source(runner.name, params, answer.dataset_versions, answer.data)


def funnel_questions(
    date_from: date, date_to: date, funnel: str | None = None
) -> dict[str, dict[str, Any]]:
    """The funnel runner's questions for the period and the one before: the configured
    funnel `funnel` (default: the first of `vars.funnels`); none without a configured
    funnel. Raises KeyError for a funnel that is not configured."""
    funnels = configured_funnels()
    if not funnels:
        return {}
    definition = funnels[funnel or next(iter(funnels))]
    spec = {k: definition[k] for k in _FUNNEL_FIELDS if definition.get(k) is not None}
    before_from, before_to = previous_range(date_from, date_to)
    return {
        "funnel": {**spec, "date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        "funnel_before": {
            **spec,
            "date_from": before_from.isoformat(),
            "date_to": before_to.isoformat(),
        },
    }


def retention_question(date_from: date, date_to: date) -> dict[str, Any] | None:
    """The cohort runner's question: the published day cohorts (first-time, so a person is
    in one cohort) of the first configured retention definition, over the period and the
    one before; None without a definition."""
    definitions = list(configured_retention())
    if not definitions:
        return None
    before_from, _ = previous_range(date_from, date_to)
    return {
        "retention_id": definitions[0],
        "period": "day",
        "cohort_type": "first_time",
        "date_from": before_from.isoformat(),
        "date_to": date_to.isoformat(),
    }


async def gather_facts(
    context: ApiContext,
    tenant_id: str,
    date_from: date,
    date_to: date,
    brand: str | None = None,
    funnel: str | None = None,
) -> Facts:
    """Ask the runners every question a narrative about [date_from, date_to] reads
    (`funnel`: a configured funnel id, default the first configured)."""
    span = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    before_from, before_to = previous_range(date_from, date_to)
    before = {"date_from": before_from.isoformat(), "date_to": before_to.isoformat()}
    growth = {
        **span,
        "interval": "day",
        "compare": True,
        "series": [{"event": e, "math": "total"} for e in GROWTH_EVENTS],
    }
    revenue = {
        **span,
        "interval": "day",
        "compare": True,
        "series": [{"event": "purchase", "math": "sum", "math_property": "revenue"}],
    }
    questions: dict[str, tuple[QueryRunner, dict[str, Any]]] = {
        "growth": (TRENDS, growth),
        "revenue": (TRENDS, revenue),
        "share_now": (SHARE_OF_VOICE, {**span, "metric": "mentions"}),
        "share_before": (SHARE_OF_VOICE, {**before, "metric": "mentions"}),
        "wargame": (WARGAME_RESULTS, {"as_of": date_to.isoformat()}),
        "crisis": (CRISIS_ALERTS, {**span, "brand": [brand] if brand else []}),
        "pulse": (PULSE_INSIGHTS, {**span, "page_size": PULSE_PAGE}),
        **{
            name: (FUNNELS, question)
            for name, question in funnel_questions(date_from, date_to, funnel).items()
        },
        **{
            f"driver:{d}": (
                TRENDS,
                {
                    **span,
                    "interval": "day",
                    "compare": True,
                    "breakdown": d,
                    "breakdown_limit": 10,
                    "series": [{"event": "signup", "math": "total"}],
                },
            )
            for d in DRIVER_DIMENSIONS
        },
    }
    retention = retention_question(date_from, date_to)
    if retention is not None:
        questions["retention"] = (COHORTS, retention)
    if brand:
        questions["sentiment"] = (SENTIMENT, {**span, "brand": [brand]})
        questions["sentiment_before"] = (SENTIMENT, {**before, "brand": [brand]})
    names = list(questions)
    answers = await asyncio.gather(*(_ask(context, tenant_id, *questions[n]) for n in names))
    facts = Facts(date_from, date_to, brand)
    for name, source in zip(names, answers, strict=True):
        if name.startswith("driver:"):
            facts.drivers[name.removeprefix("driver:")] = source
        else:
            setattr(facts, name, source)
    return facts
