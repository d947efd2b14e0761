"""LinkedIn organization posts (Community Management API, version 202411) -> raw_social_mentions.

Per page of `GET /rest/posts?q=author` (100 posts, newest modification first) three calls:

1. the posts page itself; paging is `paging.start/count/total`;
2. `GET /rest/socialMetadata?ids=List(...)` (batch get) for the posts created in the day:
   the sum of `reactionSummaries[*].count` -> likes, `commentSummary.count` -> replies;
3. `GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&shares=List(...)
   &ugcPosts=List(...)`: `totalShareStatistics.shareCount` -> reposts and
   `impressionCount` -> impressions (socialMetadata carries no share counts).

URNs inside Rest.li `List(...)` and query values are percent-encoded, so the query strings
are built here rather than by httpx. Posts are sorted by `lastModifiedAt`, which is never
earlier than `createdAt`, so a page reaching modifications before the day ends the walk.
The author of every row is the organization: `author_handle` is its URN (the vanity name
needs another call) and followers are 0.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import httpx

from ingestion.brands import Brand
from ingestion.connectors._rows import (
    BatchBuilder,
    NotConfiguredError,
    as_int,
    day_window,
    in_window,
    mention_row,
    missing_settings,
    resolve_now,
)
from ingestion.http_policy import ClientFactory, Clock, HttpPolicy, Sleep, paginate
from warehouse.settings import ConnectorSettings
from warehouse.source_batch import SourceBatch

logger = logging.getLogger(__name__)

NAME = "linkedin"
SOURCE = "linkedin_api"
TARGET_TABLE = "raw_social_mentions"
PAGE_SIZE = 100
LINKEDIN_VERSION = "202411"
ORGANIZATION_PREFIX = "urn:li:organization:"
EnvelopeCheck = Callable[[dict[str, Any]], str]
CREDENTIALS_HINT = (
    "check SIGHTLINE_LINKEDIN_ACCESS_TOKEN (a member token with r_organization_social, "
    "of an admin of SIGHTLINE_LINKEDIN_ORGANIZATION_URN)"
)


def skip_reason(settings: ConnectorSettings) -> str | None:
    """Return why the LinkedIn connector cannot run, or None when it is configured."""
    missing = missing_settings(
        ("SIGHTLINE_LINKEDIN_ACCESS_TOKEN", settings.linkedin_access_token),
        ("SIGHTLINE_LINKEDIN_ORGANIZATION_URN", settings.linkedin_organization_urn),
    )
    if missing:
        return missing
    urn = settings.linkedin_organization_urn or ""
    if not urn.startswith(ORGANIZATION_PREFIX) or not urn[len(ORGANIZATION_PREFIX) :].isdigit():
        return (
            f"SIGHTLINE_LINKEDIN_ORGANIZATION_URN={urn!r} is not an organization URN "
            "(expected urn:li:organization:<digits>)"
        )
    return None


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
    """Fetch the organization's posts created on UTC `day`, with engagement counts.

    Returns a SourceBatch with `raw_social_mentions` rows and quarantined pages/records.
    Raises NotConfiguredError when settings are missing or invalid and ConnectorError
    when the API fails for good (nothing partial is returned then).
    """
    reason = skip_reason(settings)
    if reason:
        raise NotConfiguredError(f"{NAME}: {reason}")
    builder = BatchBuilder(settings, SOURCE, TARGET_TABLE, day, resolve_now(now))
    window = day_window(day)
    organization = settings.linkedin_organization_urn or ""
    base = settings.linkedin_base_url.rstrip("/")
    headers = {
        "Authorization": f"Bearer {settings.linkedin_access_token}",
        "LinkedIn-Version": LINKEDIN_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }

    with HttpPolicy(
        NAME,
        settings,
        credentials_hint=CREDENTIALS_HINT,
        client_factory=client_factory,
        sleep=sleep,
        rng=rng,
        clock=clock,
    ) as http:

        def get_json(
            url: str, page_number: int, envelope_problem: EnvelopeCheck
        ) -> dict[str, Any] | None:
            response = http.request("GET", url, headers=headers)
            return builder.page_json(response, page_number, envelope_problem)

        def fetch_page(start: int, page_number: int) -> tuple[list[dict[str, Any]], int | None]:
            url = (
                f"{base}/rest/posts?q=author&author={_enc(organization)}"
                f"&count={PAGE_SIZE}&start={start}&sortBy=LAST_MODIFIED"
            )
            body = get_json(url, page_number, _posts_problem)
            if body is None:
                return [], None
            posts, reached_older = _posts_in_window(
                body["elements"], window, builder, url, page_number
            )
            engagement = _engagement(
                [post["id"] for post, _ in posts], organization, base, page_number, get_json
            )
            if engagement is None:
                return [], None
            rows = [
                _row(post, created_at, engagement[post["id"]], settings, brands, builder.now)
                for post, created_at in posts
            ]
            return rows, None if reached_older else _next_start(body, start)

        for rows in paginate(fetch_page, 0, max_pages=settings.max_pages, what=f"{NAME} {day}"):
            builder.rows.extend(rows)
    return builder.build()


def _enc(value: str) -> str:
    return quote(value, safe="")


def _restli_list(urns: list[str]) -> str:
    return f"List({','.join(_enc(u) for u in urns)})"


def _posts_problem(body: dict[str, Any]) -> str:
    if not isinstance(body.get("elements"), list):
        return "posts page has no 'elements' list"
    if "paging" in body and not isinstance(body["paging"], dict):
        return "'paging' is not an object"
    return ""


def _next_start(body: dict[str, Any], start: int) -> int | None:
    elements = body["elements"]
    if not elements:
        return None
    paging = body.get("paging") or {}
    count = as_int(paging.get("count")) or PAGE_SIZE
    next_start = as_int(paging.get("start", start)) + count
    total = paging.get("total")
    if isinstance(total, int):
        return next_start if next_start < total else None
    # Without a total, a short page is the last one.
    return next_start if len(elements) >= count else None


def _posts_in_window(
    elements: list[Any],
    window: tuple[datetime, datetime],
    builder: BatchBuilder,
    page_url: str,
    page_number: int,
) -> tuple[list[tuple[dict[str, Any], datetime]], bool]:
    """Return (post, created_at) of the day's posts and whether the page reached older edits."""
    posts = []
    reached_older = False
    for index, post in enumerate(elements, start=1):
        problem = _post_problem(post)
        if problem:
            builder.quarantine_record(
                page_url, page_number, post, f"post {index} on page {page_number}: {problem}"
            )
            continue
        created_at = _from_ms(post["createdAt"])
        modified = post.get("lastModifiedAt")
        modified_at = _from_ms(modified) if _is_ms(modified) else created_at
        if modified_at < window[0]:
            reached_older = True
        if in_window(created_at, window):
            posts.append((post, created_at))
    return posts, reached_older


