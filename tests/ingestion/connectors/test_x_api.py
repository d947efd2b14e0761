"""X API v2 recent search connector against the fake server."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, date, datetime

import pytest

from ingestion.brands import Brand
from ingestion.connectors import NotConfiguredError, x_api
from ingestion.http_policy import ConnectorError
from warehouse.raw_schemas import QUARANTINE, RAW_SOCIAL_MENTIONS

DAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 2, 6, 0, tzinfo=UTC)
PATH = "/2/tweets/search/recent"
BRANDS = (
    Brand("Acme", ("Acme Corp",), ("acme",), is_company=True),
    Brand("Globex", (), ("#globex",)),
)

USERS = [
    {
        "id": "2244994945",
        "name": "Acme Fan",
        "username": "acme_fan",
        "verified": False,
        "public_metrics": {
            "followers_count": 1520,
            "following_count": 310,
            "tweet_count": 8800,
            "listed_count": 12,
        },
    },
    {
        "id": "783214",
        "name": "Big Voice",
        "username": "bigvoice",
        "verified": True,
        "public_metrics": {
            "followers_count": 250000,
            "following_count": 5,
            "tweet_count": 15000,
            "listed_count": 900,
        },
    },
]


def _metrics(likes: int, retweets: int, replies: int, quotes: int, impressions: int | None):
    metrics = {
        "retweet_count": retweets,
        "reply_count": replies,
        "like_count": likes,
        "quote_count": quotes,
        "bookmark_count": 0,
    }
    if impressions is not None:
        metrics["impression_count"] = impressions
    return metrics


def _tweet(tweet_id, text, created, author, metrics, lang="en", refs=None):
    tweet = {
        "id": tweet_id,
        "text": text,
        "created_at": created,
        "author_id": author,
        "edit_history_tweet_ids": [tweet_id],
        "public_metrics": metrics,
    }
    if lang is not None:
        tweet["lang"] = lang
    if refs is not None:
        tweet["referenced_tweets"] = refs
    return tweet


PAGE_1 = {
    "data": [
        _tweet(
            "1895800000000000001",
            "Loving the new Acme Corp dashboard",
            "2025-03-01T09:15:00.000Z",
            "2244994945",
            _metrics(30, 4, 2, 1, 1200),
        ),
        _tweet(
            "1895800000000000002",
            "RT @acme_fan: Loving the new Acme Corp dashboard",
            "2025-03-01T10:00:00.000Z",
            "783214",
            _metrics(0, 0, 0, 0, None),
            lang=None,
            refs=[{"type": "retweeted", "id": "1895800000000000001"}],
        ),
        _tweet(
            "1895800000000000003",
            "Globex vs #acme, no contest",
            "2025-03-01T11:30:00.000Z",
            "2244994945",
            _metrics(5, 0, 1, 2, 300),
            refs=[{"type": "quoted", "id": "1895700000000000099"}],
        ),
        _tweet(
            "1895800000000000004",
            "@globex support is slow today",
            "2025-03-01T23:59:59.999Z",
            "783214",
            _metrics(2, 0, 0, 0, 80),
            refs=[{"type": "replied_to", "id": "1895700000000000042"}],
        ),
    ],
    "includes": {"users": USERS},
    "meta": {
        "newest_id": "1895800000000000004",
        "oldest_id": "1895800000000000001",
        "result_count": 4,
        "next_token": "b26v89c19zqg8o3fpzbkk",
    },
}
PAGE_2 = {
    "data": [
        _tweet(
            "1895700000000000005",
            "Umbrella outage again",
            "2025-03-01T00:00:00.000Z",
            "783214",
            _metrics(7, 1, 3, 0, 500),
            lang="de",
        ),
        # Outside the window (the API should not send it; the connector must drop it).
        _tweet(
            "1895700000000000006",
            "Acme at midnight",
            "2025-02-28T23:59:59.000Z",
            "783214",
            _metrics(1, 0, 0, 0, 10),
        ),
    ],
    "includes": {"users": USERS[1:]},
    "meta": {"result_count": 2},
}


@pytest.fixture
def settings(base_settings):
    return dataclasses.replace(base_settings, x_bearer_token="AAAA-test-bearer")


def _fetch(settings, client_factory, sleeps, **kwargs):
    return x_api.fetch(
        settings,
        BRANDS,
        DAY,
        client_factory=client_factory,
        sleep=sleeps.append,
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def test_two_pages_map_to_exact_rows(fake_server, settings, client_factory, sleeps) -> None:
    fake_server.script("GET", PATH, fake_server.json(PAGE_1), fake_server.json(PAGE_2))

    batch = _fetch(settings, client_factory, sleeps)

    first, second = fake_server.to(PATH)
    assert first.param("query") == 'Acme OR "Acme Corp" OR #acme OR Globex OR #globex'
    assert first.param("start_time") == "2025-03-01T00:00:00Z"
    assert first.param("end_time") == "2025-03-02T00:00:00Z"
    assert first.param("max_results") == "100"
    assert (
        first.param("tweet.fields") == "created_at,public_metrics,author_id,lang,referenced_tweets"
    )
    assert first.param("expansions") == "author_id"
    assert first.param("user.fields") == "username,public_metrics,verified"
    assert first.param("next_token") is None
    assert first.headers["authorization"] == "Bearer AAAA-test-bearer"
    assert second.param("next_token") == "b26v89c19zqg8o3fpzbkk"

    assert batch.source == "x_api" and batch.day == DAY
    table = batch.tables["raw_social_mentions"]
    assert table.schema == RAW_SOCIAL_MENTIONS
    rows = table.to_pylist()
    assert [r["post_id"] for r in rows] == [
        "1895800000000000001",
        "1895800000000000002",
        "1895800000000000003",
        "1895800000000000004",
        "1895700000000000005",
    ]
    assert [r["parent_id"] for r in rows] == [
        None,
        "1895800000000000001",  # retweet
        "1895700000000000099",  # quote
        None,  # a reply is not a repost
        None,
    ]
    assert [(r["likes"], r["reposts"], r["replies"], r["impressions"]) for r in rows] == [
        (30, 5, 2, 1200),
        (0, 0, 0, 0),
        (5, 2, 1, 300),
        (2, 0, 0, 80),
        (7, 1, 3, 500),
    ]
    assert [r["matched_brands"] for r in rows] == [
        ["Acme"],
        ["Acme"],
        ["Acme", "Globex"],
        ["Globex"],
        [],
    ]
    assert [(r["author_handle"], r["author_followers"], r["author_verified"]) for r in rows] == [
        ("acme_fan", 1520, False),
        ("bigvoice", 250000, True),
        ("acme_fan", 1520, False),
        ("bigvoice", 250000, True),
        ("bigvoice", 250000, True),
    ]
    assert [r["lang"] for r in rows] == ["en", "und", "en", "en", "de"]
    assert rows[0]["url"] == "https://x.com/acme_fan/status/1895800000000000001"
    assert rows[0]["author_id"] == "2244994945"
    assert rows[0]["created_at"] == datetime(2025, 3, 1, 9, 15, tzinfo=UTC)
    assert rows[3]["created_at"] == datetime(2025, 3, 1, 23, 59, 59, 999000, tzinfo=UTC)
    assert {(r["tenant_id"], r["platform"], r["source"]) for r in rows} == {("acme", "x", "x_api")}
    assert {r["ingested_at"] for r in rows} == {NOW}
    assert batch.quarantine.num_rows == 0
    assert sleeps == []


def test_end_time_is_clamped_for_today(fake_server, settings, client_factory, sleeps) -> None:
    fake_server.script("GET", PATH, fake_server.json({"meta": {"result_count": 0}}))
    batch = _fetch(settings, client_factory, sleeps, now=datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    assert fake_server.to(PATH)[0].param("end_time") == "2025-03-01T11:59:30Z"
    assert batch.tables["raw_social_mentions"].num_rows == 0


def test_429_waits_for_epoch_reset_then_succeeds(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script(
        "GET",
        PATH,
        fake_server.json(
            {"title": "Too Many Requests", "status": 429},
            429,
            {
                "x-rate-limit-limit": "450",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": "1740880830",
            },
        ),
        fake_server.json(PAGE_2),
    )
    batch = _fetch(settings, client_factory, sleeps, clock=lambda: 1_740_880_800.0)
    assert sleeps == [31.0]  # 30 s to the reset + 1 s margin
    assert batch.tables["raw_social_mentions"].num_rows == 1


def test_5xx_exhausted_raises_and_returns_nothing(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("GET", PATH, fake_server.json(PAGE_1))
    fake_server.script("GET", PATH, fake_server.text("Service Unavailable", 503), repeat_last=True)
    with pytest.raises(ConnectorError) as caught:
        _fetch(dataclasses.replace(settings, max_retries=2), client_factory, sleeps)
    message = str(caught.value)
    assert message.startswith(f"x: request to {fake_server.url}{PATH}?")
    assert "next_token=b26v89c19zqg8o3fpzbkk" in message
    assert "after 3 attempts (last status 503" in message
    assert "try again later" in message
    assert len(fake_server.to(PATH)) == 4
    assert len(sleeps) == 2


def test_malformed_page_is_quarantined_and_earlier_page_kept(
    fake_server, settings, client_factory, sleeps
) -> None:
    html = "<html><body>upstream connect error</body></html>"
    fake_server.script("GET", PATH, fake_server.json(PAGE_1), fake_server.text(html))
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_social_mentions"].num_rows == 4
    assert batch.quarantine.schema == QUARANTINE
    (row,) = batch.quarantine.to_pylist()
    assert row["tenant_id"] == "acme"
    assert row["source"] == "x_api"
    assert row["target_table"] == "raw_social_mentions"
    assert row["partition_date"] == DAY
    assert row["file"].startswith(f"{fake_server.url}{PATH}?")
    assert "next_token=b26v89c19zqg8o3fpzbkk" in row["file"]
    assert row["line_number"] == 2
    assert row["raw"] == html
    assert "not valid JSON" in row["reason"]
    assert row["ingested_at"] == NOW
    assert len(fake_server.to(PATH)) == 2


def test_page_without_meta_is_quarantined(fake_server, settings, client_factory, sleeps) -> None:
    errors = {"errors": [{"message": "Invalid 'query'"}]}
    fake_server.script("GET", PATH, fake_server.json(errors))
    batch = _fetch(settings, client_factory, sleeps)
    assert batch.tables["raw_social_mentions"].num_rows == 0
    (row,) = batch.quarantine.to_pylist()
    assert row["line_number"] == 1
    assert "no 'meta' object" in row["reason"] and "Invalid 'query'" in row["reason"]


def test_quarantined_raw_is_capped_at_64_kib(fake_server, settings, client_factory, sleeps) -> None:
    fake_server.script("GET", PATH, fake_server.text("é" * 40_000))  # 80,000 bytes
    batch = _fetch(settings, client_factory, sleeps)
    raw = batch.quarantine.to_pylist()[0]["raw"]
    assert len(raw.encode()) == 65536 and raw == "é" * 32768


def test_record_without_required_fields_is_quarantined(
    fake_server, settings, client_factory, sleeps
) -> None:
    page = json.loads(json.dumps(PAGE_2))
    broken = {"id": "1895700000000000007", "text": "Acme, no date", "author_id": "783214"}
    page["data"].insert(0, broken)
    fake_server.script("GET", PATH, fake_server.json(page))
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_social_mentions"].column("post_id").to_pylist() == [
        "1895700000000000005"
    ]
    (row,) = batch.quarantine.to_pylist()
    assert json.loads(row["raw"]) == broken
    assert row["reason"] == "tweet 1 on page 1: missing created_at"
    assert row["line_number"] == 1


def test_page_cap_stops_and_warns(fake_server, settings, client_factory, sleeps, caplog) -> None:
    fake_server.script("GET", PATH, fake_server.json(PAGE_1), fake_server.json(PAGE_2))
    with caplog.at_level(logging.WARNING):
        batch = _fetch(dataclasses.replace(settings, max_pages=1), client_factory, sleeps)
    assert len(fake_server.to(PATH)) == 1
    assert batch.tables["raw_social_mentions"].num_rows == 4
    assert any("max_pages=1" in r.getMessage() for r in caplog.records)


def test_skip_reason_when_unconfigured(base_settings, settings) -> None:
    assert x_api.skip_reason(base_settings) == "SIGHTLINE_X_BEARER_TOKEN is not set"
    assert x_api.skip_reason(settings) is None
    with pytest.raises(NotConfiguredError, match="SIGHTLINE_X_BEARER_TOKEN"):
        x_api.fetch(base_settings, BRANDS, DAY)


def test_no_brands_means_no_request(fake_server, settings, client_factory, sleeps) -> None:
    batch = x_api.fetch(settings, (), DAY, client_factory=client_factory, now=NOW)
    assert fake_server.requests == []
    assert batch.tables["raw_social_mentions"].schema == RAW_SOCIAL_MENTIONS
    assert batch.row_counts() == {"raw_social_mentions": 0, "quarantine": 0}
