"""Request and response shapes of the social routes (analysis, mentions, marts, monitors).

Brand names are the canonical names brand matching stores in `matched_brands` (e.g.
"Acme"); the API compares them case-insensitively. Platforms are `x`, `reddit` and
`linkedin`. Semantics: docs/api.md#social and docs/marts.md#social-rules.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from api.envelopes import DateRange, check_instant

Platform = Literal["x", "reddit", "linkedin"]
PLATFORMS: tuple[str, ...] = ("linkedin", "reddit", "x")  # sorted: a set
SentimentLabel = Literal["positive", "neutral", "negative"]
Severity = Literal["warning", "crisis"]
BrandName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=200)]

_STRICT = ConfigDict(extra="forbid")


def _distinct_brands(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value.lower() in seen:
            raise ValueError(f"brand {value!r} is listed twice (names compare case-insensitively)")
        seen.add(value.lower())
    return values


def _check_competitors(value: list[str], info: ValidationInfo) -> list[str]:
    company = (info.data.get("company") or "").lower()
    if any(v.lower() == company for v in value):
        raise ValueError("a competitor repeats the company")
    return _distinct_brands(value)


def encode_cursor(values: list[Any]) -> str:
    """An opaque page cursor holding the sort key of the last row returned."""
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The sort key inside `cursor`; ValueError when it is not a cursor of `size` values."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise ValueError("not a cursor returned by this route") from None
    if not isinstance(values, list) or len(values) != size or not all(
            isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        raise ValueError("not a cursor returned by this route")
    return values


def _platform_set(values: list[str]) -> list[str]:
    # a set, not a list: order and repeats must not change the answer or its cache key
    return sorted(set(values))


# --- POST /social/analyze ---------------------------------------------------------------


class AnalyzeRequest(BaseModel):
    """What to analyse: a company and its competitors over the last `timeframe_hours`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "company": "Acme", "competitors": ["Globex", "Initech"], "timeframe_hours": 168,
        "platforms": ["x", "reddit", "linkedin"]}]})

    company: BrandName = Field(description="The tenant's own brand")
    competitors: list[BrandName] = Field(
        default_factory=list, max_length=20, description="Up to 20 competitor brands")
    timeframe_hours: int = Field(168, ge=1, le=8760,
                                 description="Length of the window in hours (≤ one year)")
    platforms: list[Platform] = Field(
        default_factory=lambda: list(PLATFORMS), min_length=1,
        description="Platforms to read (a set; default all)")
    end: datetime | None = Field(
        None, description="End of the window (inclusive; naive means UTC). Default: the "
        "tenant's latest mention")
    top_posts: int = Field(5, ge=0, le=50, description="Top original posts per brand")
    influencers: int = Field(10, ge=0, le=100, description="Influencers to list")
    crisis_min_mentions: int = Field(
        20, ge=1, le=100_000, description="Original mentions each half needs before the "
        "half-window crisis rule may fire (below ~20 a half's average moves ±0.12 by chance)")

    @field_validator("competitors")
    @classmethod
    def _competitors(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return _check_competitors(value, info)

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str]) -> list[str]:
        return _platform_set(value)

    _utc_end = field_validator("end")(check_instant)


class SentimentDistribution(BaseModel):
    """Labels of the original, scored mentions (counts)."""

    positive: int
    neutral: int
    negative: int


class TopPost(BaseModel):
    """An original post, ranked by engagement."""

    platform: str
    post_id: str
    author_handle: str
    text: str
    url: str
    created_at: datetime
    engagement: int
    reach: int
    compound: float | None
    label: str | None


class BrandSummary(BaseModel):
    """One brand over the window."""

    brand: str
    mentions: int = Field(description="Original posts (reposts excluded)")
    reposts: int = Field(description="Reposts / crossposts mentioning the brand")
    reach: int = Field(description="Impressions (else followers) of originals and reposts")
    engagement: int = Field(description="Platform engagement of originals and reposts")
    scored_mentions: int = Field(description="Original posts with a sentiment score")
    sentiment_distribution: SentimentDistribution
    average_sentiment: float | None = Field(description="Mean compound of scored originals")
    net_sentiment: float | None = Field(description="(positive − negative) / mentions")
    share_of_voice: float | None = Field(description="mentions / all requested brands' mentions")
    reach_share: float | None
    engagement_share: float | None
    top_posts: list[TopPost]


class SentimentTrend(BaseModel):
    """Half-window trend: recent half's average compound minus the older half's."""

    brand: str
    first_half: float
    second_half: float
    first_half_mentions: int
    second_half_mentions: int
    change: float
    trend: Literal["improving", "declining", "stable"]


