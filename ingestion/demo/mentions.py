"""Social mentions (RAW_SOCIAL_MENTIONS rows) for one tenant-day.

Volumes per brand follow a fixed share of voice with a weekend dip; the crisis brand
gets ~5x volume on the crisis day (mostly outage/breach/refund complaints) and the
launch brand ~3x on the launch day and the day after (mostly praise). About 13% of
posts are reposts of an earlier post of the same day. Text is rendered per post (a few
hundred a day); numbers are drawn vectorized.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from ingestion.brands import DEMO_TENANTS, Brand, match_brands
from ingestion.demo.authors import PLATFORM_WEIGHTS, PLATFORMS, AuthorPool, author_pool
from ingestion.demo.clock import (
    MS_PER_DAY,
    MS_PER_HOUR,
    day_start_ms,
    is_weekend,
    sample_time_of_day,
)
from ingestion.demo.config import DemoConfig
from ingestion.demo.rng import Stream, pick, stable_hash, stream_rng
from ingestion.demo.text import TOPIC_TAGS, Story, Tone, brand_reference, render, templates_for
from warehouse.raw_schemas import RAW_SOCIAL_MENTIONS, TIMESTAMP

CRISIS_MULTIPLIER = 5.0
LAUNCH_MULTIPLIER = 3.0
_REPOST_RATIO = 0.15  # reposts per original post: ~13% of all posts are reposts
_PAIR_RATE = 0.18  # original posts naming a second brand
_TAG_RATE = 0.2  # posts ending with a topic hashtag
_LAST_POST_MS = MS_PER_DAY - 60_000  # originals stop a minute early so reposts fit the day

# Share-of-voice weights: the company, then its competitors in the tenant's order.
_COMPANY_WEIGHT = 1.6
_COMPETITOR_WEIGHTS = (1.0, 0.8, 0.6, 0.5)
# (positive, neutral, negative) on an ordinary day; competitors drift more negative.
_COMPANY_TONE = (0.42, 0.36, 0.22)
_STORY_TONE = {Story.CRISIS: (0.04, 0.08, 0.88), Story.LAUNCH: (0.72, 0.20, 0.08)}

_ENGAGEMENT_RATE = np.array([0.02, 0.05, 0.015])  # x, reddit, linkedin: likes per reach
_SHARE_RATE = np.array([0.15, 0.05, 0.08])  # reposts per like
_TONE_ENGAGEMENT = np.array([1.0, 0.6, 1.3])  # outrage travels
_STORY_ENGAGEMENT = np.array([1.0, 2.0, 1.5])
_REPOST_ENGAGEMENT = 0.15  # a repost collects a fraction of an original's likes
_SUBREDDITS = ("analytics", "dataengineering", "SaaS", "startups", "BusinessIntelligence", "devops")
_X = PLATFORMS.index("x")
_X_EPOCH_MS = 1_288_834_974_657  # snowflake ids count from here
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def story_brand_indices(
    brands: tuple[Brand, ...], day: date, config: DemoConfig
) -> tuple[int | None, int | None]:
    """Return (crisis brand index, launch brand index) among `brands` for `day`, or None
    where the storyline is off that day or the brand is not tracked."""
    names = [b.name for b in brands]
    crisis = launch = None
    if config.crisis_day == day:
        wanted = config.crisis_brand or next(b.name for b in brands if b.is_company)
        crisis = names.index(wanted) if wanted in names else None
    if config.launch_day is not None and day in (
        config.launch_day,
        config.launch_day + timedelta(days=1),
    ):
        competitors = [b.name for b in brands if not b.is_company]
        wanted = config.launch_brand or (competitors[0] if competitors else None)
        launch = names.index(wanted) if wanted in names else None
    return crisis, launch


def _tone_table(brands: tuple[Brand, ...]) -> np.ndarray:
    rows, rank = [], 0
    for brand in brands:
        if brand.is_company:
            rows.append(_COMPANY_TONE)
            continue
        drift = 0.03 * rank
        rows.append((0.38 - drift, 0.42, 0.20 + drift))
        rank += 1
    return np.array(rows)


def _share_weights(brands: tuple[Brand, ...]) -> np.ndarray:
    weights, rank = [], 0
    for brand in brands:
        if brand.is_company:
            weights.append(_COMPANY_WEIGHT)
        else:
            weights.append(_COMPETITOR_WEIGHTS[rank % len(_COMPETITOR_WEIGHTS)])
            rank += 1
    w = np.array(weights)
    return w / w.sum()


def _base36(value: int) -> str:
    digits = []
    while True:
        value, r = divmod(value, 36)
        digits.append(_BASE36[r])
        if value == 0:
            return "".join(reversed(digits))


def _post_url(platform: str, handle: str, created_ms: int, serial: int, salt: int) -> str:
    # Ids shaped like the platform's own: a time-ordered 64-bit id, unique per serial.
    snowflake = ((created_ms - _X_EPOCH_MS) << 22) | ((salt & 0x3FF) << 12) | (serial & 0xFFF)
    if platform == "x":
        return f"https://x.com/{handle}/status/{snowflake}"
    if platform == "linkedin":
        return f"https://www.linkedin.com/feed/update/urn:li:activity:{snowflake}/"
    sub = _SUBREDDITS[(salt + serial) % len(_SUBREDDITS)]
    return f"https://www.reddit.com/r/{sub}/comments/{_base36(snowflake)}/"


@dataclass
class _Posts:
    """Posts of a tenant-day in generation order (originals first, then reposts)."""

    platform: np.ndarray  # index into PLATFORMS
    author: np.ndarray  # row in the platform's author pool
    followers: np.ndarray  # uint64
    created: np.ndarray  # ms since the day's start
    tone: np.ndarray  # Tone
    likes: np.ndarray
    parent: np.ndarray  # index of the reposted post, -1 for originals
    texts: list[str]


def generate_mentions(tenant: str, day: date, config: DemoConfig, ingested_at_ms: int) -> pa.Table:
    """Return one tenant-day of mentions with the RAW_SOCIAL_MENTIONS schema, ordered by
    created_at. Raises KeyError for a tenant missing from DEMO_TENANTS."""
    brands = DEMO_TENANTS[tenant].brands
    rng = stream_rng(config.seed, tenant, day.toordinal(), Stream.MENTIONS)
    pools = [author_pool(config.seed, p) for p in PLATFORMS]
    originals = _originals(rng, brands, day, config, pools)
    posts = _with_reposts(rng, originals, pools)
    return _to_table(rng, tenant, day, brands, posts, pools, ingested_at_ms)


def _originals(
    rng: np.random.Generator,
    brands: tuple[Brand, ...],
    day: date,
    config: DemoConfig,
    pools: list[AuthorPool],
) -> _Posts:
    crisis, launch = story_brand_indices(brands, day, config)
    # Weekends are quieter, but news does not wait for Monday: storyline brands get
    # their multiple of a weekday's volume.
    dip = 1.0 - (1.0 - config.weekend_factor) * 0.5 if is_weekend(day) else 1.0
    multiplier = np.full(len(brands), dip)
    if launch is not None:
        multiplier[launch] = LAUNCH_MULTIPLIER
    if crisis is not None:
        multiplier[crisis] = CRISIS_MULTIPLIER
    expected = config.mentions_per_day / (1 + _REPOST_RATIO) * _share_weights(brands)
    primary = np.repeat(np.arange(len(brands)), rng.poisson(expected * multiplier))
    n = len(primary)

    story = np.full(n, int(Story.EVERYDAY))
    if launch is not None:
        story[primary == launch] = Story.LAUNCH
    if crisis is not None:
        story[primary == crisis] = Story.CRISIS
    tone_p = _tone_table(brands)[primary]
    for s, probs in _STORY_TONE.items():
        tone_p[story == s] = probs
    u = rng.random(n)
    tone = (u >= tone_p[:, 0]).astype(np.int64) + (u >= tone_p[:, 0] + tone_p[:, 1])
    pair = (rng.random(n) < _PAIR_RATE) & (len(brands) > 1)
    other = (primary + 1 + rng.integers(0, max(len(brands) - 1, 1), n)) % len(brands)
    platform = pick(rng.random(n), PLATFORM_WEIGHTS)
    author, followers = _draw_authors(pools, platform, rng.random(n))

    # When: the diurnal curve; crisis chatter piles up after the incident starts.
    created = sample_time_of_day(rng, n, _LAST_POST_MS)
    incident_ms = int(rng.integers(7 * MS_PER_HOUR, 12 * MS_PER_HOUR))
    after = incident_ms + (3 * MS_PER_HOUR * rng.standard_exponential(n)).astype(np.int64)
    spill = incident_ms + (rng.random(n) * (_LAST_POST_MS - incident_ms)).astype(np.int64)
    in_crisis = story == Story.CRISIS
    created = np.where(in_crisis, np.where(after < _LAST_POST_MS, after, spill), created)

    reach = followers.astype(np.float64) ** 0.85 * _ENGAGEMENT_RATE[platform]
    mu = reach * _TONE_ENGAGEMENT[tone] * _STORY_ENGAGEMENT[story] * rng.lognormal(0, 0.7, n)
    texts = _render_texts(rng.random((n, 4)), brands, primary, other, tone, story, pair)
    return _Posts(
        platform,
        author,
        followers,
        created,
        tone,
        rng.poisson(mu),
        np.full(n, -1, dtype=np.int64),
        texts,
    )


def _render_texts(
    u: np.ndarray,
    brands: tuple[Brand, ...],
    primary: np.ndarray,
    other: np.ndarray,
    tone: np.ndarray,
    story: np.ndarray,
    pair: np.ndarray,
) -> list[str]:
    """One text per post; u holds (template, brand reference, other reference, tag)."""
    texts: list[str] = []
    for i in range(len(primary)):
        choices = templates_for(Tone(tone[i]), Story(story[i]), bool(pair[i]))
        text = render(
            choices[int(u[i, 0] * len(choices))],
            brand_reference(brands[primary[i]], u[i, 1]),
            brand_reference(brands[other[i]], u[i, 2]),
        )
        if u[i, 3] < _TAG_RATE:
            text = f"{text} {TOPIC_TAGS[int(u[i, 3] / _TAG_RATE * len(TOPIC_TAGS))]}"
        texts.append(text)
    return texts


def _with_reposts(rng: np.random.Generator, o: _Posts, pools: list[AuthorPool]) -> _Posts:
    """Append reposts: same platform and text as an earlier original (x adds "RT
    @handle:"), favouring popular posts, posted later the same day."""
    n = len(o.texts)
    k = int(rng.poisson(_REPOST_RATIO * n)) if n else 0
    weights = np.sqrt(o.likes + 1.0)
    parent = rng.choice(n, k, p=weights / weights.sum()) if k else np.zeros(0, np.int64)
    platform = o.platform[parent]
    author, followers = _draw_authors(pools, platform, rng.random(k))
    room = MS_PER_DAY - 1 - o.created[parent] - 1_000  # originals end a minute early
    created = o.created[parent] + 1_000 + (room * rng.random(k) ** 3).astype(np.int64)
    texts = [
        f"RT @{pools[_X].handles[o.author[p]]}: {o.texts[p]}" if o.platform[p] == _X else o.texts[p]
        for p in parent
    ]
    mu = (
        followers.astype(np.float64) ** 0.85
        * _ENGAGEMENT_RATE[platform]
        * _REPOST_ENGAGEMENT
        * rng.lognormal(0, 0.7, k)
    )
    return _Posts(
        np.concatenate([o.platform, platform]),
        np.concatenate([o.author, author]),
        np.concatenate([o.followers, followers]),
        np.concatenate([o.created, created]),
        np.concatenate([o.tone, o.tone[parent]]),
        np.concatenate([o.likes, rng.poisson(mu)]),
        np.concatenate([o.parent, parent]),
        o.texts + texts,
    )


def _to_table(
    rng: np.random.Generator,
    tenant: str,
    day: date,
    brands: tuple[Brand, ...],
    posts: _Posts,
    pools: list[AuthorPool],
    ingested_at_ms: int,
) -> pa.Table:
    total = len(posts.texts)
    is_repost = posts.parent >= 0
    shares = rng.poisson(posts.likes * _SHARE_RATE[posts.platform])
    # a post has at least as many reposts as we generated of it
    shares = np.maximum(shares, np.bincount(posts.parent[is_repost], minlength=total))
    replies = rng.poisson(posts.likes * (0.06 + 0.12 * (posts.tone == Tone.NEGATIVE)))
    seen = posts.followers.astype(np.float64) * rng.uniform(0.15, 1.0, total)
    impressions = posts.likes + (seen + posts.likes * rng.uniform(8, 25, total)).astype(np.int64)

    # Order by time; number posts per platform in that order; then resolve parents.
    order = np.lexsort((np.arange(total), posts.created))
    serial = np.zeros(total, dtype=np.int64)
    for k in range(len(PLATFORMS)):
        rows = order[posts.platform[order] == k]
        serial[rows] = np.arange(len(rows))
    ymd = day.strftime("%Y%m%d")
    post_ids = [f"{tenant}-{PLATFORMS[posts.platform[i]]}-{ymd}-{serial[i]}" for i in range(total)]

    start, salt = day_start_ms(day), stable_hash(tenant)
    rows = order.tolist()
    platforms = [PLATFORMS[posts.platform[i]] for i in rows]
    authors = [(pools[posts.platform[i]], posts.author[i]) for i in rows]
    handles = [pool.handles[a] for pool, a in authors]
    columns: dict[str, pa.Array] = {
        "tenant_id": pa.array([tenant] * total, pa.string()),
        "platform": pa.array(platforms, pa.string()),
        "post_id": pa.array([post_ids[i] for i in rows], pa.string()),
        "parent_id": pa.array(
            [post_ids[posts.parent[i]] if is_repost[i] else None for i in rows], pa.string()
        ),
        "author_id": pa.array([pool.ids[a] for pool, a in authors], pa.string()),
        "author_handle": pa.array(handles, pa.string()),
        "author_followers": pa.array(posts.followers[order], pa.uint64()),
        "author_verified": pa.array([bool(pool.verified[a]) for pool, a in authors], pa.bool_()),
        "text": pa.array([posts.texts[i] for i in rows], pa.string()),
        "lang": pa.array(["en"] * total, pa.string()),
        "url": pa.array(
            [
                _post_url(p, h, start + int(posts.created[i]), int(serial[i]), salt)
                for p, h, i in zip(platforms, handles, rows, strict=True)
            ],
            pa.string(),
        ),
        "created_at": pa.array(start + posts.created[order], pa.int64()).cast(TIMESTAMP),
        "likes": pa.array(posts.likes[order], pa.uint64()),
        "reposts": pa.array(shares[order], pa.uint64()),
        "replies": pa.array(replies[order], pa.uint64()),
        "impressions": pa.array(impressions[order], pa.uint64()),
        "matched_brands": pa.array(
            [_brands_named(posts.texts[i], brands) for i in rows], pa.list_(pa.string())
        ),
        "source": pa.array(["demo"] * total, pa.string()),
        "ingested_at": pa.array(np.full(total, ingested_at_ms), pa.int64()).cast(TIMESTAMP),
    }
    return pa.Table.from_arrays(
        [columns[f.name] for f in RAW_SOCIAL_MENTIONS], schema=RAW_SOCIAL_MENTIONS
    )


def _draw_authors(
    pools: list[AuthorPool], platform: np.ndarray, u: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return (author row, followers) per post, each from its platform's pool."""
    author = np.zeros(len(platform), dtype=np.int64)
    followers = np.zeros(len(platform), dtype=np.uint64)
    for k, pool in enumerate(pools):
        mask = platform == k
        author[mask] = pool.draw(u[mask])
        followers[mask] = pool.followers[author[mask]]
    return author, followers


def _brands_named(text: str, brands: tuple[Brand, ...]) -> list[str]:
    named = match_brands(text, brands)
    if not named:  # a template that fails to name its brand is a bug, not data
        raise RuntimeError(f"demo mention names no tracked brand: {text!r}")
    return named
