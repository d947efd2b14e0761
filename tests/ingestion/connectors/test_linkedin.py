"""LinkedIn organization posts connector against the fake server."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, date, datetime

import pytest

from ingestion.brands import Brand
from ingestion.connectors import NotConfiguredError, linkedin
from ingestion.http_policy import ConnectorError
from warehouse.raw_schemas import RAW_SOCIAL_MENTIONS

DAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 2, 12, 0, tzinfo=UTC)
ORG = "urn:li:organization:2414183"
ORG_ENC = "urn%3Ali%3Aorganization%3A2414183"
POSTS, METADATA, STATS = (
    "/rest/posts",
    "/rest/socialMetadata",
    "/rest/organizationalEntityShareStatistics",
)
BRANDS = (
    Brand("Acme", ("Acme Corp",), ("acme",), is_company=True),
    Brand("Globex", (), ("globex",)),
)
A = "urn:li:share:7301000000000000001"
B = "urn:li:ugcPost:7300900000000000002"
C = "urn:li:share:7300800000000000003"
D = "urn:li:share:7300700000000000004"
E = "urn:li:share:7290000000000000005"


def _ms(day: int, hour: int, minute: int = 0, month: int = 3) -> int:
    return int(datetime(2025, month, day, hour, minute, tzinfo=UTC).timestamp() * 1000)


def _post(urn, created, modified=None, commentary=None, reshare_parent=None):
    post = {
        "id": urn,
        "author": ORG,
        "visibility": "PUBLIC",
        "lifecycleState": "PUBLISHED",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "isReshareDisabledByAuthor": False,
        "createdAt": created,
        "publishedAt": created,
        "lastModifiedAt": modified or created,
    }
    if commentary is not None:
        post["commentary"] = commentary
    if reshare_parent:
        post["reshareContext"] = {"parent": reshare_parent, "root": reshare_parent}
    return post


def _posts_page(elements, start, total):
    return {
        "paging": {"start": start, "count": 100, "links": [], "total": total},
        "elements": elements,
    }


def _metadata(counts):
    """counts: urn -> ({reaction type: count}, comments)."""
    return {
        "results": {
            urn: {
                "reactionSummaries": {
                    kind: {"reactionType": kind, "count": n} for kind, n in reactions.items()
                },
                "commentsState": "OPEN",
                "commentSummary": {"count": comments, "topLevelCount": comments},
                "entity": urn,
            }
            for urn, (reactions, comments) in counts.items()
        },
        "statuses": {},
        "errors": {},
    }


def _stats(counts):
    """counts: urn -> (shares, impressions)."""
    elements = []
    for urn, (shares, impressions) in counts.items():
        key = "ugcPost" if ":ugcPost:" in urn else "share"
        elements.append(
            {
                "organizationalEntity": ORG,
                key: urn,
                "totalShareStatistics": {
                    "uniqueImpressionsCount": impressions // 2,
                    "shareCount": shares,
                    "engagement": 0.04,
                    "clickCount": 12,
                    "likeCount": 0,
                    "impressionCount": impressions,
                    "commentCount": 0,
                },
            }
        )
    return {"paging": {"count": 10, "start": 0, "links": []}, "elements": elements}


PAGE_1 = _posts_page(
    [
        _post(A, _ms(2, 8), commentary="Acme tomorrow"),  # created after the day
        _post(B, _ms(1, 15), modified=_ms(2, 9), commentary="Acme Corp is hiring! #acme"),
        _post(
            C,
            _ms(1, 9, 30),
            commentary="Great write-up comparing Acme and Globex",
            reshare_parent="urn:li:share:7299000000000000000",
        ),
    ],
    start=0,
    total=102,
)
PAGE_2 = _posts_page([_post(D, _ms(1, 0))], start=100, total=102)


@pytest.fixture
def settings(base_settings):
    return dataclasses.replace(
        base_settings, linkedin_access_token="AQX-li-token", linkedin_organization_urn=ORG
    )


def _script_page_1(fake_server, posts_page_2=None) -> None:
    """Page 1 and its engagement; then `posts_page_2` when given."""
    fake_server.script("GET", POSTS, fake_server.json(PAGE_1))
    if posts_page_2 is not None:
        fake_server.script("GET", POSTS, posts_page_2)
    fake_server.script(
        "GET",
        METADATA,
        fake_server.json(_metadata({B: ({"LIKE": 40, "PRAISE": 5}, 6), C: ({"INTEREST": 3}, 0)})),
    )
    fake_server.script("GET", STATS, fake_server.json(_stats({B: (7, 1500), C: (1, 220)})))


def _script_good_pages(fake_server) -> None:
    _script_page_1(fake_server, posts_page_2=fake_server.json(PAGE_2))
    fake_server.script("GET", METADATA, fake_server.json(_metadata({D: ({"LIKE": 2}, 1)})))
    fake_server.script("GET", STATS, fake_server.json(_stats({D: (0, 50)})))


def _fetch(settings, client_factory, sleeps):
    return linkedin.fetch(
        settings, BRANDS, DAY, client_factory=client_factory, sleep=sleeps.append, now=NOW
    )


def test_two_pages_with_engagement_map_to_exact_rows(
    fake_server, settings, client_factory, sleeps
) -> None:
    _script_good_pages(fake_server)
    batch = _fetch(settings, client_factory, sleeps)

    first, second = fake_server.to(POSTS)
    assert first.raw_path == (
        f"/rest/posts?q=author&author={ORG_ENC}&count=100&start=0&sortBy=LAST_MODIFIED"
    )
    assert second.param("start") == "100"
    for request in fake_server.requests:
        assert request.headers["authorization"] == "Bearer AQX-li-token"
        assert request.headers["linkedin-version"] == "202411"
        assert request.headers["x-restli-protocol-version"] == "2.0.0"
    meta_1, meta_2 = fake_server.to(METADATA)
    # Only the day's posts are looked up; URNs are encoded inside the Rest.li List().
    assert meta_1.raw_path == (
        "/rest/socialMetadata?ids=List(urn%3Ali%3AugcPost%3A7300900000000000002,"
        "urn%3Ali%3Ashare%3A7300800000000000003)"
    )
    assert (
        meta_2.raw_path == "/rest/socialMetadata?ids=List(urn%3Ali%3Ashare%3A7300700000000000004)"
    )
    stats_1, _ = fake_server.to(STATS)
    assert stats_1.raw_path == (
        f"/rest/organizationalEntityShareStatistics?q=organizationalEntity"
        f"&organizationalEntity={ORG_ENC}"
        "&shares=List(urn%3Ali%3Ashare%3A7300800000000000003)"
        "&ugcPosts=List(urn%3Ali%3AugcPost%3A7300900000000000002)"
    )

    table = batch.tables["raw_social_mentions"]
    assert table.schema == RAW_SOCIAL_MENTIONS
    rows = table.to_pylist()
    assert [r["post_id"] for r in rows] == [B, C, D]
    assert [r["parent_id"] for r in rows] == [None, "urn:li:share:7299000000000000000", None]
    assert [(r["likes"], r["reposts"], r["replies"], r["impressions"]) for r in rows] == [
        (45, 7, 6, 1500),
        (3, 1, 0, 220),
        (2, 0, 1, 50),
    ]
    assert [r["matched_brands"] for r in rows] == [["Acme"], ["Acme", "Globex"], []]
    assert [r["text"] for r in rows] == [
        "Acme Corp is hiring! #acme",
        "Great write-up comparing Acme and Globex",
        "",
    ]
    assert [r["created_at"] for r in rows] == [
        datetime(2025, 3, 1, 15, 0, tzinfo=UTC),
        datetime(2025, 3, 1, 9, 30, tzinfo=UTC),
        datetime(2025, 3, 1, 0, 0, tzinfo=UTC),
    ]
    assert rows[0]["url"] == f"https://www.linkedin.com/feed/update/{B}/"
    assert {
        (
            r["platform"],
            r["source"],
            r["author_id"],
            r["author_handle"],
            r["lang"],
            r["author_followers"],
            r["author_verified"],
        )
        for r in rows
    } == {("linkedin", "linkedin_api", ORG, ORG, "und", 0, False)}
    assert batch.quarantine.num_rows == 0


def test_walk_stops_once_edits_predate_the_day(
    fake_server, settings, client_factory, sleeps
) -> None:
    page = _posts_page([_post(D, _ms(1, 0)), _post(E, _ms(27, 10, month=2))], start=0, total=500)
    fake_server.script("GET", POSTS, fake_server.json(page))
    fake_server.script("GET", METADATA, fake_server.json(_metadata({D: ({"LIKE": 2}, 1)})))
    fake_server.script("GET", STATS, fake_server.json(_stats({D: (0, 50)})))
    batch = _fetch(settings, client_factory, sleeps)
    assert len(fake_server.to(POSTS)) == 1
    assert batch.tables["raw_social_mentions"].column("post_id").to_pylist() == [D]


def test_429_waits_for_retry_after_then_succeeds(
    fake_server, settings, client_factory, sleeps
) -> None:
    throttled = fake_server.json(
        {"status": 429, "message": "Resource level throttle limit"}, 429, {"Retry-After": "20"}
    )
    fake_server.script("GET", POSTS, throttled)
    _script_good_pages(fake_server)
    batch = _fetch(settings, client_factory, sleeps)
    assert sleeps == [20.0]
    assert batch.tables["raw_social_mentions"].num_rows == 3


def test_5xx_exhausted_on_engagement_raises_and_returns_nothing(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("GET", POSTS, fake_server.json(PAGE_1))
    fake_server.script("GET", METADATA, fake_server.json({"status": 504}, 504), repeat_last=True)
    with pytest.raises(ConnectorError) as caught:
        _fetch(dataclasses.replace(settings, max_retries=1), client_factory, sleeps)
    message = str(caught.value)
    assert message.startswith(f"linkedin: request to {fake_server.url}/rest/socialMetadata?ids=")
    assert "after 2 attempts (last status 504" in message
    assert "try again later" in message


def test_malformed_posts_page_is_quarantined_and_earlier_page_kept(
    fake_server, settings, client_factory, sleeps
) -> None:
    _script_page_1(fake_server, posts_page_2=fake_server.text("Bad gateway", 200))
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_social_mentions"].column("post_id").to_pylist() == [B, C]
    (row,) = batch.quarantine.to_pylist()
    assert row["line_number"] == 2
    assert row["raw"] == "Bad gateway"
    assert "not valid JSON" in row["reason"]
    assert row["file"] == (
        f"{fake_server.url}/rest/posts?q=author&author={ORG_ENC}"
        "&count=100&start=100&sortBy=LAST_MODIFIED"
    )
    assert len(fake_server.to(METADATA)) == 1


def test_malformed_engagement_quarantines_the_page(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("GET", POSTS, fake_server.json(PAGE_1))
    fake_server.script("GET", METADATA, fake_server.json({"elements": []}))
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_social_mentions"].num_rows == 0
    (row,) = batch.quarantine.to_pylist()
    assert row["reason"] == "socialMetadata has no 'results' object"
    assert row["file"].startswith(f"{fake_server.url}/rest/socialMetadata?ids=List(")
    assert fake_server.to(STATS) == []


def test_record_without_required_fields_is_quarantined(
    fake_server, settings, client_factory, sleeps
) -> None:
    broken = _post("urn:li:share:7300600000000000009", _ms(1, 2), commentary="Acme!")
    del broken["createdAt"]
    page = _posts_page([broken, _post(D, _ms(1, 0))], start=0, total=2)
    fake_server.script("GET", POSTS, fake_server.json(page))
    fake_server.script("GET", METADATA, fake_server.json(_metadata({D: ({"LIKE": 2}, 1)})))
    fake_server.script("GET", STATS, fake_server.json(_stats({D: (0, 50)})))
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_social_mentions"].column("post_id").to_pylist() == [D]
    (row,) = batch.quarantine.to_pylist()
    assert row["reason"] == "post 1 on page 1: missing createdAt"
    assert json.loads(row["raw"]) == broken


def test_page_cap_stops_and_warns(fake_server, settings, client_factory, sleeps, caplog) -> None:
    _script_good_pages(fake_server)
    with caplog.at_level(logging.WARNING):
        batch = _fetch(dataclasses.replace(settings, max_pages=1), client_factory, sleeps)
    assert len(fake_server.to(POSTS)) == 1
    assert batch.tables["raw_social_mentions"].column("post_id").to_pylist() == [B, C]
    assert any(
        "linkedin 2025-03-01: stopped after max_pages=1" in r.getMessage() for r in caplog.records
    )


def test_skip_reasons(base_settings, settings) -> None:
    assert linkedin.skip_reason(base_settings) == (
        "SIGHTLINE_LINKEDIN_ACCESS_TOKEN and SIGHTLINE_LINKEDIN_ORGANIZATION_URN are not set"
    )
    bad_urn = dataclasses.replace(settings, linkedin_organization_urn="acme-inc")
    assert "is not an organization URN" in linkedin.skip_reason(bad_urn)
    assert linkedin.skip_reason(settings) is None
    with pytest.raises(NotConfiguredError):
        linkedin.fetch(bad_urn, BRANDS, DAY)
