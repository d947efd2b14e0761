"""Reddit search (application-only OAuth) -> raw_social_mentions.

Gets a client-credentials token, then walks `/search?sort=new` newest first, 100 links a
page, following `after` until it is null or the page reaches posts older than the day.
Only posts created inside the day's UTC window are kept. `raw_json=1` asks Reddit not to
HTML-escape text (`&amp;` ...). Reddit has no hashtags, so brand hashtags are searched as
plain words.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, date, datetime
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
    json_object,
    mention_row,
    missing_settings,
    resolve_now,
)
from ingestion.http_policy import (
    ClientFactory,
    Clock,
    ConnectorError,
    HttpPolicy,
    Sleep,
    paginate,
)
from warehouse.settings import ConnectorSettings
from warehouse.source_batch import SourceBatch

logger = logging.getLogger(__name__)

NAME = "reddit"
SOURCE = "reddit_api"
TARGET_TABLE = "raw_social_mentions"
PAGE_SIZE = 100
# Reddit throttles generic user agents; it asks for <platform>:<app id>:<version>.
USER_AGENT = "python:io.sightline.connector:v0.1 (self-hosted analytics)"
CREDENTIALS_HINT = (
    "check SIGHTLINE_REDDIT_CLIENT_ID and SIGHTLINE_REDDIT_CLIENT_SECRET "
    "(a 'script' or 'web' app at https://www.reddit.com/prefs/apps)"
)
_REQUIRED = {"id": str, "author": str, "title": str, "permalink": str, "created_utc": (int, float)}


def skip_reason(settings: ConnectorSettings) -> str | None:
    """Return why the Reddit connector cannot run, or None when it is configured."""
    return missing_settings(
        ("SIGHTLINE_REDDIT_CLIENT_ID", settings.reddit_client_id),
        ("SIGHTLINE_REDDIT_CLIENT_SECRET", settings.reddit_client_secret),
    )


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
    """Fetch the Reddit links mentioning `brands` created on UTC `day`.

    Returns a SourceBatch with `raw_social_mentions` rows and quarantined pages/records.
    Raises NotConfiguredError when credentials are missing and ConnectorError when the
    token request or the API fails for good (nothing partial is returned then).
    """
    reason = skip_reason(settings)
    if reason:
        raise NotConfiguredError(f"{NAME}: {reason}")
    builder = BatchBuilder(settings, SOURCE, TARGET_TABLE, day, resolve_now(now))
    window = day_window(day)
    query = search_query(brands, hashtags=False)
    if not query:
        logger.warning("%s: no brands to search for on %s", NAME, day)
        return builder.build()

    with HttpPolicy(
        NAME,
        settings,
        credentials_hint=CREDENTIALS_HINT,
        client_factory=client_factory,
        sleep=sleep,
        rng=rng,
        clock=clock,
    ) as http:
        token = _access_token(http, settings)
        url = f"{settings.reddit_base_url.rstrip('/')}/search"
        headers = {"Authorization": f"Bearer {token}", "User-Agent": USER_AGENT}
        params = {
            "q": query,
            "sort": "new",
            "limit": str(PAGE_SIZE),
            "type": "link",
            "raw_json": "1",
        }

        def fetch_page(after: str, page_number: int) -> tuple[list[dict[str, Any]], str | None]:
            page_params = {**params, "after": after} if after else params
            response = http.request("GET", url, params=page_params, headers=headers)
            body = builder.page_json(response, page_number, _envelope_problem)
            if body is None:
                return [], None
            page_url = str(response.request.url)
            listing = body["data"]
            rows, reached_older = _page_rows(
                listing["children"], settings, brands, window, builder, page_url, page_number
            )
            # sort=new: once a page reaches before the window, later pages are older still.
            next_after = None if reached_older else listing.get("after")
            return rows, next_after or None

        for rows in paginate(fetch_page, "", max_pages=settings.max_pages, what=f"{NAME} {day}"):
            builder.rows.extend(rows)
    return builder.build()


def _access_token(http: HttpPolicy, settings: ConnectorSettings) -> str:
    url = f"{settings.reddit_auth_url.rstrip('/')}/api/v1/access_token"
    response = http.request(
        "POST",
        url,
        auth=(settings.reddit_client_id or "", settings.reddit_client_secret or ""),
        data={"grant_type": "client_credentials"},
        headers={"User-Agent": USER_AGENT},
    )
    body, problem = json_object(response)
    token = body.get("access_token") if body else None
    if not isinstance(token, str) or not token:
        # Reddit answers some credential problems with 200 {"error": ...}.
        detail = problem or f"no access_token in the response: {str(body)[:200]}"
        raise ConnectorError(
            NAME,
            str(response.request.url),
            1,
            response.status_code,
            f"The token request was refused: {CREDENTIALS_HINT}.",
            detail,
        )
    return token


def _envelope_problem(body: dict[str, Any]) -> str:
    if body.get("kind") != "Listing":
        return f"expected kind 'Listing', got {body.get('kind')!r}"
    listing = body.get("data")
    if not isinstance(listing, dict) or not isinstance(listing.get("children"), list):
        return "listing has no 'data.children' list"
    after = listing.get("after")
    if after is not None and not isinstance(after, str):
        return "'data.after' is not a string"
    return ""


def _page_rows(
    children: list[Any],
    settings: ConnectorSettings,
    brands: tuple[Brand, ...],
    window: tuple[datetime, datetime],
    builder: BatchBuilder,
    page_url: str,
    page_number: int,
) -> tuple[list[dict[str, Any]], bool]:
    """Return the page's in-window rows and whether it reached posts older than the window."""
    rows = []
    reached_older = False
    for index, child in enumerate(children, start=1):
        post = child.get("data") if isinstance(child, dict) else None
        problem = _post_problem(child, post)
        if problem:
            builder.quarantine_record(
                page_url, page_number, child, f"post {index} on page {page_number}: {problem}"
            )
            continue
        created_at = datetime.fromtimestamp(post["created_utc"], UTC)
        if created_at < window[0]:
            reached_older = True
        if in_window(created_at, window):
            rows.append(_row(post, created_at, settings, brands, builder.now))
    return rows, reached_older


