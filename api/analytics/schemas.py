"""Request and response shapes of the analytics routes: ad-hoc trends, funnels and
retention over `raw_events`, and the funnel and retention marts.

Semantics are DESIGN §6 and docs/analytics-semantics.md; the routes are described in
docs/api.md#analytics. Every date is a UTC day and every range is inclusive of its whole
last day.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from api.analytics.formulas import FormulaError, parse_formula
from api.envelopes import FIRST_DAY, DateRange, Day, check_date_range
from warehouse.semantics.funnels import UNIT_SECONDS, FunnelDefinition, FunnelExclusion

EventName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
PropertyName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
FilterOperator = Literal["eq", "neq", "in", "not_in", "contains", "not_contains",
                         "gt", "gte", "lt", "lte", "is_set", "is_not_set"]
Math = Literal["total", "dau", "weekly_active", "monthly_active", "sum", "avg", "min", "max",
               "median", "p90", "p95", "p99"]
PROPERTY_MATHS = frozenset({"sum", "avg", "min", "max", "median", "p90", "p95", "p99"})
Interval = Literal["hour", "day", "week", "month"]
WindowUnit = Literal["second", "minute", "hour", "day", "week", "month"]
FunnelOrder = Literal["ordered", "strict", "unordered"]
RetentionPeriod = Literal["day", "week", "month"]
# Properties stored as numbers (raw_events.revenue); every other property is text.
NUMERIC_PROPERTIES = frozenset({"revenue"})
MAX_BUCKETS = 2000
MAX_WINDOW_DAYS = 366
MAX_SERIES = 20
# Values one trends answer may hold (~47 bytes each in JSON: 300,000 ≈ 14 MiB, under the
# 16 MiB answer limit).
MAX_CELLS = 300_000
ANY_EVENT = "$any"

_STRICT = ConfigDict(extra="forbid")
Scalar = str | int | float | bool


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    try:
        number = float(value)  # ValueError for text that is not a number
    except OverflowError:  # an integer beyond any float (JSON allows 10**400)
        raise ValueError("expected a finite number") from None
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    return number


class PropertyFilter(BaseModel):
    """One condition on an event property. Hot columns (url, referrer, utm_source,
    country, device, revenue) are read from their columns, any other name from the
    event's `properties` map; a missing property reads as ''."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"property": "utm_source", "operator": "in", "value": ["google", "twitter"]},
        {"property": "browser", "operator": "eq", "value": "Chrome"},
        {"property": "revenue", "operator": "gte", "value": 99}]})

    property: PropertyName = Field(description="Hot column or key of `properties`")
    operator: FilterOperator = Field(
        "eq", description="eq, neq, in, not_in, contains / not_contains (case-insensitive "
        "substring), gt, gte, lt, lte (numeric), is_set, is_not_set")
    value: Scalar | list[Scalar] | None = Field(
        None, description="A value; a list for in/not_in; a number for gt..lte (and for "
        "eq/neq/in on revenue); omitted for is_set/is_not_set")

    @model_validator(mode="after")
    def _value_fits_operator(self) -> PropertyFilter:
        op, value = self.operator, self.value
        numeric = self.property in NUMERIC_PROPERTIES
        if op in ("is_set", "is_not_set"):
            self.value = None
            return self
        if value is None:
            raise ValueError(f"operator '{op}' needs a value")
        if op in ("in", "not_in"):
            values = value if isinstance(value, list) else [value]
            if not values or len(values) > 1000:
                raise ValueError(f"operator '{op}' needs a list of 1 to 1000 values")
            if numeric:
                values = [_number_or_error(v, op) for v in values]
            else:
                values = [_text_value(v) for v in values]
            self.value = values
            return self
        if isinstance(value, list):
            raise ValueError(f"operator '{op}' needs a single value, not a list")
        if op in ("gt", "gte", "lt", "lte") or (numeric and op in ("eq", "neq")):
            self.value = _number_or_error(value, op)
        else:
            _text_value(value)
        return self


def _number_or_error(value: Any, op: str) -> float:
    try:
        return _number(value)
    except (TypeError, ValueError):
        raise ValueError(f"operator '{op}' needs a number here, got {value!r}") from None


