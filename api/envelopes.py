"""Shapes shared by every route: the response envelope, its meta, problem documents."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

T = TypeVar("T")

# Days a request may name: ClickHouse's Date starts in 1970, and the end leaves room for
# a conversion window inside DateTime64.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2100, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
# Instants a request may name: the same span, so ClickHouse's DateTime64 holds them.
FIRST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LAST_INSTANT = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
# Row offsets and stored ids fit a signed 64-bit integer (SQLite, ClickHouse); pages
# deeper than a billion rows are a mistake, not a question.
MAX_OFFSET = 1_000_000_000
MAX_ID = 2**63 - 1


def check_instant(value: datetime | None) -> datetime | None:
    """Validator for a datetime parameter: UTC (naive means UTC), within the days a
    request may name; raise naming the bounds otherwise."""
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not FIRST_INSTANT <= value <= LAST_INSTANT:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return value


def check_date_range(value: date | None, info: ValidationInfo) -> date | None:
    """Validator for `date_to`: raise unless it is on or after `date_from`."""
    start = info.data.get("date_from")
    if value is not None and start is not None and value < start:
        raise ValueError(f"date_to {value} is before date_from {start}")
    return value


class DateRange(BaseModel):
    """An inclusive range of UTC days; either end may be open (query parameters)."""

    model_config = ConfigDict(extra="forbid")

    date_from: Day | None = Field(None, description="First day (UTC, inclusive)",
                                  examples=["2026-04-06"])
    date_to: Day | None = Field(None, description="Last day (UTC, inclusive)",
                                examples=["2026-04-12"])

    _check_to = field_validator("date_to")(check_date_range)


class Meta(BaseModel):
    """How an answer was produced."""

    dataset_versions: dict[str, int] = Field(
        default_factory=dict, description="Versions of the datasets the answer reads")
    cached: bool = Field(False, description="Served from the response cache")
    computed_at: str = Field(description="When the answer was computed (UTC, ISO 8601)")
    query_ms: float = Field(0.0, description="Time spent computing it, in milliseconds")


class Envelope(BaseModel, Generic[T]):
    """Every JSON answer: `data` plus `meta`."""

    data: T
    meta: Meta


class Problem(BaseModel):
    """RFC 9457 problem document (media type application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text,
             "content": {"application/problem+json": {}}}
    for status, text in ((401, "Missing, invalid or revoked API key"),
                         (403, "The key lacks the required scope"),
                         (422, "Invalid parameters; `errors` names each field"),
                         (429, "Rate limit reached; see Retry-After"),
                         (503, "Store busy; see Retry-After"))
}
