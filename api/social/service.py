"""Social queries: the window analysis (computed in ClickHouse from the scored mentions),
the mentions feed, and reads of the published social marts.

Semantics (DESIGN §7, docs/marts.md#social-rules) are the marts' own:
- reach is impressions, else the author's followers; engagement is the platform formula
  below; both include reposts;
- a repost (`parent_id` set) is not an opinion: mention counts and every sentiment figure
  use original posts only;
- a post matching several brands counts once for each.

Daily series are never recomputed here: they are read from the marts. Only the ad-hoc
window of POST /social/analyze (any length in hours, any end) is computed from
`raw_social_mentions` + `social_mentions_scored`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from api.runners import QueryRunner
from api.social.schemas import (
    AnalyzeRequest,
    CrisisAlertsQuery,
    InfluencersQuery,
    MentionsQuery,
    MonitorAlertsQuery,
    SentimentQuery,
    ShareOfVoiceQuery,
    encode_cursor,
    parse_mention_cursor,
)
from api.store import TenantScope, date_filters
from warehouse.dbt_vars import engagement_sql, reach_sql, social_rules

# DESIGN §7's rules come from the dbt project's vars, the ones the marts are built with
# (warehouse/dbt_vars.py): engagement weights, half-window thresholds, evidence posts,
# influencer weights.
RULES = social_rules()
ENGAGEMENT_SQL = engagement_sql("m.platform", "m.likes", "m.reposts", "m.replies")
# Reach as in dbt's stg_social__mentions.
REACH_SQL = reach_sql("m.")
TREND_THRESHOLD = RULES.trend_threshold
CRISIS_CHANGE = RULES.crisis_change
WARNING_CHANGE = RULES.warning_change
EVIDENCE_POSTS = RULES.evidence_posts
_W = RULES.influencer_weights

_NULLS = {"join_use_nulls": 1}


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000) if value.tzinfo else int(
        value.replace(tzinfo=UTC).timestamp() * 1000)


def _day_ms(day: date) -> int:
    return _ms(datetime(day.year, day.month, day.day, tzinfo=UTC))


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _ratio(part: float | int | Decimal | None, whole: float | int | Decimal | None
           ) -> float | None:
    if part is None or not whole:
        return None
    return float(part) / float(whole)


# --- POST /social/analyze ---------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """(start, end] in epoch milliseconds, split at `mid` into (start, mid] and (mid, end]."""

    start_ms: int
    mid_ms: int
    end_ms: int

    @classmethod
    def ending(cls, end_ms: int, hours: int) -> Window:
        return cls(end_ms - hours * 3_600_000, end_ms - hours * 1_800_000, end_ms)

    def params(self) -> dict[str, int]:
        return {"start_ms": self.start_ms, "mid_ms": self.mid_ms, "end_ms": self.end_ms}


def _latest_mention_ms(scope: TenantScope) -> int | None:
    row = scope.rows(
        "SELECT count() AS n, toUnixTimestamp64Milli(max(created_at)) AS latest "
        "FROM raw_social_mentions WHERE tenant_id = {tenant_id:String}")[0]
    return int(row["latest"]) if row["n"] else None


# One row per (mention, requested brand) in the window, with its sentiment (null until
# scored). `brand_key` is the lower-cased brand; the ARRAY JOIN drops posts matching none.
_WINDOW_MENTIONS = f"""
SELECT
    j.*,
    brand_key