def _text_value(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 1000:
        raise ValueError("a filter value is longer than 1000 characters")
    return value


Filters = Annotated[list[PropertyFilter], Field(
    default_factory=list, max_length=50, description="Conditions, all of which must hold")]


# --- POST /analytics/trends --------------------------------------------------------------


class TrendSeries(BaseModel):
    """One line of a trend: an event (`$any` = every event) and what to count of it."""

    model_config = _STRICT

    event: EventName = Field(description="Event name, or `$any` for every event",
                             examples=["pageview"])
    math: Math = Field(
        "total", description="total (events), dau (distinct persons per bucket), "
        "weekly_active / monthly_active (distinct persons over the trailing 7 / 30 days "
        "ending each bucket; plain distinct persons per bucket when the interval is at "
        "least a week / month), or sum/avg/min/max/median/p90/p95/p99 of `math_property`")
    math_property: PropertyName | None = Field(
        None, validate_default=True,
        description="Numeric property the property maths aggregate (e.g. revenue)")
    filters: Filters
    name: str | None = Field(None, max_length=200, description="Label (default: the event)")

    @field_validator("math_property")
    @classmethod
    def _property_for_math(cls, value: str | None, info: ValidationInfo) -> str | None:
        math_ = info.data.get("math")
        if math_ in PROPERTY_MATHS and value is None:
            raise ValueError(f"math '{math_}' needs a math_property")
        if math_ is not None and math_ not in PROPERTY_MATHS:
            return None
        return value


def bucket_count(date_from: date, date_to: date, interval: str) -> int:
    """Buckets from the one containing date_from to the one containing date_to."""
    days = (date_to - date_from).days + 1
    if interval == "hour":
        return days * 24
    if interval == "day":
        return days
    if interval == "week":
        return (date_to - date_from).days // 7 + 2
    return (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1


class TrendsQuery(BaseModel):
    """A trends question: series over a date range in buckets."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "series": [{"event": "signup", "math": "dau"},
                   {"event": "purchase", "math": "sum", "math_property": "revenue"}],
        "date_from": "2026-04-06", "date_to": "2026-04-12", "interval": "day",
        "breakdown": "utm_source", "breakdown_limit": 5, "compare": True,
        "formula": "B/A"}]})

    series: list[TrendSeries] = Field(min_length=1, max_length=MAX_SERIES,
                                      description="Series A, B, C... in this order")
    date_from: Day = Field(description="First day (UTC, inclusive)", examples=["2026-04-06"])
    date_to: Day = Field(description="Last day (UTC, inclusive of the whole day)",
                         examples=["2026-04-12"])
    # validate_default: the bucket cap holds when the interval is left out too.
    interval: Interval = Field("day", description="Bucket size; weeks start on Monday",
                               validate_default=True)
    filters: Filters
    breakdown: PropertyName | None = Field(
        None, description="Property to break every series down by")
    breakdown_limit: int = Field(
        25, ge=1, le=500, description="Top values kept (by events over all series); the "
        "rest are merged into one 'Other' row")
    # validate_default: the size cap below runs whether or not compare is sent.
    compare: bool = Field(False, description="Also compute the previous period of equal "
                          "length (ending the day before date_from)", validate_default=True)
    formula: str | None = Field(
        None, max_length=500, description="Arithmetic over series letters, numbers, "
        "+ - * / and parentheses, e.g. `A+2*B`; evaluated per bucket (x/0 = 0)")

    _check_to = field_validator("date_to")(check_date_range)

    @field_validator("interval")
    @classmethod
    def _few_enough_buckets(cls, value: str, info: ValidationInfo) -> str:
        start, end = info.data.get("date_from"), info.data.get("date_to")
        if start is not None and end is not None:
            n = bucket_count(start, end, value)
            if n > MAX_BUCKETS:
                raise ValueError(f"{n} {value} buckets requested; at most {MAX_BUCKETS}: "
                                 "use a longer interval or a shorter range")
        return value

    @field_validator("compare")
    @classmethod
    def _small_enough_answer(cls, value: bool, info: ValidationInfo) -> bool:
        data = info.data
        sizing = ("series", "date_from", "date_to", "interval", "breakdown_limit")
        if not all(k in data for k in sizing):
            return value  # an earlier field is already reported
        values = data["breakdown_limit"] + 1 if data.get("breakdown") else 1
        buckets = bucket_count(data["date_from"], data["date_to"], data["interval"])
        cells = len(data["series"]) * buckets * values * (2 if value else 1)
        if cells > MAX_CELLS:
            raise ValueError(
                f"the answer would hold {cells:,} values (series × buckets × breakdown values "
                f"× periods), at most {MAX_CELLS:,}: use fewer series, a longer interval, a "
                "shorter range, a lower breakdown_limit, or no compare")
        return value

    @field_validator("formula")
    @classmethod
    def _formula(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        series = info.data.get("series") or []
        try:
            return parse_formula(value, len(series)).text
        except FormulaError as exc:
            raise ValueError(str(exc)) from None


class TrendResult(BaseModel):
    """One line: a series (or the formula) for one breakdown value and period."""

    series: str = Field(description="Series letter, or 'formula'")
    label: str
    event: str | None = None
    math: str | None = None
    math_property: str | None = None
    breakdown_value: str | None = Field(
        None, description="Breakdown value ('Other' for the merged rest, '' when unset)")
    breakdown_other: bool = Field(False, description="This row merges the values outside "
                                  "the top breakdown_limit")
    compare: Literal["current", "previous"] | None = None
    dates: list[str] = Field(description="Bucket starts (days, or hours as ISO datetimes)")
    data: list[float] = Field(description="One value per bucket, zero-filled")


class Trends(BaseModel):
    """Trend lines in buckets."""

    interval: Interval
    date_from: date
    date_to: date
    results: list[TrendResult]
    formula: str | None = None
    formula_results: list[TrendResult] = Field(default_factory=list)


# --- POST /analytics/funnels -------------------------------------------------------------


class FunnelExclusionIn(FunnelExclusion):
    """An event that must not happen after step `from_step` (0-based) of an attempt, inside
    its window and before its step `to_step`: the engine's exclusion, with the API's
    bounds on names and steps."""

    event: EventName
    from_step: int = Field(ge=0, le=19)
    to_step: int = Field(ge=1, le=19)


class FunnelQuery(FunnelDefinition):
    """An ad-hoc funnel (DESIGN §6): entry with step 0 inside the date range. The engine's
    funnel definition (its validators included), with the API's bounds and the range,
    filters and breakdown of the question."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "steps": ["visit", "signup", "activate", "purchase"], "window": 7,
        "window_unit": "day", "order": "ordered", "date_from": "2026-04-06",
        "date_to": "2026-04-12", "breakdown": "utm_source"}]})

    steps: list[EventName] = Field(min_length=2, max_length=20,
                                   description="2 to 20 event names; a name may repeat")
    window_unit: WindowUnit = Field("day", description="A month is 30 days")
    window: int = Field(14, gt=0, description="Conversion window, in window_unit (at most "
                        f"{MAX_WINDOW_DAYS} days)")
    order: FunnelOrder = Field("ordered", description="ordered, strict or unordered")
    exclusions: list[FunnelExclusionIn] = Field(default_factory=list, max_length=20)
    date_from: Day = Field(description="First entry day (UTC)", examples=["2026-04-06"])
    date_to: Day = Field(description="Last entry day (UTC, inclusive)",
                         examples=["2026-04-12"])
    filters: Filters
    breakdown: PropertyName | None = Field(
        None, description="Property of the attempt's step-0 event to break down by")
    breakdown_limit: int = Field(
        25, ge=1, le=500, description="Top values kept (by persons at step 0); the rest "
        "are merged into one 'Other' group")

    @field_validator("window")
    @classmethod
    def _window_at_most_a_year(cls, value: int, info: ValidationInfo) -> int:
        unit = info.data.get("window_unit")
        # Integer arithmetic: a window of 10**400 seconds must not overflow a float.
        if unit is not None and value * UNIT_SECONDS[unit] > MAX_WINDOW_DAYS * 86_400:
            raise ValueError(f"the conversion window is at most {MAX_WINDOW_DAYS} days")
        return value

    _check_to = field_validator("date_to")(check_date_range)


