"""Evaluating a custom metric: its parameter model and one query runner per data source.

The runner's parameters carry the whole definition (source, formula, filters, unit) and
the range, so a saved metric that is edited gets new cache keys at once; the datasets of
its source are in the key too.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.analytics.schemas import MAX_BUCKETS, Filters, Interval, bucket_count
from api.analytics.trends import bucket_label, bucket_starts
from api.custom_metrics.compile import series_sql
from api.custom_metrics.formula import FormulaError, parse
from api.custom_metrics.sources import METRIC_SOURCES
from api.envelopes import Day
from api.runners import QueryRunner
from api.store import TenantScope

SourceName = Literal["events", "mentions"]
Unit = Literal["count", "money", "ratio", "seconds"]


class MetricDefinition(BaseModel):
    """What a custom metric is: a formula over one source's columns."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "Revenue per buyer", "source": "events", "unit": "money",
         "formula": "SUM(revenue) / COUNT(DISTINCT person_id)", "event": "purchase"}]})

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2_000)
    source: SourceName = "events"
    formula: str = Field(min_length=1, max_length=500,
                         description="e.g. SUM(revenue) / COUNT(DISTINCT person_id) or "
                         "SUM(revenue) - LAG(SUM(revenue), 1)")
    unit: Unit = "count"
    event: str | None = Field(None, min_length=1, max_length=200,
                              description="Only events of this name (events source)")
    filters: Filters

    @model_validator(mode="after")
    def _formula_allowed(self) -> MetricDefinition:
        check_formula(self.source, self.formula, self.event, self.filters)
        return self


def check_formula(source: str, formula: str, event: str | None, filters: list) -> None:
    """Raise ValueError (naming the formula's position) unless `formula` is allowed on
    `source`, and unless an event and filters are given only where the source takes them."""
    columns = METRIC_SOURCES[source].columns
    try:
        parse(formula, columns)
    except FormulaError as exc:
        raise ValueError(f"formula {exc}") from None
    if (filters or event) and not METRIC_SOURCES[source].property_filters:
        raise ValueError(f"the {source} source takes no event or property filters")


class MetricSeriesQuery(BaseModel):
    """A metric (saved or not) over a range of days in buckets."""

    model_config = ConfigDict(extra="forbid")

    source: SourceName = "events"
    formula: str = Field(min_length=1, max_length=500)
    unit: Unit = "count"
    event: str | None = Field(None, min_length=1, max_length=200)
    filters: Filters
    date_from: Day
    date_to: Day
    interval: Interval = Field("day", validate_default=True)

    @field_validator("interval")
    @classmethod
    def _bucket_cap(cls, interval: str, info) -> str:
        start, end = info.data.get("date_from"), info.data.get("date_to")
        if start and end:
            if end < start:
                raise ValueError(f"date_to {end} is before date_from {start}")
            if bucket_count(start, end, interval) > MAX_BUCKETS:
                raise ValueError(f"more than {MAX_BUCKETS} {interval} buckets; use a longer "
                                 "interval or a shorter range")
        return interval

    @model_validator(mode="after")
    def _formula_allowed(self) -> MetricSeriesQuery:
        check_formula(self.source, self.formula, self.event, self.filters)
        return self


def _number(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def compute_metric(scope: TenantScope, query: MetricSeriesQuery) -> dict[str, Any]:
    """The metric's value in every bucket of the range (None where it is undefined)."""
    source = METRIC_SOURCES[query.source]
    node = parse(query.formula, source.columns)
    sql, params = series_sql(node, source, query.date_from, query.date_to, query.interval,
                             query.event, query.filters)
    values = [_number(row["value"]) for row in scope.rows(sql, params)]
    starts = bucket_starts(query.date_from, query.date_to, query.interval)
    return {"source": query.source, "formula": query.formula, "unit": query.unit,
            "interval": query.interval,
            "series": [{"bucket": bucket_label(start, query.interval), "value": value}
                       for start, value in zip(starts, values, strict=True)]}


METRIC_RUNNERS: dict[str, QueryRunner] = {
    name: QueryRunner(f"metrics.{name}", MetricSeriesQuery, source.datasets, compute_metric)
    for name, source in METRIC_SOURCES.items()}