def _post_problem(child: Any, post: Any) -> str:
    if not isinstance(post, dict) or child.get("kind") != "t3":
        return "not a t3 (link) thing with a 'data' object"
    missing = [
        key
        for key, kind in _REQUIRED.items()
        if not isinstance(post.get(key), kind) or isinstance(post.get(key), bool)
    ]
    return f"missing {', '.join(missing)}" if missing else ""


def _row(
    post: dict[str, Any],
    created_at: datetime,
    settings: ConnectorSettings,
    brands: tuple[Brand, ...],
    ingested_at: datetime,
) -> dict[str, Any]:
    selftext = post.get("selftext") if isinstance(post.get("selftext"), str) else ""
    text = f"{post['title']}\n\n{selftext}" if selftext else post["title"]
    parent = post.get("crosspost_parent")
    parent_id = parent.removeprefix("t3_") if isinstance(parent, str) and parent else None
    # Deleted accounts have no fullname; their display name ('[deleted]') stands in.
    author_id = post.get("author_fullname") or post["author"]
    return mention_row(
        settings,
        brands,
        platform="reddit",
        post_id=post["id"],
        parent_id=parent_id,
        author_id=author_id,
        author_handle=post["author"],
        author_followers=0,
        author_verified=False,
        text=text,
        lang=post.get("lang") if isinstance(post.get("lang"), str) else None,
        url=f"https://www.reddit.com{post['permalink']}",
        created_at=created_at,
        likes=as_int(post.get("score")),
        reposts=0,
        replies=as_int(post.get("num_comments")),
        impressions=0,
        source=SOURCE,
        ingested_at=ingested_at,
    )