class FunnelStep(BaseModel):
    """One step of a funnel result (0-based)."""

    step: int
    event: str
    persons: int = Field(description="Persons reaching at least this step")
    conversion_from_first: float
    conversion_from_previous: float
    avg_seconds_from_previous: float | None
    median_seconds_from_previous: float | None


class FunnelGroup(BaseModel):
    """The funnel for one breakdown value (or the whole range)."""

    breakdown_value: str | None
    breakdown_other: bool = False
    steps: list[FunnelStep]


class Funnel(BaseModel):
    """An ad-hoc funnel's answer."""

    steps: list[str]
    order: FunnelOrder
    window_seconds: int
    date_from: date
    date_to: date
    breakdown: str | None
    results: list[FunnelGroup]


# --- POST /analytics/retention -----------------------------------------------------------


class RetentionQuery(BaseModel):
    """A retention table (DESIGN §6): N periods ending with the one containing date_to."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "target_event": "signup", "returning_event": "$any", "period": "day",
        "intervals": 7, "date_to": "2026-04-12", "retention_type": "first_time"}]})

    target_event: EventName = Field(description="Event that puts a person in a cohort "
                                    "(`$any` = any event)")
    returning_event: EventName = Field(ANY_EVENT, description="Event that counts as a "
                                       "return (`$any` = any event)")
    period: RetentionPeriod = Field("day", description="Cohort and return period")
    intervals: int = Field(8, ge=1, le=120, description="Periods (N): cohorts and columns")
    date_to: Day = Field(default_factory=_utc_today, validate_default=True,
                         description="A day in the last period; events after it are not "
                         "read (default: today, UTC)")
    retention_type: Literal["recurring", "first_time"] = Field(
        "recurring", description="recurring: everyone with the target event in the period; "
        "first_time: only in the period of the person's first-ever target event")
    cumulative: bool = Field(False, description="Column j counts returns in period k+j or "
                             "any later period of the table")
    week_start: Literal["monday", "sunday"] = Field("monday", description="First day of a "
                                                     "week period")
    filters: Filters

    @field_validator("date_to")
    @classmethod
    def _table_after_1970(cls, value: date, info: ValidationInfo) -> date:
        period, n = info.data.get("period"), info.data.get("intervals")
        if period is not None and n is not None:
            days = {"day": 1, "week": 7, "month": 31}[period] * n
            if value - timedelta(days=days) < FIRST_DAY:
                raise ValueError(f"{n} {period} periods before {value} start before "
                                 f"{FIRST_DAY}")
        return value


class RetentionCohort(BaseModel):
    """One row of the retention table."""

    cohort_start: date
    cohort_size: int
    values: list[int] = Field(description="N columns: column 0 is the cohort size, column j "
                              "the members returning j periods later (zero past date_to)")
    rates: list[float] = Field(description="values / cohort_size (0 for an empty cohort)")


class Retention(BaseModel):
    """A retention table."""

    target_event: str
    returning_event: str
    period: RetentionPeriod
    intervals: int
    retention_type: str
    cumulative: bool
    date_from: date = Field(description="Start of period 0")
    date_to: date
    cohorts: list[RetentionCohort]


# --- GET /analytics/funnels/{funnel_id} and /analytics/cohorts (marts) -------------------


# The mart routes' range: the shared one.
MartRange = DateRange


class MartFunnelQuery(MartRange):
    """A configured funnel (path parameter) over a range of entry days."""

    funnel_id: str = Field(max_length=200, description="A configured funnel id")


class CohortsQuery(MartRange):
    """Which published cohorts to read; date_from/date_to bound `cohort_start`."""

    retention_id: str | None = Field(None, max_length=200,
                                     description="A retention definition (default: all)")
    period: Literal["day", "week"] | None = Field(None, description="day or week (Monday)")
    cohort_type: Literal["recurring", "first_time"] | None = None


class MartFunnelDay(BaseModel):
    """The funnel for one entry day: the ad-hoc funnel with date_from = date_to = day."""

    entry_date: date
    steps: list[FunnelStep]


class MartFunnel(BaseModel):
    """A configured funnel's daily conversions."""

    funnel_id: str
    steps: list[str]
    order: str
    window: int
    window_unit: str
    exclusions: list[dict[str, Any]]
    days: list[MartFunnelDay]


class MartCohort(BaseModel):
    """One published cohort row."""

    retention_id: str
    target_event: str | None
    returning_event: str | None
    period: str
    cohort_type: str
    cohort_start: date
    cohort_size: int
    observed_periods: int = Field(description="Offsets whose period has started in the "
                                  "loaded data; later columns are zero-padded")
    retained: list[int]
    retained_cumulative: list[int]
    retention_rate: list[float]
    retention_rate_cumulative: list[float]


class Cohorts(BaseModel):
    """Published retention cohorts."""

    cohorts: list[MartCohort]


def previous_range(date_from: date, date_to: date) -> tuple[date, date]:
    """The period of equal length ending the day before date_from."""
    days = (date_to - date_from).days + 1
    return date_from - timedelta(days=days), date_from - timedelta(days=1)