FROM (
    SELECT
        m.platform AS platform,
        m.post_id AS post_id,
        m.parent_id IS NOT NULL AS is_repost,
        m.author_id AS author_id,
        m.author_handle AS author_handle,
        m.author_followers AS author_followers,
        m.author_verified AS author_verified,
        m.text AS text,
        m.url AS url,
        m.created_at AS created_at,
        toUnixTimestamp64Milli(m.created_at) AS created_ms,
        {REACH_SQL} AS reach,
        {ENGAGEMENT_SQL} AS engagement,
        arrayDistinct(arrayFilter(b -> has({{brands:Array(String)}}, b),
                                  arrayMap(b -> lower(b), m.matched_brands))) AS brand_keys,
        s.compound AS compound,
        s.label AS label
    FROM raw_social_mentions AS m
    LEFT JOIN (
        SELECT platform, post_id, source, compound, label
        FROM social_mentions_scored
        WHERE tenant_id = {{tenant_id:String}}
            AND created_at > fromUnixTimestamp64Milli({{start_ms:Int64}}, 'UTC')
            AND created_at <= fromUnixTimestamp64Milli({{end_ms:Int64}}, 'UTC')
    ) AS s
        ON s.platform = m.platform AND s.post_id = m.post_id AND s.source = m.source
    WHERE m.tenant_id = {{tenant_id:String}}
        AND m.created_at > fromUnixTimestamp64Milli({{start_ms:Int64}}, 'UTC')
        AND m.created_at <= fromUnixTimestamp64Milli({{end_ms:Int64}}, 'UTC')
        AND m.platform IN {{platforms:Array(String)}}
) AS j
ARRAY JOIN brand_keys AS brand_key
"""

# compound as Decimal(6) the way DuckDB's cast (the marts) makes it: a Float64 → Decimal
# conversion truncates (-0.5236 becomes -0.523599), a parse of its shortest text does not.
_COMPOUND_DECIMAL = "toDecimal128(toString(round(compound, 6)), 6)"

_BRAND_TOTALS = f"""
SELECT
    brand_key,
    countIf(NOT is_repost) AS mentions,
    countIf(is_repost) AS reposts,
    sum(reach) AS reach,
    sum(engagement) AS engagement,
    countIf(NOT is_repost AND label = 'positive') AS positive,
    countIf(NOT is_repost AND label = 'neutral') AS neutral,
    countIf(NOT is_repost AND label = 'negative') AS negative,
    countIf(NOT is_repost AND compound IS NOT NULL) AS scored,
    -- compound has 4 decimals (both scorers): decimal sums are exact, like the marts'
    -- compound_sum
    sumIf({_COMPOUND_DECIMAL}, NOT is_repost AND compound IS NOT NULL) AS compound_sum,
    countIf(NOT is_repost AND created_ms <= {{mid_ms:Int64}}) AS first_mentions,
    countIf(NOT is_repost AND created_ms > {{mid_ms:Int64}}) AS second_mentions,
    countIf(NOT is_repost AND compound IS NOT NULL AND created_ms <= {{mid_ms:Int64}})
        AS first_scored,
    countIf(NOT is_repost AND compound IS NOT NULL AND created_ms > {{mid_ms:Int64}})
        AS second_scored,
    sumIf({_COMPOUND_DECIMAL},
          NOT is_repost AND compound IS NOT NULL AND created_ms <= {{mid_ms:Int64}})
        AS first_sum,
    sumIf({_COMPOUND_DECIMAL},
          NOT is_repost AND compound IS NOT NULL AND created_ms > {{mid_ms:Int64}})
        AS second_sum
FROM ({_WINDOW_MENTIONS})
GROUP BY brand_key
"""

_TOP_POSTS = f"""
SELECT brand_key, platform, post_id, author_handle, text, url, created_at, engagement, reach,
    compound, label
FROM ({_WINDOW_MENTIONS})
WHERE NOT is_repost
ORDER BY brand_key, engagement DESC, created_at DESC, platform, post_id
LIMIT {{n:UInt32}} BY brand_key
"""

# Negative originals of the recent half, the mart's evidence order.
_EVIDENCE = f"""
SELECT brand_key, platform, post_id, text, url, engagement, compound
FROM ({_WINDOW_MENTIONS})
WHERE NOT is_repost AND label = 'negative' AND created_ms > {{mid_ms:Int64}}
    AND brand_key IN {{alerted:Array(String)}}
