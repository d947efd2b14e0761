"""Reddit search connector (application-only OAuth) against the fake server."""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
from datetime import UTC, date, datetime
from urllib.parse import parse_qs

import pytest

from ingestion.brands import Brand
from ingestion.connectors import NotConfiguredError, reddit
from ingestion.http_policy import ConnectorError
from warehouse.raw_schemas import RAW_SOCIAL_MENTIONS

DAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 2, 6, 0, tzinfo=UTC)
TOKEN_PATH = "/api/v1/access_token"
SEARCH_PATH = "/search"
BRANDS = (
    Brand("Acme", ("Acme Corp",), ("acme",), is_company=True),
    Brand("Globex", (), ("globex",)),
)
TOKEN = {
    "access_token": "eyJhbGciOi.reddit-token",
    "token_type": "bearer",
    "expires_in": 86400,
    "scope": "*",
}


def _epoch(hour: int, minute: int = 0, day: int = 1, month: int = 3) -> float:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC).timestamp()


def _link(
    post_id,
    title,
    created_utc,
    *,
    selftext="",
    score=1,
    comments=0,
    author="acme_watcher",
    fullname="t2_8xwlg",
    crosspost_parent=None,
    **extra,
):
    data = {
        "id": post_id,
        "name": f"t3_{post_id}",
        "author": author,
        "title": title,
        "selftext": selftext,
        "created_utc": created_utc,
        "score": score,
        "ups": max(score, 0),
        "num_comments": comments,
        "permalink": f"/r/saas/comments/{post_id}/{title.lower().replace(' ', '_')[:20]}/",
        "subreddit": "saas",
        "url": f"https://www.reddit.com/r/saas/comments/{post_id}/",
        **extra,
    }
    if fullname is not None:
        data["author_fullname"] = fullname
    if crosspost_parent is not None:
        data["crosspost_parent"] = crosspost_parent
    return {"kind": "t3", "data": data}


def _listing(children, after):
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(children),
            "modhash": "",
            "geo_filter": "",
            "children": children,
            "before": None,
        },
    }


PAGE_1 = _listing(
    [
        # Newer than the day (sort=new starts at "now"): skipped, walk continues.
        _link("1j0newr", "Acme keeps shipping", _epoch(1, 0, day=2)),
        _link(
            "1j0aaa1",
            "Acme Corp pricing change",
            _epoch(23, 0),
            selftext="Anyone else see the new tiers? Globex is cheaper.",
            score=42,
            comments=17,
        ),
        _link(
            "1j0aaa2",
            "Acme Corp pricing change",
            _epoch(12, 30),
            score=-3,
            comments=2,
            author="[deleted]",
            fullname=None,
            crosspost_parent="t3_1j0aaa1",
        ),
        _link("1j0aaa3", "Is #acme down?", _epoch(5, 0), score=8, comments=4, lang="en"),
    ],
    after="t3_1j0aaa3",
)
PAGE_2 = _listing(
    [
        _link("1j0aaa4", "Globex vs Acme for startups", _epoch(1, 0), score=3, comments=1),
        _link("1izold1", "Acme last week", _epoch(22, 0, day=28, month=2), score=5),
    ],
    after="t3_1izold1",  # more exist, but they are older than the day
)


@pytest.fixture
def settings(base_settings):
    return dataclasses.replace(
        base_settings, reddit_client_id="cl1ent-id", reddit_client_secret="s3cret"
    )


def _fetch(settings, client_factory, sleeps, **kwargs):
    return reddit.fetch(
        settings, BRANDS, DAY, client_factory=client_factory, sleep=sleeps.append, now=NOW, **kwargs
    )


