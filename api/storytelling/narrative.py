"""Insights → document plan → text (Reiter & Dale's pipeline, deterministic).

The audience decides which kinds of insight lead and in what order (`AUDIENCE_ORDER`),
the length how many key insights are told (brief 3, standard 4, detailed 5, or as many
as the data supports), the tone how each is phrased. Sentences are Jinja templates run in
a `SandboxedEnvironment` with `StrictUndefined`; they print numbers only as claim markers,
and `claims.realise` fails the document if any other number slipped in.

Formats: `text` (Markdown); `slides` (an outline, one Vega-Lite chart per insight slide,
drawn from the numbers the insight's claims came from); `video_script` (scenes with
timings paced at 2.5 words a second, at least 5 seconds each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from api.dashboards.exports.charts import chart_spec
from api.storytelling.claims import MARKER, Claim, ClaimBook, realise
from api.storytelling.insights import Insight
from api.storytelling.rephrase import Rephraser, rephrased

Audience = Literal["CEO", "CMO", "CFO", "Board", "Team"]
Tone = Literal["formal", "casual", "technical"]
Length = Literal["brief", "standard", "detailed"]
Format = Literal["text", "slides", "video_script"]
WORDS_PER_SECOND = 2.5
MIN_SCENE_SECONDS = 5
TEMPLATE_VERSION = "2026-12-06.2"
INSIGHTS_BY_LENGTH = {"brief": 3, "standard": 4, "detailed": 5}

# What each audience hears first (DESIGN §13; docs/storytelling.md has the table).
AUDIENCE_ORDER: dict[str, tuple[str, ...]] = {
    "CEO": (
        "wargame_risk",
        "crisis",
        "share_of_voice",
        "revenue",
        "growth",
        "pulse",
        "driver",
        "sentiment",
        "co_movement",
        "anomaly",
        "funnel",
        "retention",
    ),
    "CMO": (
        "crisis",
        "share_of_voice",
        "sentiment",
        "co_movement",
        "driver",
        "growth",
        "funnel",
        "anomaly",
        "pulse",
        "revenue",
        "wargame_risk",
    ),
    "CFO": (
        "revenue",
        "growth",
        "wargame_risk",
        "pulse",
        "funnel",
        "driver",
        "anomaly",
        "share_of_voice",
    ),
    "Board": (
        "crisis",
        "growth",
        "revenue",
        "wargame_risk",
        "pulse",
        "funnel",
        "retention",
        "share_of_voice",
        "sentiment",
        "driver",
        "anomaly",
    ),
    "Team": (
        "funnel",
        "retention",
        "growth",
        "driver",
        "anomaly",
        "pulse",
        "co_movement",
        "revenue",
        "share_of_voice",
        "sentiment",
        "crisis",
        "wargame_risk",
    ),
}
EVENT_NAMES = {"visit": "Visits", "signup": "Signups", "purchase": "Purchases"}
PULSE_NAMES = {
    "sessions": "sessions",
    "signups": "signups",
    "conversions": "conversions",
    "revenue": "revenue",
    "conversion_rate": "the conversion rate",
}

_EVIDENCE = (
    "{% for name in w.evidence %}{% if loop.first %} Evidence: {% else %}; "
    "{% endif %}{{ show(c[name]) }}{% if loop.last %}.{% endif %}{% endfor %}"
)
_STEP = (
    "{% if c.step_current is defined %}; the largest move is from {{ w.step_from }} to "
    "{{ w.step_to }}, where {{ show(c.step_current) }} went on against "
    "{{ show(c.step_previous) }}{% endif %}"
)
_HEADLINES: dict[str, dict[str, str]] = {
    "funnel": {
        "formal": "Conversion through the {{ w.funnel }} funnel {{ 'rose' if up else 'fell' }} "
        "to {{ show(c.current) }} of {{ show(c.entrants) }} entrants, from "
        "{{ show(c.previous) }} of {{ show(c.entrants_before) }} in the previous "
        "period" + _STEP + ".",
        "casual": "The {{ w.funnel }} funnel converts {{ 'better' if up else 'worse' }}: "
        "{{ show(c.current) }} now, {{ show(c.previous) }} before"
        "{% if c.step_current is defined %} — watch {{ w.step_from }} → "
        "{{ w.step_to }} ({{ show(c.step_previous) }} → "
        "{{ show(c.step_current) }}){% endif %}.",
        "technical": "funnel {{ w.funnel }}, conversion first → last: {{ show(c.previous) }} "
        "(n {{ show(c.entrants_before) }}) → {{ show(c.current) }} "
        "(n {{ show(c.entrants) }}), significant under the two-proportion "
        "z-test{% if c.step_current is defined %}; step {{ w.step_from }} → "
        "{{ w.step_to }}: {{ show(c.step_previous) }} → "
        "{{ show(c.step_current) }}{% endif %}.",
    },
    "retention": {
        "formal": "Next-day retention of new {{ w.event }} cohorts {{ 'rose' if up else "
        "'fell' }} to {{ show(c.rate) }} of {{ show(c.cohort) }} people, from "
        "{{ show(c.rate_before) }} of {{ show(c.cohort_before) }} in the previous "
        "period.",
        "casual": "{{ 'More' if up else 'Fewer' }} new {{ w.event }}s come back the next day: "
        "{{ show(c.rate) }} now against {{ show(c.rate_before) }} before.",
        "technical": "next-day retention ({{ w.event }} cohorts, first time): "
        "{{ show(c.rate_before) }} (n {{ show(c.cohort_before) }}) → "
        "{{ show(c.rate) }} (n {{ show(c.cohort) }}), significant under the "
        "two-proportion z-test.",
    },
    "pulse": {
        "formal": "The growth pulse flagged {{ metric }} on {{ w.day }}: "
        "{{ 'up' if up else 'down' }} {{ show(c.change) }} week over week, "
        "{{ show(c.value) }} against {{ show(c.previous) }} a week earlier.",
        "casual": "Pulse check: {{ metric }} {{ 'jumped' if up else 'dropped' }} "
        "{{ show(c.change) }} on {{ w.day }} ({{ show(c.value) }} vs "
        "{{ show(c.previous) }} the week before).",
        "technical": "growth pulse ({{ w.severity }}), {{ w.day }}: {{ metric }} "
        "{{ show(c.previous) }} → {{ show(c.value) }} week over week "
        "(|Δ| {{ show(c.change) }} {{ 'up' if up else 'down' }}).",
    },
    "sentiment": {
        "formal": "{{ w.brand }}’s net sentiment averaged {{ show(c.current) }} a day, against "
        "{{ show(c.previous) }} in the previous period"
        "{% if not w.significant %}, within normal variation{% endif %}.",
        "casual": "People feel {{ 'better' if up else 'worse' if down else 'the same' }} about "
        "{{ w.brand }}: net sentiment {{ show(c.current) }} (was "
        "{{ show(c.previous) }}).",
        "technical": "net sentiment ({{ w.brand }}), daily mean: {{ show(c.previous) }} → "
        "{{ show(c.current) }}; {{ 'significant' if w.significant else "
        "'not significant' }} under Welch's t-test.",
    },
    "co_movement": {
        "formal": "On {{ w.day }}, the day of the {{ w.brand }} alert, signups were also "
        "unusual ({{ show(c.signups) }} against a typical {{ show(c.usual) }}): the "
        "two moved together, which alone does not show that one caused the other.",
        "casual": "{{ w.day }} had both the {{ w.brand }} alert and odd signups "
        "({{ show(c.signups) }} vs a usual {{ show(c.usual) }}) — they moved "
        "together, but that is not proof of cause.",
        "technical": "co-movement on {{ w.day }}: {{ w.brand }} crisis alert and a signup "
        "anomaly ({{ show(c.signups) }} vs median {{ show(c.usual) }}); no causal "
        "claim.",
    },
    "crisis": {
        "formal": "{{ w.brand }} drew a {{ w.severity }} alert on {{ w.day }}: "
        "{% if w.rule == 'negative_zscore' %}{{ show(c.value) }} negative mentions "
        "against a usual {{ show(c.baseline) }} a day{% else %}average sentiment "
        "fell to {{ show(c.value) }} from {{ show(c.baseline) }}{% endif %}." + _EVIDENCE,
        "casual": "Heads up: {{ w.brand }} had a rough {{ w.day }} — "
        "{% if w.rule == 'negative_zscore' %}{{ show(c.value) }} negative mentions "
        "(usually {{ show(c.baseline) }}){% else %}sentiment down to "
        "{{ show(c.value) }} (was {{ show(c.baseline) }}){% endif %}." + _EVIDENCE,
        "technical": "crisis alert ({{ w.rule }}, {{ w.severity }}), {{ w.brand }}, "
        "{{ w.day }}: value {{ show(c.value) }} vs baseline "
        "{{ show(c.baseline) }}." + _EVIDENCE,
    },
    "growth": {
        "formal": "{% if flat %}{{ name }} held at {{ show(c.current) }}, as in the previous "
        "period.{% else %}{{ name }} {{ 'rose' if up else 'fell' }}"
        "{% if c.relative is defined %} by {{ show(c.relative) }}{% endif %}"
        " to {{ show(c.current) }}, against {{ show(c.previous) }} in the previous "
        "period{% if not w.significant %}, within normal variation{% endif %}."
        "{% endif %}",
        "casual": "{% if flat %}{{ name }} stayed at {{ show(c.current) }}.{% else %}"
        "{{ name }} {{ 'went up' if up else 'went down' }}"
        "{% if c.relative is defined %} {{ show(c.relative) }}{% endif %}: "
        "{{ show(c.current) }} versus {{ show(c.previous) }} before"
        "{% if not w.significant %} (could be noise){% endif %}.{% endif %}",
        "technical": "{{ w.event }} count: {{ show(c.current) }} vs {{ show(c.previous) }}"
        "{% if c.relative is defined %} (Δ {{ show(c.relative) }}"
        " {{ 'up' if up else 'down' if down else 'flat' }}){% endif %}; "
        "{{ 'significant' if w.significant else 'not significant' }} under the "
        "exact Poisson-rate test.",
    },
    "anomaly": {
        "formal": "Signups on {{ w.day }} reached {{ show(c.value) }}, well "
        "{{ 'above' if up else 'below' }} a typical day of the period "
        "({{ show(c.median) }}).",
        "casual": "{{ w.day }} stood out: {{ show(c.value) }} signups against a usual "
        "{{ show(c.median) }}.",
        "technical": "signup anomaly on {{ w.day }}: {{ show(c.value) }} vs median "
        "{{ show(c.median) }} (robust z, modified score at or past the "
        "Iglewicz–Hoaglin cut-off).",
    },
    "driver": {
        "formal": "The change in signups comes mostly from {{ w.dimension }} "
        "“{{ w.segment }}”: {{ show(c.shift) }} signups "
        "{{ 'more' if up else 'fewer' }}, {{ show(c.share) }} of the total change.",
        "casual": "Look at {{ w.dimension }} “{{ w.segment }}”: {{ show(c.shift) }} signups "
        "{{ 'more' if up else 'fewer' }} — {{ show(c.share) }} of the whole change.",
        "technical": "driver (Adtributor): {{ w.dimension }}={{ w.segment }}, Δ "
        "{{ show(c.shift) }} signups {{ 'up' if up else 'down' }}, explanatory "
        "power {{ show(c.share) }}.",
    },
    "revenue": {
        "formal": "Revenue {{ 'rose' if up else 'fell' }} from {{ show(c.previous) }} to "
        "{{ show(c.current) }}; {{ factor }} accounts for the largest part of the "
        "{{ 'rise' if up else 'fall' }} ({{ show(c[w.main_factor]) }}).",
        "casual": "Revenue {{ 'grew' if up else 'shrank' }} from {{ show(c.previous) }} to "
        "{{ show(c.current) }}, mostly because of {{ factor }} "
        "({{ show(c[w.main_factor]) }}).",
        "technical": "revenue {{ show(c.previous) }} → {{ show(c.current) }}; LMDI split: "
        "sessions {{ show(c.sessions) }} {{ w.directions.sessions }}, conversion "
        "{{ show(c.conversion) }} {{ w.directions.conversion }}, order value "
        "{{ show(c.order_value) }} {{ w.directions.order_value }}.",
    },
    "share_of_voice": {
        "formal": "{{ w.brand }}’s share of voice {{ 'rose' if up else 'fell' if down else "
        "'held' }} to {{ show(c.current) }} of mentions, from {{ show(c.previous) }}.",
        "casual": "{{ w.brand }} now has {{ show(c.current) }} of the conversation "
        "(was {{ show(c.previous) }}).",
        "technical": "share of voice ({{ w.brand }}, mentions): {{ show(c.previous) }} → "
        "{{ show(c.current) }} (|Δ| {{ show(c.delta) }}).",
    },
    "wargame_risk": {
        "formal": "The riskiest published wargame, “{{ w.scenario }}”, loses money in "
        "{{ show(c.probability_of_loss) }} of simulated outcomes (profit change "
        "p10 {{ show(c.profit_change_p10) }}, p50 {{ show(c.profit_change_p50) }}, "
        "p90 {{ show(c.profit_change_p90) }}).",
        "casual": "“{{ w.scenario }}” is the scenario to watch: a loss in "
        "{{ show(c.probability_of_loss) }} of simulations, with a middle outcome of "
        "{{ show(c.profit_change_p50) }}.",
        "technical": "wargame “{{ w.scenario }}”: P(loss) {{ show(c.probability_of_loss) }}, "
        "profit change p10/p50/p90 {{ show(c.profit_change_p10) }} / "
        "{{ show(c.profit_change_p50) }} / {{ show(c.profit_change_p90) }}.",
    },
}
_WHY = {
    "funnel": "a change in conversion moves every later number even when traffic holds",
    "retention": "people who do not come back the next day rarely come back at all",
    "pulse": "the daily pulse shows a move days before it shows in a weekly total",
    "sentiment": "how people feel about the brand moves ahead of what they buy",
    "co_movement": "two signals moving on the same day deserve one investigation, not two",
    "crisis": "negative attention spreads fast; an answer in the first day limits the damage",
    "growth": "the top of the funnel feeds every later number, so a lasting move here shows "
    "up in revenue weeks later",
    "anomaly": "a single unusual day can distort weekly averages and often has one cause "
    "worth finding (a campaign, an outage, a press mention)",
    "driver": "a change concentrated in one segment calls for a targeted response rather "
    "than a general one",
    "revenue": "knowing whether traffic, conversion or basket size moved decides which team acts",
    "share_of_voice": "share of voice leads market share; losing the conversation is an early "
    "warning",
    "wargame_risk": "it is the competitive move most likely to cost money if it happens",
}
RECOMMEND = {
    "funnel": "Review the funnel step that moved with the product team this week.",
    "retention": "Look at what new people meet on their first day and fix the first gap.",
    "pulse": "Confirm the pulse's move with the owning team before it reaches the totals.",
    "sentiment": "Read the week's negative mentions and answer the recurring complaints.",
    "co_movement": "Look into the day both moved before drawing conclusions.",
    "crisis": "Agree a response to the crisis with communications today.",
    "growth": "Check the acquisition channels behind the change before the next planning cycle.",
    "anomaly": "Trace the unusual day to its cause and decide whether to repeat or prevent it.",
    "driver": "Address the segment that drives the change directly.",
    "revenue": "Put the factor that moved revenue most on the next review's agenda.",
    "share_of_voice": "Review the communication plan against the competitors gaining mentions.",
    "wargame_risk": "Prepare the recommended counter-move and agree who decides when to use it.",
}
_NEXT_STEPS = {
    "CEO": [
        "Confirm the strategic response to the top risk.",
        "Ask for the same brief after the next period.",
    ],
    "CMO": [
        "Brief the brand and channel teams on these findings.",
        "Re-run the brief after the next campaign.",
    ],
    "CFO": [
        "Update the forecast with the revenue factors above.",
        "Review the exposure of the riskiest scenario.",
    ],
    "Board": [
        "Record the decisions taken on these points.",
        "Review progress at the next meeting.",
    ],
    "Team": ["Assign an owner to each insight.", "Track the numbers daily until the next brief."],
}
_FACTORS = {
    "sessions": "traffic (sessions)",
    "conversion": "conversion",
    "order_value": "order value",
}


@dataclass(frozen=True)
class Narrative:
    """A generated document: its text, the claims it shows and what produced it; slides
    and scenes for those formats."""

    title: str
    body: str
    claims: dict[str, Claim]
    rows: dict[str, list[dict]]
    insights: list[str]  # the kinds told, in order
    slides: list[dict[str, Any]] | None = None
    scenes: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class Request:
    """What to write: the period, audience, tone, format and length."""

    date_from: date
    date_to: date
    audience: Audience = "CEO"
    tone: Tone = "formal"
    format: Format = "text"
    length: Length = "standard"


def plan(insights: list[Insight], audience: str, length: str) -> list[Insight]:
    """The key insights to tell, in the audience's order; within a kind, the most important
    first; one insight of each kind, except growth for the Team (all three events)."""
    order = AUDIENCE_ORDER[audience]
    ranked = sorted(
        (i for i in insights if i.kind in order), key=lambda i: (order.index(i.kind), -i.score)
    )
    chosen: list[Insight] = []
    for insight in ranked:
        allowed = 3 if insight.kind == "growth" and audience == "Team" else 1
        if sum(c.kind == insight.kind for c in chosen) < allowed:
            chosen.append(insight)
    return chosen[: INSIGHTS_BY_LENGTH[length]]


_ENV = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


def headline(insight: Insight, tone: str, book: ClaimBook) -> str:
    """The insight's sentence in `tone`, its numbers as claim markers (not yet through the
    gate). Raises jinja2's UndefinedError when the template reads a claim it lacks."""
    template = _ENV.from_string(_HEADLINES[insight.kind][tone])
    return template.render(
        c=insight.claims,
        w=insight.words,
        show=book.show,
        up=insight.direction == "up",
        down=insight.direction == "down",
        flat=insight.direction == "flat",
        name=EVENT_NAMES.get(insight.words.get("event", ""), ""),
        factor=_FACTORS.get(insight.words.get("main_factor", ""), ""),
        metric=PULSE_NAMES.get(insight.words.get("metric", ""), ""),
    )


