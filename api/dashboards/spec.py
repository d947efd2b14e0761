"""A dashboard's JSON document and how a widget's parameters are resolved from it.

A dashboard holds filters (a date range, absolute or the last N days, and property
filters), variables (values that widget parameters reference as `"{{name}}"`) and
widgets on a 12-column grid. A widget's effective parameters are its own, with:
1. every string `"{{name}}"` replaced by the variable's value (a whole-string reference
   keeps the value's type, so `["{{brand}}"]` or `"{{brands}}"` may give a list);
2. the dashboard's date range as `date_from`/`date_to`, when the source has them;
3. the dashboard's property filters added to the widget's own `filters`, when it has them.
`resolve` gives them; `check` validates every widget against its source's model (a 422
names `widgets.<i>.params.<field>`).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from api.analytics.schemas import PropertyFilter
from api.dashboards.sources import PARAMS, accepts
from api.envelopes import Day
from api.errors import ApiProblem, invalid

WidgetKind = Literal["line", "bar", "area", "pie", "table", "kpi", "heatmap", "scatter",
                     "gauge", "funnel", "waterfall", "retention_grid"]
SourceName = Literal["trends", "funnels", "retention", "funnel_mart", "cohorts", "mentions",
                     "sentiment", "share_of_voice", "influencers", "pulse_insights",
                     "wargame_results", "metric"]
Visibility = Literal["private", "tenant", "template"]
Role = Literal["editor", "viewer"]
GRID_COLUMNS = 12
MAX_WIDGETS = 40
VARIABLE = re.compile(r"\{\{\s*([a-z][a-z0-9_]{0,39})\s*\}\}")
VariableValue = str | int | float | bool | list[str]


class Position(BaseModel):
    """Where a widget sits on the 12-column grid (rows of fixed height)."""

    model_config = ConfigDict(extra="forbid")

    x: int = Field(0, ge=0, lt=GRID_COLUMNS)
    y: int = Field(0, ge=0, le=1_000)
    w: int = Field(6, ge=1, le=GRID_COLUMNS)
    h: int = Field(4, ge=1, le=24)

    @model_validator(mode="after")
    def _inside_grid(self) -> Position:
        if self.x + self.w > GRID_COLUMNS:
            raise ValueError(f"x + w must be at most {GRID_COLUMNS} (got {self.x + self.w})")
        return self


class Widget(BaseModel):
    """One chart or table: a source's question and how to draw it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
                    description="Unique within the dashboard")
    title: str = Field(max_length=200)
    kind: WidgetKind
    source: SourceName
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="The source's parameters (see its route)")
    position: Position = Field(default_factory=Position)


class DashboardFilters(BaseModel):
    """Filters applied to every widget whose source accepts them."""

    model_config = ConfigDict(extra="forbid")

    date_from: Day | None = None
    date_to: Day | None = None
    last_days: int | None = Field(None, ge=1, le=3_660, description="The last N days up to "
                                  "today (UTC), instead of date_from/date_to")
    properties: list[PropertyFilter] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_kind_of_range(self) -> DashboardFilters:
        if self.last_days is not None and (self.date_from or self.date_to):
            raise ValueError("give last_days or date_from/date_to, not both")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError(f"date_to {self.date_to} is before date_from {self.date_from}")
        return self

    def date_range(self, today: date) -> tuple[date | None, date | None]:
        """The range the filters name on `today` (None: the widget's own)."""
        if self.last_days is not None:
            return today - timedelta(days=self.last_days - 1), today
        return self.date_from, self.date_to


class DashboardSpec(BaseModel):
    """The document a dashboard version stores."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2_000)
    filters: DashboardFilters = Field(default_factory=DashboardFilters)
    variables: dict[str, VariableValue] = Field(default_factory=dict, max_length=20)
    widgets: list[Widget] = Field(default_factory=list, max_length=MAX_WIDGETS)

    @field_validator("widgets")
    @classmethod
    def _unique_widget_ids(cls, widgets: list[Widget]) -> list[Widget]:
        seen: set[str] = set()
        for widget in widgets:
            if widget.id in seen:
                raise ValueError(f"widget id {widget.id!r} is used twice")
            seen.add(widget.id)
        return widgets


def render_text(text: str, variables: dict[str, VariableValue]) -> str:
    """`text` (a name or title) with each `{{var}}` the variables define filled in; an
    undefined one is left as written."""
    return VARIABLE.sub(lambda m: str(variables.get(m.group(1), m.group(0))), text)


def _substitute(value: Any, variables: dict[str, VariableValue], where: str) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, variables, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variables, f"{where}.{i}") for i, v in enumerate(value)]
    if not isinstance(value, str) or "{{" not in value:
        return value
    for name in VARIABLE.findall(value):
        if name not in variables:
            raise ApiProblem(422, f"{where} uses the variable {name!r}, which the dashboard "
                             "does not define", field=where)
    whole = VARIABLE.fullmatch(value.strip())
    if whole:
        return variables[whole.group(1)]
    return VARIABLE.sub(lambda m: str(variables[m.group(1)]), value)


def resolve(spec: DashboardSpec, index: int, today: date,
            filters: DashboardFilters | None = None) -> dict[str, Any]:
    """Widget `index`'s effective parameters (see the module docstring); `filters`
    replace the dashboard's own for one request (the data endpoint's query)."""
    widget = spec.widgets[index]
    where = f"widgets.{index}.params"
    params = _substitute(widget.params, spec.variables, where)
    active = filters or spec.filters
    date_from, date_to = active.date_range(today)
    for field, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and accepts(widget.source, field):
            params[field] = value.isoformat()
    if active.properties and accepts(widget.source, "filters"):
        params["filters"] = [*params.get("filters", []),
                             *(f.model_dump(mode="json") for f in active.properties)]
    return params


def check(spec: DashboardSpec, today: date) -> None:
    """Raise ApiProblem 422 unless every widget's parameters are valid for its source."""
    for index, widget in enumerate(spec.widgets):
        try:
            PARAMS[widget.source].model_validate(resolve(spec, index, today))
        except ValidationError as exc:
            raise invalid(exc, f"widgets.{index}.params") from None


class RangeQuery(BaseModel):
    """A date range for one request, over the dashboard's own (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    date_from: Day | None = Field(None, description="Overrides the dashboard's range")
    date_to: Day | None = None
    last_days: int | None = Field(None, ge=1, le=3_660)


def override_filters(spec: DashboardSpec, span: RangeQuery,
                     properties: list[PropertyFilter] | None = None
                     ) -> DashboardFilters | None:
    """The request's date range (and `properties`, added to the dashboard's) over the
    dashboard's filters; None when the request overrides nothing. A bad range is a 422."""
    ranged = bool(span.date_from or span.date_to or span.last_days)
    if not ranged and not properties:
        return None
    dates = (span.model_dump(include=set(RangeQuery.model_fields)) if ranged else
             spec.filters.model_dump(include={"date_from", "date_to", "last_days"}))
    try:
        return DashboardFilters.model_validate({
            **dates, "properties": [*spec.filters.properties, *(properties or [])]})
    except ValidationError as exc:
        raise invalid(exc) from None