ORDER BY brand_key, engagement DESC, platform, post_id
LIMIT {EVIDENCE_POSTS} BY brand_key
"""

# fct_influencers' score over this window, with its weights (var influencer_score_weights):
#   100 * (w.followers * ln(1+followers)/max + w.engagement * ln(1+engagement)/max
#          + w.posts * ln(1+posts)/max) + w.verified if verified, clamped to [0, 100],
#   1 decimal; reposts made earn no engagement.
_INFLUENCERS = f"""
WITH posts AS (
    SELECT
        platform,
        post_id,
        any(is_repost) AS is_repost,
        any(author_id) AS author_id,
        any(author_handle) AS author_handle,
        any(created_at) AS created_at,
        max(author_followers) AS author_followers,
        max(author_verified) AS author_verified,
        max(engagement) AS engagement,
        groupUniqArray(brand_key) AS brands
    FROM ({_WINDOW_MENTIONS})
    GROUP BY platform, post_id
),
authors AS (
    SELECT
        platform,
        author_id,
        argMax(author_handle, (created_at, post_id)) AS author_handle,
        countIf(NOT is_repost) AS posts,
        countIf(is_repost) AS reposts_made,
        sumIf(engagement, NOT is_repost) AS total_engagement,
        max(author_followers) AS followers,
        max(author_verified) AS verified,
        arraySort(groupUniqArrayArray(brands)) AS brands_mentioned
    FROM posts
    GROUP BY platform, author_id
    HAVING posts > 0
),
scaled AS (
    SELECT *, log(1 + followers) AS f, log(1 + total_engagement) AS e, log(1 + posts) AS p
    FROM authors
),
scored AS (
    SELECT *,
        -- half away from zero like DuckDB's round (ClickHouse's round() is half-even)
        floor(10 * least(100, greatest(0,
            100 * ({_W["followers"]} * if(max(f) OVER () = 0, 0, f / max(f) OVER ())
                 + {_W["engagement"]} * if(max(e) OVER () = 0, 0, e / max(e) OVER ())
                 + {_W["posts"]} * if(max(p) OVER () = 0, 0, p / max(p) OVER ()))
            + if(verified, {_W["verified"]}, 0))) + 0.5) / 10 AS score
    FROM scaled
)
SELECT platform, author_id, author_handle, score, posts, reposts_made, total_engagement,
    followers, verified, brands_mentioned