class Influencer(BaseModel):
    """An author with original posts about the brands in the window."""

    rank: int
    platform: str
    author_id: str
    author_handle: str
    score: float = Field(description="0–100, the fct_influencers formula over this window")
    posts: int
    reposts_made: int
    total_engagement: int
    avg_engagement: float
    followers: int
    verified: bool
    brands_mentioned: list[str]


class EvidencePost(BaseModel):
    """A negative original post backing an alert."""

    platform: str
    post_id: str
    text: str
    url: str
    engagement: int | None = None
    compound: float | None = None


class CrisisAlert(BaseModel):
    """A half-window alert: the recent half's sentiment fell by more than 0.15 (warning)
    or 0.3 (crisis)."""

    brand: str
    rule: Literal["half_window"]
    severity: Severity
    first_half: float
    second_half: float
    change: float
    first_half_mentions: int
    second_half_mentions: int
    evidence: list[EvidencePost]
    summary: str


class SocialAnalysis(BaseModel):
    """The answer of POST /social/analyze."""

    company: str
    competitors: list[str]
    timeframe_hours: int
    platforms: list[str]
    window_start: datetime | None = Field(description="Exclusive start of the window")
    window_end: datetime | None = Field(description="Inclusive end (null: no mentions yet)")
    generated_at: datetime
    brands: list[BrandSummary]
    sentiment_trends: list[SentimentTrend]
    influencers: list[Influencer]
    crisis_alerts: list[CrisisAlert]


# --- GET /social/mentions ---------------------------------------------------------------


# created_at (epoch ms), platform, post_id, source of the last row
MENTION_CURSOR_SIZE = 4


def parse_mention_cursor(cursor: str) -> tuple[int, str, str, str]:
    """(created_at epoch ms, platform, post_id, source) of a mentions cursor; ValueError
    when it is not one."""
    created_ms, platform, post_id, source = decode_cursor(cursor, MENTION_CURSOR_SIZE)
    if not isinstance(created_ms, int) or not all(
            isinstance(v, str) for v in (platform, post_id, source)):
        raise ValueError("not a cursor returned by this route")
    return created_ms, platform, post_id, source


class MentionsQuery(DateRange):
    """Filters and page of GET /social/mentions (newest first)."""

    brand: list[BrandName] = Field(default_factory=list,
                                   description="Mentions matching any of these brands")
    platform: list[Platform] = Field(default_factory=list, description="Any of these")
    label: list[SentimentLabel] = Field(default_factory=list,
                                        description="Sentiment label, any of these")
    limit: int = Field(100, ge=1, le=500, description="Rows per page (≤ 500)")
    cursor: str | None = Field(None, max_length=1000,
                               description="`next_cursor` of the previous page")

    @field_validator("brand")
    @classmethod
    def _brands(cls, value: list[str]) -> list[str]:
        return sorted({v.lower() for v in value})

    @field_validator("platform", "label")
    @classmethod
    def _sets(cls, value: list[str]) -> list[str]:
        return _platform_set(value)

    @field_validator("cursor")
    @classmethod
    def _cursor(cls, value: str | None) -> str | None:
        if value is not None:
            parse_mention_cursor(value)
        return value


class Mention(BaseModel):
    """A mention with its sentiment (null until scored)."""

    platform: str
    post_id: str
    parent_id: str | None
    is_repost: bool
    author_id: str
    author_handle: str
    author_followers: int
    author_verified: bool
    text: str
    lang: str
    url: str
    created_at: datetime
    likes: int
    reposts: int
    replies: int
    impressions: int
    reach: int
    engagement: int
    matched_brands: list[str]
    source: str
    compound: float | None
    label: str | None
    model_version: str | None


class MentionPage(BaseModel):
    """One page of mentions."""

    items: list[Mention]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null "
                                    "at the end")


# --- mart routes ------------------------------------------------------------------------


class SentimentQuery(DateRange):
    """Filters of GET /social/sentiment."""

    brand: list[BrandName] = Field(default_factory=list)
    platform: list[Platform] = Field(default_factory=list)
    by_platform: bool = Field(False, description="One row per platform instead of the "
                              "brand's total over the platforms")

    @field_validator("brand")
    @classmethod
    def _brands(cls, value: list[str]) -> list[str]:
        return sorted({v.lower() for v in value})

    @field_validator("platform")
    @classmethod
    def _sets(cls, value: list[str]) -> list[str]:
        return _platform_set(value)


class SentimentDay(BaseModel):
    """A row of mart_brand_sentiment_daily (summed over platforms unless by_platform)."""

    mention_date: date
    brand: str
    platform: str | None
    mentions: int
    reposts: int
    reach: int
    engagement: int
    positive: int
    neutral: int
    negative: int
    positive_share: float | None
    neutral_share: float | None
    negative_share: float | None
    scored_mentions: int
    avg_compound: float | None
    net_sentiment: float | None