_SLIDE_TITLES = {
    "funnel": "Funnel conversion",
    "retention": "Retention",
    "pulse": "Growth pulse",
    "sentiment": "Sentiment",
    "co_movement": "Moving together",
    "crisis": "Crisis alert",
    "growth": "Growth",
    "anomaly": "An unusual day",
    "driver": "What drove it",
    "revenue": "Revenue",
    "share_of_voice": "Share of voice",
    "wargame_risk": "Competitive risk",
}


@dataclass(frozen=True)
class _Parts:
    """The document's pieces, claims still as markers."""

    title: str
    bottom_line: str
    situation: str  # Problem or Opportunity
    situation_text: str
    insights: list[tuple[Insight, str, str]]  # (insight, headline, why)
    recommendations: list[str]
    next_steps: list[str]


def _parts(
    request: Request, chosen: list[Insight], book: ClaimBook, rephraser: Rephraser | None = None
) -> _Parts:
    title = f"{request.audience} brief: {request.date_from} to {request.date_to}"
    if not chosen:
        return _Parts(
            title,
            "the data for this period shows nothing that needs attention.",
            "Situation",
            "Nothing stands out.",
            [],
            [],
            _NEXT_STEPS[request.audience],
        )
    headlines = [
        rephrased(rephraser, headline(i, request.tone, book), request.audience, request.tone)
        for i in chosen
    ]
    top = chosen[0]
    positive = top.direction == "up" and top.kind != "wargame_risk"
    return _Parts(
        title,
        headlines[0],
        "Opportunity" if positive else "Problem",
        f"This matters because {_WHY[top.kind]}.",
        [(i, h, _WHY[i.kind]) for i, h in zip(chosen, headlines, strict=True)],
        [RECOMMEND[k] for k in dict.fromkeys(i.kind for i in chosen)],
        _NEXT_STEPS[request.audience],
    )