FROM scored
ORDER BY score DESC, total_engagement DESC, followers DESC, platform, author_id
LIMIT {{n:UInt32}}
"""


def _avg(total: Decimal | None, count: int) -> Decimal | None:
    # sums over no row of a Nullable column are NULL
    return Decimal(total or 0) / count if count else None


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _hours(hours: float) -> str:
    return f"{hours:g}h"


def analyze(scope: TenantScope, request: AnalyzeRequest, now: datetime | None = None
            ) -> dict[str, Any]:
    """The SocialMediaAnalysis of `request` over (end − timeframe_hours, end].

    `end` defaults to the tenant's latest mention; with no mention at all, every brand
    reports zeros and the window is null. Returns a dict shaped like `SocialAnalysis`.
    """
    names = [request.company, *request.competitors]
    by_key = {name.lower(): name for name in names}
    generated_at = (now or datetime.now(UTC)).isoformat()
    end_ms = _ms(request.end) if request.end else _latest_mention_ms(scope)
    answer: dict[str, Any] = {
        "company": request.company, "competitors": request.competitors,
        "timeframe_hours": request.timeframe_hours, "platforms": request.platforms,
        "window_start": None, "window_end": None, "generated_at": generated_at,
    }
    totals: dict[str, dict[str, Any]] = {}
    tops: dict[str, list[dict[str, Any]]] = {key: [] for key in by_key}
    influencers: list[dict[str, Any]] = []
    window = None
    if end_ms is not None:
        window = Window.ending(end_ms, request.timeframe_hours)
        answer["window_start"] = _from_ms(window.start_ms).isoformat()
        answer["window_end"] = _from_ms(window.end_ms).isoformat()
        params = {**window.params(), "brands": list(by_key), "platforms": request.platforms}
        totals = {r["brand_key"]: r for r in scope.rows(_BRAND_TOTALS, params, _NULLS)}
        if request.top_posts and totals:
            for row in scope.rows(_TOP_POSTS, {**params, "n": request.top_posts}, _NULLS):
                tops[row.pop("brand_key")].append(_post(row))
        if request.influencers and totals:
            influencers = [
                _influencer(rank, row, by_key) for rank, row in enumerate(scope.rows(
                    _INFLUENCERS, {**params, "n": request.influencers}, _NULLS), start=1)]
    answer["brands"] = _brand_summaries(by_key, totals, tops)
    answer["sentiment_trends"] = _trends(by_key, totals)
    alerts = _crisis_alerts(by_key, totals, request)
    if alerts and window is not None:
        evidence: dict[str, list[dict[str, Any]]] = {}
        for row in scope.rows(_EVIDENCE, {**params, "alerted": [a["key"] for a in alerts]},
                              _NULLS):
            evidence.setdefault(row.pop("brand_key"), []).append(
                {**row, "engagement": int(row["engagement"])})
        for alert in alerts:
            alert["evidence"] = evidence.get(alert.pop("key"), [])
    answer["influencers"] = influencers
    answer["crisis_alerts"] = alerts
    return answer


def _post(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "engagement": int(row["engagement"]), "reach": int(row["reach"])}


def _influencer(rank: int, row: dict[str, Any], by_key: dict[str, str]) -> dict[str, Any]:
    posts = int(row["posts"])
    engagement = int(row["total_engagement"])
    return {
        "rank": rank, "platform": row["platform"], "author_id": row["author_id"],
        "author_handle": row["author_handle"], "score": float(row["score"]),
        "posts": posts, "reposts_made": int(row["reposts_made"]),
        "total_engagement": engagement, "avg_engagement": engagement / posts,
        "followers": int(row["followers"]), "verified": bool(row["verified"]),
        "brands_mentioned": sorted(by_key[k] for k in row["brands_mentioned"]),
    }


def _brand_summaries(by_key: dict[str, str], totals: dict[str, dict[str, Any]],
                     tops: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    def total(column: str) -> int:
        return sum(int(r[column]) for r in totals.values())

    all_mentions, all_reach, all_engagement = total("mentions"), total("reach"), total(
        "engagement")
    out = []
    for key, name in by_key.items():
        row = totals.get(key)
        if row is None:
            row = dict.fromkeys(("mentions", "reposts", "reach", "engagement", "positive",
                                 "neutral", "negative", "scored"), 0)
            row["compound_sum"] = None
        mentions = int(row["mentions"])
        out.append({
            "brand": name,
            "mentions": mentions,
            "reposts": int(row["reposts"]),
            "reach": int(row["reach"]),
            "engagement": int(row["engagement"]),
            "scored_mentions": int(row["scored"]),
            "sentiment_distribution": {label: int(row[label])
                                       for label in ("positive", "neutral", "negative")},
            "average_sentiment": _float(_avg(row["compound_sum"], int(row["scored"]))),
            "net_sentiment": _ratio(int(row["positive"]) - int(row["negative"]), mentions),
            "share_of_voice": _ratio(mentions, all_mentions),
            "reach_share": _ratio(int(row["reach"]), all_reach),
            "engagement_share": _ratio(int(row["engagement"]), all_engagement),
            "top_posts": tops.get(key, []),
        })
    return out


def _halves(row: dict[str, Any]) -> tuple[Decimal, Decimal] | None:
    first = _avg(row["first_sum"], int(row["first_scored"]))
    second = _avg(row["second_sum"], int(row["second_scored"]))
    return None if first is None or second is None else (first, second)


def _trends(by_key: dict[str, str], totals: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Brands with scored originals in both halves (like fct_brand_sentiment_trends)."""
    out = []
    for key, name in by_key.items():
        row = totals.get(key)
        halves = _halves(row) if row else None
        if halves is None:
            continue
        first, second = halves
        change = second - first
        trend = ("improving" if change > TREND_THRESHOLD
                 else "declining" if change < -TREND_THRESHOLD else "stable")
        out.append({"brand": name, "first_half": float(first), "second_half": float(second),
                    "first_half_mentions": int(row["first_mentions"]),
                    "second_half_mentions": int(row["second_mentions"]),
                    "change": float(change), "trend": trend})
    return out


def _crisis_alerts(by_key: dict[str, str], totals: dict[str, dict[str, Any]],
                   request: AnalyzeRequest) -> list[dict[str, Any]]:
    """The half-window rule: change < crisis_change (−0.3) crisis, < crisis_warning_change
    (−0.15) warning, with at least
    `crisis_min_mentions` original mentions in each half. (The daily mart adds a guard
    against the brand's 14-day median, which an hours-long window has no equivalent of.)"""
    out = []
    half = _hours(request.timeframe_hours / 2)
    for key, name in by_key.items():
        row = totals.get(key)
        halves = _halves(row) if row else None
        if halves is None:
            continue
        n1, n2 = int(row["first_mentions"]), int(row["second_mentions"])
        if min(n1, n2) < request.crisis_min_mentions:
            continue
        first, second = halves
        change = second - first
        if change >= WARNING_CHANGE:
            continue
        out.append({
            "key": key, "brand": name, "rule": "half_window",
            "severity": "crisis" if change < CRISIS_CHANGE else "warning",
            "first_half": float(first), "second_half": float(second), "change": float(change),
            "first_half_mentions": n1, "second_half_mentions": n2,
            "summary": f"{name}: average sentiment of original mentions fell from "
                       f"{float(first):.2f} to {float(second):.2f} ({float(change):+.2f}) "
                       f"over the last {half} vs the {half} before ({n2} vs {n1} mentions).",
        })
    return out


