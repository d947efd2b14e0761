"""The explorer: trends, funnels and retention from forms that map one to one onto the
analytics API's parameters (the page shows the JSON it asked). Answers come from the
same runners and cache entries as `POST /v1/analytics/*`; a question the API would refuse
shows the API's message beside the form."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import ConfigDict, Field

from api.analytics.funnels import FUNNELS
from api.analytics.retention import RETENTION
from api.analytics.trends import TRENDS
from api.dashboards.exports.charts import chart_spec
from api.dashboards.exports.tables import widget_table
from api.deps import Context
from api.errors import ApiProblem
from api.runners import QueryRunner
from api.web.auth import SignedIn
from api.web.pages.common import PageForm, ask, last_days, page_router
from api.web.templating import render

router = page_router()
DEFAULT_DAYS = 14


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _span(date_from: str | None, date_to: str | None) -> dict[str, str]:
    start, end = last_days(DEFAULT_DAYS)
    return {"date_from": date_from or start.isoformat(), "date_to": date_to or end.isoformat()}


class TrendsForm(PageForm):
    """The trends form (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    events: str = Field("signup", max_length=2_000, description="Comma-separated events")
    math: str = Field("total", max_length=40)
    interval: str = Field("day", max_length=10)
    breakdown: str | None = Field(None, max_length=200)
    formula: str | None = Field(None, max_length=500)
    date_from: str | None = Field(None, max_length=10)
    date_to: str | None = Field(None, max_length=10)

    def question(self) -> dict[str, Any]:
        """The TrendsQuery this form asks."""
        question: dict[str, Any] = {
            "series": [{"event": event, "math": self.math} for event in _names(self.events)],
            "interval": self.interval, **_span(self.date_from, self.date_to)}
        if self.breakdown:
            question["breakdown"] = self.breakdown
        if self.formula:
            question["formula"] = self.formula
        return question


class FunnelForm(PageForm):
    """The funnels form (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    steps: str = Field("visit, signup, purchase", max_length=2_000)
    window: int = Field(14, ge=1, le=10_000)
    window_unit: str = Field("day", max_length=10)
    order: str = Field("ordered", max_length=10)
    date_from: str | None = Field(None, max_length=10)
    date_to: str | None = Field(None, max_length=10)

    def question(self) -> dict[str, Any]:
        """The FunnelQuery this form asks."""
        return {"steps": _names(self.steps), "window": self.window,
                "window_unit": self.window_unit, "order": self.order,
                **_span(self.date_from, self.date_to)}


class RetentionForm(PageForm):
    """The retention form (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    target_event: str = Field("signup", max_length=200)
    returning_event: str = Field("$any", max_length=200)
    period: str = Field("day", max_length=10)
    intervals: int = Field(8, ge=1, le=120)
    retention_type: str = Field("recurring", max_length=20)
    date_to: str | None = Field(None, max_length=10)

    def question(self) -> dict[str, Any]:
        """The RetentionQuery this form asks."""
        return {"target_event": self.target_event, "returning_event": self.returning_event,
                "period": self.period, "intervals": self.intervals,
                "retention_type": self.retention_type,
                "date_to": self.date_to or _span(None, None)["date_to"]}


async def _answer(context, tenant_id: str, runner: QueryRunner,
                  question: dict[str, Any]) -> tuple[Any, str | None]:
    """(answer data, None) or (None, the API's message for a question it refuses)."""
    try:
        return await ask(context, tenant_id, runner, question), None
    except ApiProblem as problem:
        if problem.status not in (400, 422):
            raise
        return None, problem.detail


@router.get("/explore/trends")
async def trends(request: Request, context: Context, identity: SignedIn,
                 form: Annotated[TrendsForm, Query()]) -> Response:
    question = form.question()
    data, error = await _answer(context, identity.principal.tenant_id, TRENDS, question)
    table = widget_table("trends", data) if data is not None else None
    chart = chart_spec("line", "Trends", table) if table is not None else None
    return render(request, "explore/trends.html", {
        "form": form, "question": question, "data": data, "error": error, "table": table,
        "chart_spec": chart, "tab": "trends"}, identity)


@router.get("/explore/funnels")
async def funnels(request: Request, context: Context, identity: SignedIn,
                  form: Annotated[FunnelForm, Query()]) -> Response:
    question = form.question()
    data, error = await _answer(context, identity.principal.tenant_id, FUNNELS, question)
    steps = data["results"][0]["steps"] if data and data["results"] else []
    return render(request, "explore/funnels.html", {
        "form": form, "question": question, "data": data, "error": error, "steps": steps,
        "tab": "funnels", "duration": duration}, identity)


@router.get("/explore/retention")
async def retention(request: Request, context: Context, identity: SignedIn,
                    form: Annotated[RetentionForm, Query()]) -> Response:
    question = form.question()
    data, error = await _answer(context, identity.principal.tenant_id, RETENTION, question)
    return render(request, "explore/retention.html", {
        "form": form, "question": question, "data": data, "error": error,
        "tab": "retention", "shade": shade}, identity)


def duration(seconds: float | None) -> str:
    """A time between steps for people: '3 min 20 s', '1 h 9 min', '2 d 4 h'; '—' for none."""
    if seconds is None:
        return "—"
    delta = timedelta(seconds=round(seconds))
    minutes, secs = divmod(delta.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if delta.days:
        return f"{delta.days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def shade(rate: float) -> str:
    """The background of a retention cell: the Okabe–Ito blue at the rate's strength, with
    text that stays readable on it."""
    alpha = max(0.0, min(1.0, rate))
    ink = "#fff" if alpha > 0.5 else "#1d2330"
    return f"background: rgba(0, 114, 178, {alpha:.3f}); color: {ink};"