def _text(parts: _Parts) -> str:
    lines = [f"# {parts.title}", "", f"**Bottom line:** {parts.bottom_line}", ""]
    if parts.insights:
        lines += [f"## {parts.situation}", "", parts.situation_text, "", "## Key insights", ""]
        for number, (_, headline, why) in enumerate(parts.insights, 1):
            lines += [f"{number}. {headline}", f"   *Why it matters:* {why}."]
        lines += ["", "## Recommendations", "", *(f"- {r}" for r in parts.recommendations)]
    lines += ["", "## Next steps", "", *(f"- {step}" for step in parts.next_steps)]
    return "\n".join(lines) + "\n"


def _slides(parts: _Parts) -> list[dict[str, Any]]:
    slides = [{"title": parts.title, "points": [parts.bottom_line], "chart": None}]
    for insight, headline, why in parts.insights:
        chart = None
        if insight.chart is not None:
            kind, table = insight.chart
            chart = chart_spec(kind, _SLIDE_TITLES[insight.kind], table)
        slides.append(
            {
                "title": _SLIDE_TITLES[insight.kind],
                "points": [headline, f"Why it matters: {why}."],
                "chart": chart,
            }
        )
    if parts.recommendations:
        slides.append({"title": "Recommendations", "points": parts.recommendations, "chart": None})
    slides.append({"title": "Next steps", "points": parts.next_steps, "chart": None})
    return slides