# --- GET /social/mentions ---------------------------------------------------------------

_MENTION_COLUMNS = f"""
    m.platform AS platform, m.post_id AS post_id, m.parent_id AS parent_id,
    m.parent_id IS NOT NULL AS is_repost, m.author_id AS author_id,
    m.author_handle AS author_handle, m.author_followers AS author_followers,
    m.author_verified AS author_verified, m.text AS text, m.lang AS lang, m.url AS url,
    m.created_at AS created_at, toUnixTimestamp64Milli(m.created_at) AS created_ms,
    m.likes AS likes, m.reposts AS reposts, m.replies AS replies,
    m.impressions AS impressions, {REACH_SQL} AS reach, {ENGAGEMENT_SQL} AS engagement,
    m.matched_brands AS matched_brands, m.source AS source,
    s.compound AS compound, s.label AS label, s.model_version AS model_version"""


def mentions(scope: TenantScope, query: MentionsQuery) -> dict[str, Any]:
    """One page of mentions, newest first (ties: platform, post_id, source, descending).

    Returns {items, next_cursor}; next_cursor is null on the last page.
    """
    where = ["m.tenant_id = {tenant_id:String}"]
    scored_where = ["tenant_id = {tenant_id:String}"]
    params: dict[str, Any] = {"limit": query.limit + 1}
    if query.date_from is not None:
        params["from_ms"] = _day_ms(query.date_from)
        where.append("m.created_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')")
        scored_where.append("created_at >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC')")
    if query.date_to is not None:
        params["to_ms"] = _day_ms(query.date_to + timedelta(days=1))
        where.append("m.created_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')")
        scored_where.append("created_at < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')")
    if query.platform:
        params["platforms"] = query.platform
        where.append("m.platform IN {platforms:Array(String)}")
    if query.brand:
        params["brands"] = query.brand
        where.append("hasAny(arrayMap(b -> lower(b), m.matched_brands), {brands:Array(String)})")
    if query.label:
        params["labels"] = query.label
        where.append("s.label IN {labels:Array(String)}")
    if query.cursor:
        c_ms, c_platform, c_post, c_source = parse_mention_cursor(query.cursor)
        params.update(c_ms=c_ms, c_platform=c_platform, c_post=c_post, c_source=c_source)
        where.append("(m.created_at, m.platform, m.post_id, m.source) < "
                     "(fromUnixTimestamp64Milli({c_ms:Int64}, 'UTC'), {c_platform:String}, "
                     "{c_post:String}, {c_source:String})")
    sql = f"""
        SELECT {_MENTION_COLUMNS}
        FROM raw_social_mentions AS m
        LEFT JOIN (
            SELECT platform, post_id, source, compound, label, model_version
            FROM social_mentions_scored
            WHERE {' AND '.join(scored_where)}
        ) AS s
            ON s.platform = m.platform AND s.post_id = m.post_id AND s.source = m.source
        WHERE {' AND '.join(where)}
        ORDER BY m.created_at DESC, m.platform DESC, m.post_id DESC, m.source DESC
        LIMIT {{limit:UInt32}}
    """
    rows = scope.rows(sql, params, _NULLS)
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor([int(last["created_ms"]), last["platform"],
                                     last["post_id"], last["source"]])
    items = []
    for row in rows:
        row.pop("created_ms")
        for column in ("author_followers", "likes", "reposts", "replies", "impressions",
                       "reach", "engagement"):
            row[column] = int(row[column])
        row["author_verified"] = bool(row["author_verified"])
        row["is_repost"] = bool(row["is_repost"])
        items.append(row)
    return {"items": items, "next_cursor": next_cursor}


# --- mart reads -------------------------------------------------------------------------