def _post_problem(post: Any) -> str:
    if not isinstance(post, dict):
        return "not an object"
    missing = []
    if not isinstance(post.get("id"), str) or not post["id"].startswith("urn:li:"):
        missing.append("id")
    if not _is_ms(post.get("createdAt")):
        missing.append("createdAt")
    return f"missing {', '.join(missing)}" if missing else ""


def _is_ms(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def _metadata_problem(body: dict[str, Any]) -> str:
    return "" if isinstance(body.get("results"), dict) else "socialMetadata has no 'results' object"


def _statistics_problem(body: dict[str, Any]) -> str:
    if isinstance(body.get("elements"), list):
        return ""
    return "share statistics response has no 'elements' list"


def _engagement(
    urns: list[str],
    organization: str,
    base: str,
    page_number: int,
    get_json: Callable[[str, int, EnvelopeCheck], dict[str, Any] | None],
) -> dict[str, dict[str, int]] | None:
    """Return counts per post URN, or None when a response was malformed (quarantined)."""
    counts: dict[str, dict[str, int]] = {urn: {} for urn in urns}
    if not urns:
        return counts

    metadata = get_json(
        f"{base}/rest/socialMetadata?ids={_restli_list(urns)}", page_number, _metadata_problem
    )
    if metadata is None:
        return None
    for urn, meta in metadata["results"].items():
        if urn in counts and isinstance(meta, dict):
            reactions = meta.get("reactionSummaries") or {}
            counts[urn]["likes"] = sum(
                as_int(r.get("count")) for r in reactions.values() if isinstance(r, dict)
            )
            counts[urn]["replies"] = as_int((meta.get("commentSummary") or {}).get("count"))
    missing = [u for u in urns if "likes" not in counts[u]]
    if missing:
        logger.warning(
            "%s: no socialMetadata for %d post(s), counted as 0: %s",
            NAME,
            len(missing),
            ", ".join(missing[:5]),
        )

    # The statistics finder takes share and ugcPost URNs in separate lists.
    shares = [u for u in urns if u.startswith("urn:li:share:")]
    ugc_posts = [u for u in urns if u.startswith("urn:li:ugcPost:")]
    if not shares and not ugc_posts:
        return counts
    stats_url = (
        f"{base}/rest/organizationalEntityShareStatistics?q=organizationalEntity"
        f"&organizationalEntity={_enc(organization)}"
    )
    if shares:
        stats_url += f"&shares={_restli_list(shares)}"
    if ugc_posts:
        stats_url += f"&ugcPosts={_restli_list(ugc_posts)}"
    stats = get_json(stats_url, page_number, _statistics_problem)
    if stats is None:
        return None
    for element in stats["elements"]:
        if not isinstance(element, dict):
            continue
        urn = element.get("share") or element.get("ugcPost")
        totals = element.get("totalShareStatistics") or {}
        if urn in counts and isinstance(totals, dict):
            counts[urn]["reposts"] = as_int(totals.get("shareCount"))
            counts[urn]["impressions"] = as_int(totals.get("impressionCount"))
    return counts


def _row(
    post: dict[str, Any],
    created_at: datetime,
    counts: dict[str, int],
    settings: ConnectorSettings,
    brands: tuple[Brand, ...],
    ingested_at: datetime,
) -> dict[str, Any]:
    author = post.get("author") if isinstance(post.get("author"), str) else ""
    author = author or (settings.linkedin_organization_urn or "")
    commentary = post.get("commentary") if isinstance(post.get("commentary"), str) else ""
    reshare = post.get("reshareContext") or {}
    parent = reshare.get("parent") if isinstance(reshare, dict) else None
    return mention_row(
        settings,
        brands,
        platform="linkedin",
        post_id=post["id"],
        parent_id=parent if isinstance(parent, str) else None,
        author_id=author,
        author_handle=author,
        author_followers=0,
        author_verified=False,
        text=commentary,
        lang=None,
        url=f"https://www.linkedin.com/feed/update/{post['id']}/",
        created_at=created_at,
        likes=counts.get("likes", 0),
        reposts=counts.get("reposts", 0),
        replies=counts.get("replies", 0),
        impressions=counts.get("impressions", 0),
        source=SOURCE,
        ingested_at=ingested_at,
    )
