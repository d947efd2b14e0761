"""Request and response shapes of the modules routes (growth pulse)."""

from __future__ import annotations

import datetime as dt
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from api.envelopes import DateRange
from api.social.schemas import decode_cursor

InsightSeverity = Literal["low", "medium", "high"]
PulseMetric = Literal["sessions", "signups", "conversions", "revenue", "conversion_rate"]
# pulse_date (ISO), severity_rank, insight_id of the last row
INSIGHT_CURSOR_SIZE = 3


def parse_insight_cursor(cursor: str) -> tuple[date, int, str]:
    """(pulse_date, severity_rank, insight_id) of an insights cursor; ValueError if bad."""
    values: list[Any] = decode_cursor(cursor, INSIGHT_CURSOR_SIZE)
    day, rank, insight_id = values
    if not (isinstance(day, str) and isinstance(rank, int) and isinstance(insight_id, str)):
        raise ValueError("not a cursor returned by this route")
    try:
        return date.fromisoformat(day), rank, insight_id
    except ValueError:
        raise ValueError("not a cursor returned by this route") from None


class InsightsQuery(DateRange):
    """Filters and page of GET /modules/growth-pulse/insights (newest day first, then the
    most severe). Page with `page`/`page_size`, or walk with `cursor` (not both)."""

    severity: list[InsightSeverity] = Field(default_factory=list,
                                            description="Any of these severities")
    metric: list[PulseMetric] = Field(default_factory=list, description="Any of these metrics")
    page_size: int = Field(50, ge=1, le=500, description="Rows per page (≤ 500)")
    page: int | None = Field(None, ge=1, le=1_000_000, description="1-based page number")
    cursor: str | None = Field(None, max_length=1000,
                               description="`next_cursor` of the previous page")

    @field_validator("severity", "metric")
    @classmethod
    def _sets(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if info.data.get("page") is not None:
            raise ValueError("use either page or cursor, not both")
        parse_insight_cursor(value)
        return value


class Insight(BaseModel):
    """A row of mart_growth_pulse_insights."""

    pulse_date: date
    insight_id: str = Field(description="metric:rule, unique per tenant and day")
    metric: str | None
    rule: str | None
    direction: str | None
    severity: str | None
    severity_rank: int | None = Field(description="1 low, 2 medium, 3 high")
    value: float | None
    previous_value: float | None
    change: float | None = Field(description="Relative week-over-week change")
    text: str | None


class InsightPage(BaseModel):
    """One page of insights."""

    items: list[Insight]
    total: int = Field(description="Insights matching the filters")
    page: int | None = Field(description="Page number (null when walking by cursor)")
    page_size: int
    next_cursor: str | None = Field(description="Cursor of the next page; null at the end")


class PulseRunRequest(BaseModel):
    """Which day of the growth pulse to rebuild."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"date": "2026-04-12"}]})

    date: dt.date | None = Field(None, description="UTC day (partition); default yesterday")


class PulseRun(BaseModel):
    """A queued Dagster run."""

    run_id: str
    status: str = Field(description="QUEUED: a Dagster daemon (`sightline dev`) starts it")
    job: str
    assets: list[str]
    partition: str