def brand_sentiment(scope: TenantScope, query: SentimentQuery) -> list[dict[str, Any]]:
    """Daily sentiment per brand (and platform when `by_platform`) from
    mart_brand_sentiment_daily, oldest day first. Shares and averages over several
    platforms are re-derived from the mart's counts and exact compound sums."""
    where = ["tenant_id = {tenant_id:String}"]
    params: dict[str, Any] = {}
    date_filters(query.date_from, query.date_to, "mention_date", where, params)
    if query.brand:
        params["brands"] = query.brand
        where.append("lower(brand) IN {brands:Array(String)}")
    if query.platform:
        params["platforms"] = query.platform
        where.append("platform IN {platforms:Array(String)}")
    platform = "platform" if query.by_platform else "CAST(NULL AS Nullable(String))"
    group = "mention_date, brand" + (", platform" if query.by_platform else "")
    rows = scope.rows(f"""
        SELECT mention_date, brand, {platform} AS platform,
            sum(mentions) AS mentions, sum(reposts) AS reposts, sum(reach) AS reach,
            sum(engagement) AS engagement, sum(positive) AS positive,
            sum(neutral) AS neutral, sum(negative) AS negative,
            sum(scored_mentions) AS scored_mentions, sum(compound_sum) AS compound_sum
        FROM mart_brand_sentiment_daily
        WHERE {' AND '.join(where)}
        GROUP BY {group}
        ORDER BY {group}
    """, params)
    out = []
    for row in rows:
        counts = {k: int(row[k] or 0) for k in ("mentions", "reposts", "reach", "engagement",
                                                "positive", "neutral", "negative",
                                                "scored_mentions")}
        mentions_ = counts["mentions"]
        out.append({
            "mention_date": row["mention_date"], "brand": row["brand"],
            "platform": row["platform"], **counts,
            "positive_share": _ratio(counts["positive"], mentions_),
            "neutral_share": _ratio(counts["neutral"], mentions_),
            "negative_share": _ratio(counts["negative"], mentions_),
            "avg_compound": _ratio(row["compound_sum"], counts["scored_mentions"]),
            "net_sentiment": _ratio(counts["positive"] - counts["negative"], mentions_),
        })
    return out


def share_of_voice(scope: TenantScope, query: ShareOfVoiceQuery) -> dict[str, Any]:
    """Daily share of voice for one metric from mart_share_of_voice_daily, plus each
    brand's share of the whole range (of every brand's total, also when `brand` filters)."""
    where = ["tenant_id = {tenant_id:String}", "metric = {metric:String}"]
    params: dict[str, Any] = {"metric": query.metric}
    date_filters(query.date_from, query.date_to, "mention_date", where, params)
    totals = scope.rows(f"""
        SELECT brand, sum(value) AS value FROM mart_share_of_voice_daily
        WHERE {' AND '.join(where)} GROUP BY brand ORDER BY value DESC, brand
    """, params)
    grand = sum(int(r["value"] or 0) for r in totals)
    if query.brand:
        params["brands"] = query.brand
        where.append("lower(brand) IN {brands:Array(String)}")
    daily = scope.rows(f"""
        SELECT mention_date, brand, value, metric_total, share, brand_rank
        FROM mart_share_of_voice_daily
        WHERE {' AND '.join(where)}
        ORDER BY mention_date, brand_rank, brand
    """, params)
    wanted = set(query.brand)
    return {
        "metric": query.metric,
        "daily": daily,
        "total": [{"brand": r["brand"], "value": int(r["value"] or 0),
                   "share": _ratio(int(r["value"] or 0), grand) or 0.0}
                  for r in totals if not wanted or r["brand"].lower() in wanted],
    }