def test_token_then_two_pages_map_to_exact_rows(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("POST", TOKEN_PATH, fake_server.json(TOKEN))
    fake_server.script("GET", SEARCH_PATH, fake_server.json(PAGE_1), fake_server.json(PAGE_2))

    batch = _fetch(settings, client_factory, sleeps)

    (token_request,) = fake_server.to(TOKEN_PATH)
    assert token_request.method == "POST"
    expected_basic = base64.b64encode(b"cl1ent-id:s3cret").decode()
    assert token_request.headers["authorization"] == f"Basic {expected_basic}"
    assert parse_qs(token_request.body.decode()) == {"grant_type": ["client_credentials"]}
    assert token_request.headers["user-agent"] == reddit.USER_AGENT

    first, second = fake_server.to(SEARCH_PATH)  # page 2 reached older posts: no page 3
    assert first.param("q") == 'Acme OR "Acme Corp" OR Globex'
    assert (first.param("sort"), first.param("limit"), first.param("type")) == (
        "new",
        "100",
        "link",
    )
    assert first.param("raw_json") == "1"
    assert first.param("after") is None
    assert second.param("after") == "t3_1j0aaa3"
    assert first.headers["authorization"] == "Bearer eyJhbGciOi.reddit-token"
    assert first.headers["user-agent"] == reddit.USER_AGENT

    table = batch.tables["raw_social_mentions"]
    assert table.schema == RAW_SOCIAL_MENTIONS
    rows = table.to_pylist()
    assert [r["post_id"] for r in rows] == ["1j0aaa1", "1j0aaa2", "1j0aaa3", "1j0aaa4"]
    assert [r["parent_id"] for r in rows] == [None, "1j0aaa1", None, None]
    assert [(r["likes"], r["reposts"], r["replies"], r["impressions"]) for r in rows] == [
        (42, 0, 17, 0),
        (0, 0, 2, 0),  # negative score clipped at 0
        (8, 0, 4, 0),
        (3, 0, 1, 0),
    ]
    assert [r["matched_brands"] for r in rows] == [
        ["Acme", "Globex"],
        ["Acme"],
        ["Acme"],
        ["Acme", "Globex"],
    ]
    assert rows[0]["text"] == (
        "Acme Corp pricing change\n\nAnyone else see the new tiers? Globex is cheaper."
    )
    assert rows[1]["text"] == "Acme Corp pricing change"
    assert [(r["author_id"], r["author_handle"]) for r in rows[:2]] == [
        ("t2_8xwlg", "acme_watcher"),
        ("[deleted]", "[deleted]"),
    ]
    assert [r["lang"] for r in rows] == ["und", "und", "en", "und"]
    assert rows[0]["url"] == "https://www.reddit.com/r/saas/comments/1j0aaa1/acme_corp_pricing_ch/"
    assert rows[0]["created_at"] == datetime(2025, 3, 1, 23, 0, tzinfo=UTC)
    assert {
        (r["platform"], r["source"], r["tenant_id"], r["author_followers"], r["author_verified"])
        for r in rows
    } == {("reddit", "reddit_api", "acme", 0, False)}
    assert batch.quarantine.num_rows == 0


def test_429_waits_for_reddit_reset_then_succeeds(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("POST", TOKEN_PATH, fake_server.json(TOKEN))
    throttled = fake_server.json(
        {"message": "Too Many Requests", "error": 429},
        429,
        {"x-ratelimit-used": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "12"},
    )
    fake_server.script("GET", SEARCH_PATH, throttled, fake_server.json(PAGE_2))
    batch = _fetch(settings, client_factory, sleeps)
    assert sleeps == [12.0]
    assert batch.tables["raw_social_mentions"].column("post_id").to_pylist() == ["1j0aaa4"]


def test_token_rejected_raises_credentials_error(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script(
        "POST", TOKEN_PATH, fake_server.json({"message": "Unauthorized", "error": 401}, 401)
    )
    with pytest.raises(ConnectorError) as caught:
        _fetch(settings, client_factory, sleeps)
    message = str(caught.value)
    assert f"reddit: request to {fake_server.url}{TOKEN_PATH} failed after 1 attempt" in message
    assert "last status 401" in message
    assert "SIGHTLINE_REDDIT_CLIENT_ID and SIGHTLINE_REDDIT_CLIENT_SECRET" in message
    assert fake_server.to(SEARCH_PATH) == []


def test_token_error_body_raises(fake_server, settings, client_factory, sleeps) -> None:
    fake_server.script("POST", TOKEN_PATH, fake_server.json({"error": "invalid_grant"}))
    with pytest.raises(ConnectorError, match="invalid_grant") as caught:
        _fetch(settings, client_factory, sleeps)
    assert "token request was refused" in str(caught.value)


def test_5xx_exhausted_raises_and_returns_nothing(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("POST", TOKEN_PATH, fake_server.json(TOKEN))
    fake_server.script("GET", SEARCH_PATH, fake_server.json(PAGE_1))
    fake_server.script("GET", SEARCH_PATH, fake_server.text("<h1>500</h1>", 500), repeat_last=True)
    with pytest.raises(ConnectorError) as caught:
        _fetch(settings, client_factory, sleeps)
    assert caught.value.attempts == 4  # max_retries=3
    assert caught.value.status == 500
    assert "after=t3_1j0aaa3" in caught.value.url
    assert "try again later" in str(caught.value)
    assert len(sleeps) == 3


def test_malformed_page_is_quarantined_and_earlier_page_kept(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("POST", TOKEN_PATH, fake_server.json(TOKEN))
    not_a_listing = {"kind": "t3", "data": {"id": "oops"}}
    fake_server.script(
        "GET", SEARCH_PATH, fake_server.json(PAGE_1), fake_server.json(not_a_listing)
    )
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_social_mentions"].column("post_id").to_pylist() == [
        "1j0aaa1",
        "1j0aaa2",
        "1j0aaa3",
    ]
    (row,) = batch.quarantine.to_pylist()
    assert row["line_number"] == 2
    assert row["reason"] == "expected kind 'Listing', got 't3'"
    assert json.loads(row["raw"]) == not_a_listing
    assert "after=t3_1j0aaa3" in row["file"]
    assert (row["source"], row["target_table"], row["partition_date"]) == (
        "reddit_api",
        "raw_social_mentions",
        DAY,
    )


def test_record_without_required_fields_is_quarantined(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("POST", TOKEN_PATH, fake_server.json(TOKEN))
    broken = _link("1j0bad1", "Acme?", _epoch(3, 0))
    del broken["data"]["created_utc"]
    page = _listing([broken, *PAGE_2["data"]["children"]], after=None)
    fake_server.script("GET", SEARCH_PATH, fake_server.json(page))
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_social_mentions"].column("post_id").to_pylist() == ["1j0aaa4"]
    (row,) = batch.quarantine.to_pylist()
    assert row["reason"] == "post 1 on page 1: missing created_utc"
    assert json.loads(row["raw"]) == broken


def test_page_cap_stops_and_warns(fake_server, settings, client_factory, sleeps, caplog) -> None:
    fake_server.script("POST", TOKEN_PATH, fake_server.json(TOKEN))
    fake_server.script("GET", SEARCH_PATH, fake_server.json(PAGE_1), fake_server.json(PAGE_2))
    with caplog.at_level(logging.WARNING):
        batch = _fetch(dataclasses.replace(settings, max_pages=1), client_factory, sleeps)
    assert len(fake_server.to(SEARCH_PATH)) == 1
    assert batch.tables["raw_social_mentions"].num_rows == 3
    assert any(
        "reddit 2025-03-01: stopped after max_pages=1" in r.getMessage() for r in caplog.records
    )


def test_skip_reason_when_unconfigured(base_settings, settings) -> None:
    assert reddit.skip_reason(base_settings) == (
        "SIGHTLINE_REDDIT_CLIENT_ID and SIGHTLINE_REDDIT_CLIENT_SECRET are not set"
    )
    half = dataclasses.replace(base_settings, reddit_client_id="cl1ent-id")
    assert reddit.skip_reason(half) == "SIGHTLINE_REDDIT_CLIENT_SECRET is not set"
    assert reddit.skip_reason(settings) is None
    with pytest.raises(NotConfiguredError):
        reddit.fetch(half, BRANDS, DAY)
