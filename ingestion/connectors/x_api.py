"""X (Twitter) API v2 recent search -> raw_social_mentions.

One query per run: every brand name, alias and hashtag OR-joined, limited to the day's
UTC window, 100 tweets per page, following `meta.next_token`. Recent search only serves
the last 7 days; older days fail with the API's own message. The query must fit the
plan's length limit (512 characters on Basic), which a handful of brands does.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import date, datetime, timedelta
from typing import Any

import httpx

from ingestion.brands import Brand
from ingestion.connectors._query import search_query
from ingestion.connectors._rows import (
    BatchBuilder,
    NotConfiguredError,
    as_int,
    day_window,
    in_window,
    mention_row,
    missing_settings,
    parse_rfc3339,
    resolve_now,
)
from ingestion.http_policy import ClientFactory, Clock, HttpPolicy, Sleep, paginate
from warehouse.settings import ConnectorSettings
from warehouse.source_batch import SourceBatch

logger = logging.getLogger(__name__)

NAME = "x"
SOURCE = "x_api"
TARGET_TABLE = "raw_social_mentions"
PAGE_SIZE = 100
TWEET_FIELDS = "created_at,public_metrics,author_id,lang,referenced_tweets"
USER_FIELDS = "username,public_metrics,verified"
# X rejects an end_time less than 10 s before the request; keep a safe distance.
END_TIME_MARGIN = timedelta(seconds=30)
# A retweet or quote points at the post it amplifies; a reply is an opinion of its own.
_PARENT_TYPES = ("retweeted", "quoted")


def skip_reason(settings: ConnectorSettings) -> str | None:
    """Return why the X connector cannot run, or None when it is configured."""
    return missing_settings(("SIGHTLINE_X_BEARER_TOKEN", settings.x_bearer_token))


def fetch(
    settings: ConnectorSettings,
    brands: tuple[Brand, ...],
    day: date,
    *,
    client_factory: ClientFactory = httpx.Client,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
    clock: Clock = time.time,
    now: datetime | None = None,
) -> SourceBatch:
    """Fetch the tweets mentioning `brands` created on UTC `day`.

    Returns a SourceBatch with `raw_social_mentions` rows and quarantined pages/records.
    Raises NotConfiguredError when the token is missing and ConnectorError when the API
    fails for good (nothing partial is returned then).
    """
    reason = skip_reason(settings)
    if reason:
        raise NotConfiguredError(f"{NAME}: {reason}")
    ingested_at = resolve_now(now)
    builder = BatchBuilder(settings, SOURCE, TARGET_TABLE, day, ingested_at)
    window = day_window(day)
    end_time = min(window[1], ingested_at - END_TIME_MARGIN)
    query = search_query(brands, hashtags=True)
    if not query or end_time <= window[0]:
        logger.warning(
            "%s: nothing to search for %s (no brands, or the day has not begun)", NAME, day
        )
        return builder.build()

    url = f"{settings.x_base_url.rstrip('/')}/2/tweets/search/recent"
    params = {
        "query": query,
        "start_time": _rfc3339(window[0]),
        "end_time": _rfc3339(end_time),
        "max_results": str(PAGE_SIZE),
        "tweet.fields": TWEET_FIELDS,
        "expansions": "author_id",
        "user.fields": USER_FIELDS,
    }
    headers = {"Authorization": f"Bearer {settings.x_bearer_token}"}

    with HttpPolicy(
        NAME,
        settings,
        credentials_hint="check SIGHTLINE_X_BEARER_TOKEN (an app-only bearer token)",
        client_factory=client_factory,
        sleep=sleep,
        rng=rng,
        clock=clock,
    ) as http:

        def fetch_page(token: str, page_number: int) -> tuple[list[dict[str, Any]], str | None]:
            page_params = {**params, "next_token": token} if token else params
            response = http.request("GET", url, params=page_params, headers=headers)
            body = builder.page_json(response, page_number, _envelope_problem)
            if body is None:
                return [], None
            page_url = str(response.request.url)
            rows = _page_rows(body, settings, brands, window, builder, page_url, page_number)
            next_token = body["meta"].get("next_token")
            return rows, next_token or None

        for rows in paginate(fetch_page, "", max_pages=settings.max_pages, what=f"{NAME} {day}"):
            builder.rows.extend(rows)
    return builder.build()


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _envelope_problem(body: dict[str, Any]) -> str:
    meta = body.get("meta")
    if not isinstance(meta, dict):
        errors = body.get("errors")
        extra = f"; errors: {errors}" if errors else ""
        return f"page has no 'meta' object{extra}"
    if not isinstance(body.get("data", []), list):
        return "'data' is not a list"
    includes = body.get("includes", {})
    if not isinstance(includes, dict) or not isinstance(includes.get("users", []), list):
        return "'includes.users' is not a list"
    token = meta.get("next_token")
    if token is not None and not isinstance(token, str):
        return "'meta.next_token' is not a string"
    return ""


def _page_rows(
    body: dict[str, Any],
    settings: ConnectorSettings,
    brands: tuple[Brand, ...],
    window: tuple[datetime, datetime],
    builder: BatchBuilder,
    page_url: str,
    page_number: int,
) -> list[dict[str, Any]]:
    users = {
        user["id"]: user
        for user in body.get("includes", {}).get("users", [])
        if isinstance(user, dict) and isinstance(user.get("id"), str)
    }
    rows = []
    for index, tweet in enumerate(body.get("data", []), start=1):
        created_at, problem = _check_tweet(tweet)
        if problem:
            builder.quarantine_record(
                page_url, page_number, tweet, f"tweet {index} on page {page_number}: {problem}"
            )
            continue
        if not in_window(created_at, window):
            continue
        rows.append(
            _row(tweet, created_at, users.get(tweet["author_id"]), settings, brands, builder.now)
        )
    return rows


def _check_tweet(tweet: Any) -> tuple[datetime, str]:
    if not isinstance(tweet, dict):
        return datetime.min, "not an object"
    missing = [
        k for k in ("id", "text", "created_at", "author_id") if not isinstance(tweet.get(k), str)
    ]
    if missing:
        return datetime.min, f"missing {', '.join(missing)}"
    try:
        return parse_rfc3339(tweet["created_at"]), ""
    except ValueError:
        return datetime.min, f"created_at {tweet['created_at']!r} is not RFC 3339"


def _row(
    tweet: dict[str, Any],
    created_at: datetime,
    user: dict[str, Any] | None,
    settings: ConnectorSettings,
    brands: tuple[Brand, ...],
    ingested_at: datetime,
) -> dict[str, Any]:
    metrics = tweet.get("public_metrics") or {}
    user = user or {}
    username = user.get("username") if isinstance(user.get("username"), str) else ""
    parent_id = next(
        (
            ref.get("id")
            for ref in tweet.get("referenced_tweets") or []
            if isinstance(ref, dict) and ref.get("type") in _PARENT_TYPES
        ),
        None,
    )
    # Without the author expansion there is no username; this URL form still resolves.
    url = f"https://x.com/{username or 'i/web'}/status/{tweet['id']}"
    return mention_row(
        settings,
        brands,
        platform="x",
        post_id=tweet["id"],
        parent_id=parent_id,
        author_id=tweet["author_id"],
        author_handle=username,
        author_followers=as_int((user.get("public_metrics") or {}).get("followers_count")),
        author_verified=user.get("verified") is True,
        text=tweet["text"],
        lang=tweet.get("lang"),
        url=url,
        created_at=created_at,
        likes=as_int(metrics.get("like_count")),
        reposts=as_int(metrics.get("retweet_count")) + as_int(metrics.get("quote_count")),
        replies=as_int(metrics.get("reply_count")),
        impressions=as_int(metrics.get("impression_count")),
        source=SOURCE,
        ingested_at=ingested_at,
    )