def influencers(scope: TenantScope, query: InfluencersQuery) -> dict[str, Any]:
    """The mart_influencers ranking as of `as_of_date` (default: the latest day)."""
    as_of = query.as_of_date
    if as_of is None:
        row = scope.rows("SELECT count() AS n, max(as_of_date) AS latest FROM mart_influencers "
                         "WHERE tenant_id = {tenant_id:String}")[0]
        as_of = row["latest"] if row["n"] else None
    if as_of is None:
        return {"as_of_date": None, "window_days": None, "influencers": []}
    where = ["tenant_id = {tenant_id:String}", "as_of_date = {as_of:Date}"]
    params: dict[str, Any] = {"as_of": as_of, "n": query.limit}
    if query.platform:
        params["platforms"] = query.platform
        where.append("platform IN {platforms:Array(String)}")
    rows = scope.rows(f"""
        SELECT influencer_rank, platform, author_id, author_handle, score, posts,
            reposts_made, total_engagement, avg_engagement, followers, verified,
            brands_mentioned, window_days
        FROM mart_influencers
        WHERE {' AND '.join(where)}
        ORDER BY influencer_rank
        LIMIT {{n:UInt32}}
    """, params)
    window_days = rows[0]["window_days"] if rows else None
    for row in rows:
        row.pop("window_days")
    return {"as_of_date": as_of, "window_days": window_days, "influencers": rows}


def latest_social_day(scope: TenantScope) -> date | None:
    """The latest day of mart_brand_sentiment_daily for the tenant (None without data)."""
    row = scope.rows("SELECT count() AS n, max(mention_date) AS latest "
                     "FROM mart_brand_sentiment_daily WHERE tenant_id = {tenant_id:String}")[0]
    return row["latest"] if row["n"] else None


def crisis_alerts(scope: TenantScope, brands: list[str], platforms: list[str],
                  timeframe_hours: int, query: MonitorAlertsQuery) -> dict[str, Any]:
    """mart_crisis_alerts of `brands` (case-insensitive; all when empty) over the query's
    days; by default
    the ceil(timeframe_hours / 24) days ending at the tenant's latest social day. The rules
    run over all platforms; evidence posts are limited to `platforms`. Newest first."""
    date_from, date_to = query.date_from, query.date_to
    if date_from is None and date_to is None:
        date_to = latest_social_day(scope)
        if date_to is not None:
            date_from = date_to - timedelta(days=math.ceil(timeframe_hours / 24) - 1)
    answer: dict[str, Any] = {"date_from": date_from, "date_to": date_to, "alerts": []}
    if date_from is None and date_to is None:
        return answer
    where = ["tenant_id = {tenant_id:String}"]
    params: dict[str, Any] = {}
    if brands:  # none: every brand of the tenant
        where.append("lower(brand) IN {brands:Array(String)}")
        params["brands"] = [b.lower() for b in brands]
    date_filters(date_from, date_to, "alert_date", where, params)
    if query.severity:
        params["severity"] = query.severity
        where.append("severity IN {severity:Array(String)}")
    rows = scope.rows(f"""
        SELECT alert_date, brand, rule, severity, value, baseline, change, z_score, mentions,
            negative_mentions, negative_share, evidence_post_ids, evidence_platforms,
            evidence_texts, evidence_urls, summary
        FROM mart_crisis_alerts
        WHERE {' AND '.join(where)}
        ORDER BY alert_date DESC, severity_rank DESC, brand, rule
    """, params)
    allowed = set(platforms)
    for row in rows:
        evidence = zip(row.pop("evidence_platforms"), row.pop("evidence_post_ids"),
                       row.pop("evidence_texts"), row.pop("evidence_urls"), strict=True)
        row["evidence"] = [{"platform": p, "post_id": i, "text": t, "url": u}
                           for p, i, t, u in evidence if not allowed or p in allowed]
    answer["alerts"] = rows
    return answer


MENTION_DATASETS = ("raw_social_mentions", "social_mentions_scored")
ANALYZE = QueryRunner("social.analyze", AnalyzeRequest, MENTION_DATASETS, analyze)
MENTIONS = QueryRunner("social.mentions", MentionsQuery, MENTION_DATASETS, mentions)
SENTIMENT = QueryRunner("social.sentiment", SentimentQuery, ("mart_brand_sentiment_daily",),
                        brand_sentiment)
SHARE_OF_VOICE = QueryRunner("social.share_of_voice", ShareOfVoiceQuery,
                             ("mart_share_of_voice_daily",), share_of_voice)
INFLUENCERS = QueryRunner("social.influencers", InfluencersQuery, ("mart_influencers",),
                          influencers)
CRISIS_ALERTS = QueryRunner(
    "social.crisis_alerts", CrisisAlertsQuery, ("mart_crisis_alerts",),
    lambda scope, query: crisis_alerts(scope, query.brand, [], 24, query))