def _outline(slides: list[dict[str, Any]]) -> str:
    lines = []
    for number, slide in enumerate(slides, 1):
        lines += [
            f"## Slide {number}: {slide['title']}",
            "",
            *(f"- {point}" for point in slide["points"]),
        ]
        if slide["chart"] is not None:
            lines.append(f"- *Chart:* {slide['chart']['title']}")
        lines.append("")
    return "\n".join(lines)


def _timing(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def _scenes(parts: _Parts, book: ClaimBook) -> list[dict[str, Any]]:
    """Scenes with timings; durations count the words as they will be spoken."""
    script = [(parts.bottom_line, "Title card: " + parts.title)]
    script += [
        (f"{headline} {why[0].upper()}{why[1:]}.", _SLIDE_TITLES[insight.kind])
        for insight, headline, why in parts.insights
    ]
    if parts.recommendations:
        script.append((" ".join(parts.recommendations), "Recommendations"))
    scenes, at = [], 0
    for narration, visual in script:
        words = len(realise(narration, book).split())
        seconds = max(MIN_SCENE_SECONDS, math.ceil(words / WORDS_PER_SECOND))
        scenes.append(
            {
                "start": _timing(at),
                "end": _timing(at + seconds),
                "narration": narration,
                "visual": visual,
            }
        )
        at += seconds
    return scenes


def _script(scenes: list[dict[str, Any]], title: str) -> str:
    lines = [f"# {title} (video script)", ""]
    for scene in scenes:
        lines += [
            f"**{scene['start']}–{scene['end']}** {scene['narration']}",
            f"*On screen:* {scene['visual']}",
            "",
        ]
    return "\n".join(lines)


def write(
    request: Request, insights: list[Insight], book: ClaimBook, rephraser: Rephraser | None = None
) -> Narrative:
    """The narrative for `request` from `insights` (their claims in `book`); an optional
    rephraser may reword the insights' sentences (see `rephrase`)."""
    chosen = plan(insights, request.audience, request.length)
    parts = _parts(request, chosen, book, rephraser)
    slides = scenes = None
    if request.format == "slides":
        slides = _slides(parts)
        marked = _outline(slides)
        slides = [
            {
                **slide,
                "title": realise(slide["title"], book),
                "points": [realise(p, book) for p in slide["points"]],
            }
            for slide in slides
        ]
    elif request.format == "video_script":
        scenes = _scenes(parts, book)
        marked = _script(scenes, parts.title)
        scenes = [{**scene, "narration": realise(scene["narration"], book)} for scene in scenes]
    else:
        marked = _text(parts)
    body = realise(marked, book)
    shown = {claim_id: book.claims[claim_id] for claim_id in _shown(marked)}
    return Narrative(
        parts.title,
        body,
        shown,
        {k: book.rows[k] for k in shown},
        [i.kind for i in chosen],
        slides,
        scenes,
    )


def write_brief(request: Request, insights: list[Insight], book: ClaimBook) -> Narrative:
    """A one-page executive brief: the bottom line, the three points that matter most to
    the audience, and the decision they call for."""
    chosen = plan(insights, request.audience, "brief")
    parts = _parts(request, chosen, book)
    title = f"Executive brief for the {request.audience}: {request.date_from} to {request.date_to}"
    lines = [f"# {title}", "", f"**Bottom line:** {parts.bottom_line}", ""]
    if parts.insights:
        lines += [
            "**What matters**",
            "",
            *(f"- {h}" for _, h, _ in parts.insights),
            "",
            f"**Decision needed:** {parts.recommendations[0]}",
            "",
        ]
    marked = "\n".join(lines)
    shown = {claim_id: book.claims[claim_id] for claim_id in _shown(marked)}
    return Narrative(
        title,
        realise(marked, book),
        shown,
        {k: book.rows[k] for k in shown},
        [i.kind for i in chosen],
    )


def _shown(marked: str) -> list[str]:
    return list(dict.fromkeys(MARKER.findall(marked)))