SovMetric = Literal["mentions", "reach", "engagement"]


class ShareOfVoiceQuery(DateRange):
    """Filters of GET /social/share-of-voice."""

    metric: SovMetric = Field("mentions", description="mentions (originals), reach or "
                              "engagement (originals + reposts)")
    brand: list[BrandName] = Field(default_factory=list)

    @field_validator("brand")
    @classmethod
    def _brands(cls, value: list[str]) -> list[str]:
        return sorted({v.lower() for v in value})


class ShareOfVoiceDay(BaseModel):
    """A row of mart_share_of_voice_daily."""

    mention_date: date
    brand: str
    value: int
    metric_total: int
    share: float
    brand_rank: int


class ShareOfVoiceTotal(BaseModel):
    """A brand over the whole range: its value over the sum of every brand's."""

    brand: str
    value: int
    share: float


class ShareOfVoice(BaseModel):
    """Daily shares and the range total (shares are of all the tenant's brands, also when
    `brand` filters the rows)."""

    metric: str
    daily: list[ShareOfVoiceDay]
    total: list[ShareOfVoiceTotal]


class InfluencersQuery(BaseModel):
    """Filters of GET /social/influencers."""

    model_config = _STRICT

    as_of_date: date | None = Field(None, description="Day of the ranking (default: latest)")
    platform: list[Platform] = Field(default_factory=list)
    limit: int = Field(25, ge=1, le=25, description="Top N (the mart keeps 25)")

    @field_validator("platform")
    @classmethod
    def _sets(cls, value: list[str]) -> list[str]:
        return _platform_set(value)


class MartInfluencer(BaseModel):
    """A row of mart_influencers."""

    influencer_rank: int
    platform: str | None
    author_id: str | None
    author_handle: str | None
    score: float | None
    posts: int | None
    reposts_made: int | None
    total_engagement: int | None
    avg_engagement: float | None
    followers: int | None
    verified: bool | None
    brands_mentioned: list[str]


class Influencers(BaseModel):
    """The ranking as of one day (trailing `window_days`)."""

    as_of_date: date | None
    window_days: int | None
    influencers: list[MartInfluencer]


# --- monitors ---------------------------------------------------------------------------


class MonitorIn(BaseModel):
    """A social monitor: brands and platforms watched for crisis alerts."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Launch week", "company": "Acme", "competitors": ["Globex"],
        "platforms": ["x", "reddit"], "timeframe_hours": 168}]})

    name: str = Field(min_length=1, max_length=200)
    company: BrandName
    competitors: list[BrandName] = Field(default_factory=list, max_length=20)
    platforms: list[Platform] = Field(default_factory=lambda: list(PLATFORMS), min_length=1)
    timeframe_hours: int = Field(168, ge=1, le=8760,
                                 description="Default alert window (whole days, rounded up)")

    @field_validator("competitors")
    @classmethod
    def _competitors(cls, value: list[str], info: ValidationInfo) -> list[str]:
        return _check_competitors(value, info)

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str]) -> list[str]:
        return _platform_set(value)


class Monitor(MonitorIn):
    """A stored monitor."""

    model_config = ConfigDict(extra="forbid")

    id: int
    created_at: datetime
    updated_at: datetime


class MonitorAlertsQuery(DateRange):
    """Filters of GET /social/monitors/{id}/alerts."""

    severity: list[Severity] = Field(default_factory=list)

    @field_validator("severity")
    @classmethod
    def _sets(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class CrisisAlertsQuery(MonitorAlertsQuery):
    """A tenant's crisis alerts over a range of days, of some brands (all when empty)."""

    brand: list[BrandName] = Field(default_factory=list, max_length=50)


class MartCrisisAlert(BaseModel):
    """A row of mart_crisis_alerts, evidence limited to the monitor's platforms."""

    alert_date: date
    brand: str
    rule: str
    severity: str | None
    value: float | None
    baseline: float | None
    change: float | None
    z_score: float | None
    mentions: int | None
    negative_mentions: int | None
    negative_share: float | None
    evidence: list[EvidencePost]
    summary: str | None


class MonitorAlerts(BaseModel):
    """Alerts of a monitor's brands over a range of days."""

    monitor_id: int
    date_from: date | None
    date_to: date | None
    alerts: list[MartCrisisAlert]


def params_of(model: BaseModel, **extra: Any) -> dict[str, Any]:
    """The cache-key parameters of a request model (JSON-safe)."""
    return {**model.model_dump(mode="json"), **extra}
