"""Social routes over a real server and the session's chDB store.

Hand-made mentions of tenant `t_social_1` (below) check POST /social/analyze and the
mentions feed against numbers worked out by hand; the demo pipeline's marts check the
mart routes, and that the window analysis agrees with the daily mart on a whole day.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api.keys import create_key
from tests.api.conftest import client_for

TENANT = "t_social_1"
SOURCE = "test_social"
END = datetime(2026, 3, 10, 12, tzinfo=UTC)  # the tenant's latest mention
MID = datetime(2026, 3, 10, tzinfo=UTC)  # 24 h window: (03-09 12:00, MID], (MID, END]
H = timedelta(hours=1)

MENTION_COLUMNS = ["tenant_id", "platform", "post_id", "parent_id", "author_id",
                   "author_handle", "author_followers", "author_verified", "text", "lang",
                   "url", "created_at", "likes", "reposts", "replies", "impressions",
                   "matched_brands", "source", "ingested_at"]
SCORED_COLUMNS = ["tenant_id", "platform", "post_id", "created_at", "source", "compound",
                  "pos", "neu", "neg", "label", "model_version", "scored_at"]

# post_id: (platform, parent, author, followers, verified, created_at, likes, reposts,
#           replies, impressions, brands, compound or None = not scored)
# engagement: x likes+3·reposts+2·replies; linkedin likes+2·replies+3·reposts;
#             reddit likes+2·replies.  reach: impressions, else followers.
MENTIONS = {
    # Nimbus (the company)
    "n1": ("x", None, "a_sky", 500, False, END - 22 * H, 10, 2, 1, 1000,
           ["Nimbus"], 0.6),            # eng 10+6+2 = 18, reach 1000
    "n2": ("reddit", None, "r_user", 300, False, END - 18 * H, 20, 0, 5, 0,
           ["Nimbus", "Cirrus"], 0.4),  # eng 20+10 = 30, reach 300 (followers)
    "n3": ("linkedin", None, "li_exec", 2000, True, MID, 5, 1, 2, 0,
           ["Nimbus"], 0.0),            # eng 5+4+3 = 12, reach 2000; on MID: first half
    "n4": ("x", None, "a_grumpy", 40, False, END - 10 * H, 1, 0, 0, 50,
           ["Nimbus"], -0.5),           # eng 1, reach 50
    "n5": ("x", None, "a_sky", 500, False, END - 7 * H, 100, 10, 10, 5000,
           ["Nimbus"], -0.7),           # eng 100+30+20 = 150, reach 5000
    "r1": ("x", "n5", "a_fan", 800, False, END - 6 * H, 3, 0, 0, 0,
           ["Nimbus"], 0.9),            # a repost: eng 3, reach 800, no opinion
    "n6": ("reddit", None, "r_lurker", 10, False, END, 0, 0, 0, 0,
           ["Nimbus"], None),           # not scored yet; eng 0, reach 10
    # Cirrus
    "c1": ("x", None, "a_sky", 500, False, END - 23 * H, 4, 0, 0, 100,
           ["Cirrus"], 0.2),            # eng 4, reach 100
    "c2": ("linkedin", None, "li_exec", 2000, True, END - 4 * H, 10, 0, 0, 400,
           ["Cirrus"], 0.3),            # eng 10, reach 400
    "c3": ("x", None, "a_grumpy", 40, False, END - 3 * H, 0, 0, 0, 20,
           ["Cirrus"], 0.5),            # eng 0, reach 20
    # Stratus
    "s1": ("x", None, "x_s1", 10, False, END - 21 * H, 2, 0, 0, 10,
           ["Stratus"], 0.2),           # eng 2, reach 10
    "s2": ("reddit", None, "r_s2", 20, False, END - 20 * H, 3, 0, 1, 0,
           ["Stratus"], 0.2),           # eng 3+2 = 5, reach 20
    "s3": ("x", None, "x_s3", 5, False, END - 9 * H, 0, 0, 0, 5,
           ["Stratus"], 0.0),           # eng 0, reach 5
    "s4": ("linkedin", None, "li_s4", 100, False, END - 8 * H, 1, 0, 0, 0,
           ["Stratus"], 0.0),           # eng 1, reach 100
    "s_out1": ("x", None, "x_s1", 10, False, END - 24 * H, 50, 0, 0, 10,
               ["Stratus"], -0.9),      # exactly the (open) window start: outside
    "s_out2": ("x", None, "x_s1", 10, False, END - 25 * H, 50, 0, 0, 10,
               ["Stratus"], -0.9),      # before the window
    # another brand only, and three posts at the same instant (cursor ties)
    "o1": ("x", None, "x_o", 1, False, END - 5 * H, 0, 0, 0, 0, ["Other"], 0.1),
    "o2": ("x", None, "x_o", 1, False, END - 5 * H, 0, 0, 0, 0, ["Other"], -0.1),
    "o3": ("reddit", None, "r_o", 1, False, END - 5 * H, 0, 0, 0, 0, ["Other"], 0.0),
}


def _label(compound: float) -> str:
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def insert_mentions(clickhouse, tenant: str, mentions: dict, source: str = SOURCE) -> None:
    """Write hand-made mentions (and the scores of those that have one)."""
    now = datetime(2026, 3, 11, tzinfo=UTC)
    raw, scored = [], []
    for post_id, (platform, parent, author, followers, verified, created_at, likes, reposts,
                  replies, impressions, brands, compound) in mentions.items():
        raw.append([tenant, platform, post_id, parent, author, "@" + author, followers,
                    verified, f"post {post_id} about {' '.join(brands)}", "en",
                    f"https://{platform}.example/{post_id}", created_at, likes, reposts,
                    replies, impressions, brands, source, now])
        if compound is not None:
            scored.append([tenant, platform, post_id, created_at, source, compound, 0.0, 0.0,
                           0.0, _label(compound), "test-1", now])
    clickhouse.insert("raw_social_mentions", raw, column_names=MENTION_COLUMNS)
    clickhouse.insert("social_mentions_scored", scored, column_names=SCORED_COLUMNS)


@pytest.fixture(scope="module")
def social_tenant(clickhouse, api_context, server_url) -> httpx.Client:
    insert_mentions(clickhouse, TENANT, MENTIONS)
    key = create_key(api_context.db, TENANT, ["read", "ingest"], "social tests")[0]
    with client_for(server_url, key) as client:
        yield client


def analyze(client: httpx.Client, **body) -> dict:
    response = client.post("/social/analyze", json={
        "company": "Nimbus", "competitors": ["Cirrus", "Stratus"], "timeframe_hours": 24,
        **body})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_analyze_brand_summaries(social_tenant) -> None:
    data = analyze(social_tenant)  # end defaults to the latest mention, n6 at END
    assert data["window_end"] == END.isoformat()
    assert data["window_start"] == (END - 24 * H).isoformat()
    assert data["platforms"] == ["linkedin", "reddit", "x"]
    nimbus, cirrus, stratus = data["brands"]
    # Nimbus: originals n1..n6 (r1 is a repost: reach and engagement, no opinion)
    assert nimbus["brand"] == "Nimbus"
    assert nimbus["mentions"] == 6
    assert nimbus["reposts"] == 1
    assert nimbus["reach"] == 1000 + 300 + 2000 + 50 + 5000 + 800 + 10  # 9160
    assert nimbus["engagement"] == 18 + 30 + 12 + 1 + 150 + 3 + 0  # 214
    # labels of scored originals: n1, n2 positive; n3 neutral; n4, n5 negative (n6 unscored,
    # r1's +0.9 is a repost and not counted)
    assert nimbus["sentiment_distribution"] == {"positive": 2, "neutral": 1, "negative": 2}
    assert nimbus["scored_mentions"] == 5
    assert nimbus["average_sentiment"] == pytest.approx((0.6 + 0.4 + 0.0 - 0.5 - 0.7) / 5)
    assert nimbus["net_sentiment"] == 0.0  # (2 - 2) / 6
    # Cirrus: n2 (shared with Nimbus), c1, c2, c3, all positive
    assert (cirrus["mentions"], cirrus["reposts"], cirrus["reach"], cirrus["engagement"]) == (
        4, 0, 300 + 100 + 400 + 20, 30 + 4 + 10 + 0)
    assert cirrus["sentiment_distribution"] == {"positive": 4, "neutral": 0, "negative": 0}
    assert cirrus["average_sentiment"] == pytest.approx(1.4 / 4)
    assert cirrus["net_sentiment"] == 1.0
    # Stratus: s1..s4 (s_out1 sits on the open start, s_out2 before it)
    assert (stratus["mentions"], stratus["reach"], stratus["engagement"]) == (4, 135, 8)
    assert stratus["sentiment_distribution"] == {"positive": 2, "neutral": 2, "negative": 0}
    assert stratus["average_sentiment"] == pytest.approx(0.1)
    assert stratus["net_sentiment"] == 0.5
    # share of voice over the three brands: 6 + 4 + 4 mentions, 10115 reach, 266 engagement
    assert [b["share_of_voice"] for b in data["brands"]] == pytest.approx(
        [6 / 14, 4 / 14, 4 / 14])
    assert nimbus["reach_share"] == pytest.approx(9160 / 10115)
    assert cirrus["engagement_share"] == pytest.approx(44 / 266)
    # top originals by engagement; the repost r1 is never a top post
    assert [p["post_id"] for p in nimbus["top_posts"]] == ["n5", "n2", "n1", "n3", "n4"]
    assert nimbus["top_posts"][0]["engagement"] == 150
    assert nimbus["top_posts"][0]["label"] == "negative"


def test_analyze_trends_and_crisis(social_tenant) -> None:
    data = analyze(social_tenant, crisis_min_mentions=2)
    trends = {t["brand"]: t for t in data["sentiment_trends"]}
    # Nimbus: first half n1, n2, n3 (n3 on MID) avg 1.0/3; second n4, n5 (n6 unscored) -0.6
    assert trends["Nimbus"]["first_half"] == pytest.approx(1 / 3)
    assert trends["Nimbus"]["second_half"] == pytest.approx(-0.6)
    assert trends["Nimbus"]["first_half_mentions"] == 3
    assert trends["Nimbus"]["second_half_mentions"] == 3
    assert trends["Nimbus"]["change"] == pytest.approx(-0.6 - 1 / 3)
    assert trends["Nimbus"]["trend"] == "declining"
    # Cirrus: (0.4 + 0.2) / 2 = 0.3 → (0.3 + 0.5) / 2 = 0.4: exactly +0.1 is not > 0.1
    assert trends["Cirrus"]["change"] == pytest.approx(0.1)
    assert trends["Cirrus"]["trend"] == "stable"
    # Stratus: 0.2 → 0.0, change -0.2 < -0.1
    assert trends["Stratus"]["trend"] == "declining"
    # half-window rule: Nimbus -0.93 < -0.3 crisis; Stratus -0.2 < -0.15 warning
    alerts = {a["brand"]: a for a in data["crisis_alerts"]}
    assert set(alerts) == {"Nimbus", "Stratus"}
    assert alerts["Nimbus"]["severity"] == "crisis"
    assert alerts["Stratus"]["severity"] == "warning"
    assert alerts["Nimbus"]["change"] == pytest.approx(-0.6 - 1 / 3)
    # evidence: negative originals of the recent half by engagement: n5 (150), n4 (1)
    assert [p["post_id"] for p in alerts["Nimbus"]["evidence"]] == ["n5", "n4"]
    assert alerts["Stratus"]["evidence"] == []
    assert "fell from 0.33 to -0.60 (-0.93) over the last 12h" in alerts["Nimbus"]["summary"]
    # each half needs crisis_min_mentions originals: Stratus has 2 per half, Nimbus 3
    assert [a["brand"] for a in analyze(social_tenant, crisis_min_mentions=3)[
        "crisis_alerts"]] == ["Nimbus"]
    assert analyze(social_tenant)["crisis_alerts"] == []  # default 20 per half


def test_analyze_influencers(social_tenant) -> None:
    data = analyze(social_tenant, influencers=3)

    def score(followers: int, engagement: int, posts: int, verified: bool) -> float:
        # fct_influencers: maxima over the window's authors are li_exec's 2000 followers,
        # a_sky's 172 engagement and 3 posts
        raw = 100 * (0.40 * math.log(1 + followers) / math.log(2001)
                     + 0.35 * math.log(1 + engagement) / math.log(173)
                     + 0.15 * math.log(1 + posts) / math.log(4)) + (10 if verified else 0)
        return round(min(100.0, raw), 1)

    top = data["influencers"]
    # li_exec: n3 + c2 = 22 engagement, 2 posts, verified → 83.2
    # a_sky: n1 + n5 + c1 = 172 engagement, 3 posts → 82.7; r_user: n2 = 30, 1 post → 60.9
    assert [(i["author_id"], i["posts"], i["total_engagement"]) for i in top] == [
        ("li_exec", 2, 22), ("a_sky", 3, 172), ("r_user", 1, 30)]
    assert [i["score"] for i in top] == [score(2000, 22, 2, True), score(500, 172, 3, False),
                                         score(300, 30, 1, False)] == [83.2, 82.7, 60.9]
    assert top[0]["brands_mentioned"] == ["Cirrus", "Nimbus"]
    assert top[1]["avg_engagement"] == pytest.approx(172 / 3)
    # a_fan only reposted: never an influencer
    everyone = analyze(social_tenant, influencers=100)["influencers"]
    assert "a_fan" not in {i["author_id"] for i in everyone}
    assert len(everyone) == 9


def test_analyze_platforms_and_explicit_end(social_tenant) -> None:
    only_x = analyze(social_tenant, platforms=["x"])["brands"][0]
    # Nimbus on x: originals n1, n4, n5 and the repost r1
    assert (only_x["mentions"], only_x["reposts"], only_x["reach"]) == (3, 1, 6850)
    # a 12 h window ending at MID holds n1 (END-22h = MID-10h), n2 (MID-6h) and n3 (MID)
    early = analyze(social_tenant, timeframe_hours=12, end=MID.isoformat())
    assert early["brands"][0]["mentions"] == 3
    # a naive end is UTC
    naive = analyze(social_tenant, timeframe_hours=12, end="2026-03-10T00:00:00")
    assert naive["window_end"] == MID.isoformat()


def test_analyze_validation_names_the_field(social_tenant) -> None:
    for body, field in (
        ({"company": "Nimbus", "timeframe_hours": 0}, "timeframe_hours"),
        ({"company": "Nimbus", "platforms": ["myspace"]}, "platforms.0"),
        ({"company": "Nimbus", "competitors": ["nimbus"]}, "competitors"),
        ({"company": "Nimbus", "competitors": ["A", "a"]}, "competitors"),
        ({"company": ""}, "company"),
        ({"company": "Nimbus", "tenant_id": "acme"}, "tenant_id"),
    ):
        response = social_tenant.post("/social/analyze", json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


def test_analyze_without_mentions_reports_zeros(globex) -> None:
    data = globex.post("/social/analyze", json={"company": "Nimbus",
                                                "competitors": ["Cirrus"]}).json()["data"]
    # globex has no Nimbus mentions (t_social_1's rows are invisible to it)
    assert [b["mentions"] for b in data["brands"]] == [0, 0]
    assert data["sentiment_trends"] == [] and data["influencers"] == []


# --- mentions feed ----------------------------------------------------------------------


def _walk(client: httpx.Client, limit: int, **params) -> list[dict]:
    rows, cursor, pages = [], None, 0
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get("/social/mentions", params=query)
        assert response.status_code == 200, response.text
        page = response.json()["data"]
        assert len(page["items"]) <= limit
        rows += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return rows
        assert pages < 100


def _key(row: dict) -> tuple:
    return (row["created_at"], row["platform"], row["post_id"], row["source"])


def test_mentions_cursor_walk_returns_every_row_once_in_order(social_tenant) -> None:
    rows = _walk(social_tenant, 4)
    ids = [r["post_id"] for r in rows]
    assert sorted(ids) == sorted(MENTIONS)  # 19 rows, each once
    assert len(ids) == 19
    keys = [_key(r) for r in rows]
    assert keys == sorted(keys, reverse=True)  # newest first
    # o1, o2 (x) and o3 (reddit) share an instant: platform, then post_id, descending
    tied = [r["post_id"] for r in rows if r["post_id"].startswith("o")]
    assert tied == ["o2", "o1", "o3"]
    assert ids[0] == "n6"  # END
    # one page of everything gives the same order
    everything = social_tenant.get("/social/mentions", params={"limit": 500}).json()["data"]
    assert [r["post_id"] for r in everything["items"]] == ids
    assert everything["next_cursor"] is None


def test_mentions_rows_carry_their_sentiment(social_tenant) -> None:
    rows = {r["post_id"]: r for r in _walk(social_tenant, 500)}
    assert rows["n5"]["engagement"] == 150 and rows["n5"]["reach"] == 5000
    assert rows["n5"]["label"] == "negative" and rows["n5"]["compound"] == -0.7
    assert rows["r1"]["is_repost"] and rows["r1"]["parent_id"] == "n5"
    assert rows["n6"]["compound"] is None and rows["n6"]["label"] is None
    assert rows["n2"]["matched_brands"] == ["Nimbus", "Cirrus"]


@pytest.mark.parametrize(("params", "expected"), [
    ({"brand": "Nimbus"}, {"n1", "n2", "n3", "n4", "n5", "r1", "n6"}),
    ({"brand": "cirrus"}, {"n2", "c1", "c2", "c3"}),
    ({"brand": ["Cirrus", "Stratus"]}, {"n2", "c1", "c2", "c3", "s1", "s2", "s3", "s4",
                                        "s_out1", "s_out2"}),
    ({"platform": "reddit"}, {"n2", "n6", "s2", "o3"}),
    ({"platform": ["linkedin", "reddit"], "brand": "Nimbus"}, {"n2", "n3", "n6"}),
    ({"label": "negative"}, {"n4", "n5", "s_out1", "s_out2", "o2"}),
    ({"label": "neutral", "brand": "Stratus"}, {"s3", "s4"}),
    # 2026-03-09 (UTC): END-25h .. END-13h; n3 sits at 03-10 00:00
    ({"date_from": "2026-03-09", "date_to": "2026-03-09"},
     {"s_out2", "s_out1", "c1", "n1", "s1", "s2", "n2"}),
    ({"date_from": "2026-03-10", "brand": "Cirrus"}, {"c2", "c3"}),
    ({"date_to": "2026-03-08"}, set()),
])
def test_mentions_filters(social_tenant, params, expected) -> None:
    assert {r["post_id"] for r in _walk(social_tenant, 3, **params)} == expected


def test_mentions_validation(social_tenant) -> None:
    for params, field in (({"limit": 501}, "limit"), ({"limit": 0}, "limit"),
                          ({"platform": "myspace"}, "platform.0"),
                          ({"label": "angry"}, "label.0"),
                          ({"date_from": "2026-03-10", "date_to": "2026-03-09"}, "date_to"),
                          ({"date_from": "yesterday"}, "date_from"),
                          ({"cursor": "not-a-cursor"}, "cursor"),
                          ({"cursor": "WzEsMiwzXQ"}, "cursor"),  # [1,2,3]: wrong shape
                          ({"tenant_id": "acme"}, "tenant_id")):
        response = social_tenant.get("/social/mentions", params=params)
        assert response.status_code == 422, params
        assert field in [e["field"] for e in response.json()["errors"]], response.json()


# --- mart routes (demo pipeline: acme and globex, 2026-04-06..12) -----------------------


def _mart(clickhouse, sql: str, tenant: str) -> list[tuple]:
    return clickhouse.query(sql, parameters={"t": tenant}).result_rows


def test_sentiment_route_reads_the_mart(demo_pipeline, clickhouse, acme, globex) -> None:
    by_platform = acme.get("/social/sentiment", params={"by_platform": "true"}).json()["data"]
    expected = _mart(clickhouse, "SELECT mention_date, brand, platform, mentions, engagement, "
                     "avg_compound FROM mart_brand_sentiment_daily WHERE tenant_id = {t:String} "
                     "ORDER BY mention_date, brand, platform", "acme")
    assert len(by_platform) == len(expected) > 0
    for row, (day, brand, platform, mentions, engagement, avg) in zip(
            by_platform, expected, strict=True):
        assert (row["mention_date"], row["brand"], row["platform"]) == (
            day.isoformat(), brand, platform)
        assert (row["mentions"], row["engagement"]) == (mentions, engagement)
        assert row["avg_compound"] == pytest.approx(avg)
    # summed over platforms: one row per day and brand, counts add up
    totals = acme.get("/social/sentiment", params={"brand": "acme",
                                                   "date_from": "2026-04-12"}).json()["data"]
    assert [r["brand"] for r in totals] == ["Acme"]
    day_rows = [r for r in by_platform if r["mention_date"] == "2026-04-12"
                and r["brand"] == "Acme"]
    assert totals[0]["mentions"] == sum(r["mentions"] for r in day_rows)
    assert totals[0]["platform"] is None
    assert totals[0]["avg_compound"] == pytest.approx(
        sum(r["avg_compound"] * r["scored_mentions"] for r in day_rows)
        / sum(r["scored_mentions"] for r in day_rows))
    # globex's brands, never acme's tracked-only brands
    globex_brands = {r["brand"] for r in globex.get("/social/sentiment").json()["data"]}
    assert globex_brands == {"Globex", "Acme", "Soylent", "Stark"}


def test_share_of_voice_route(demo_pipeline, clickhouse, acme) -> None:
    data = acme.get("/social/share-of-voice", params={"metric": "reach"}).json()["data"]
    expected = _mart(clickhouse, "SELECT mention_date, brand, value, share FROM "
                     "mart_share_of_voice_daily WHERE tenant_id = {t:String} AND metric = "
                     "'reach' ORDER BY mention_date, brand_rank, brand", "acme")
    assert [(r["mention_date"], r["brand"], r["value"]) for r in data["daily"]] == [
        (d.isoformat(), b, v) for d, b, v, _ in expected]
    assert sum(t["share"] for t in data["total"]) == pytest.approx(1.0)
    assert sum(t["value"] for t in data["total"]) == sum(v for _, _, v, _ in expected)
    only = acme.get("/social/share-of-voice", params={"brand": "Hooli"}).json()["data"]
    assert {r["brand"] for r in only["daily"]} == {"Hooli"}
    assert [t["brand"] for t in only["total"]] == ["Hooli"]
    assert 0 < only["total"][0]["share"] < 1  # a share of every brand's mentions


def test_influencers_route(demo_pipeline, clickhouse, acme) -> None:
    data = acme.get("/social/influencers", params={"limit": 5}).json()["data"]
    latest = _mart(clickhouse, "SELECT max(as_of_date) FROM mart_influencers "
                   "WHERE tenant_id = {t:String}", "acme")[0][0]
    assert data["as_of_date"] == latest.isoformat() == "2026-04-12"
    expected = _mart(clickhouse, "SELECT author_id, score FROM mart_influencers WHERE "
                     "tenant_id = {t:String} AND as_of_date = '2026-04-12' "
                     "ORDER BY influencer_rank LIMIT 5", "acme")
    assert [(i["author_id"], i["score"]) for i in data["influencers"]] == expected
    assert [i["influencer_rank"] for i in data["influencers"]] == [1, 2, 3, 4, 5]
    reddit = acme.get("/social/influencers", params={"platform": "reddit",
                                                     "as_of_date": "2026-04-10"}).json()["data"]
    assert reddit["influencers"] and {i["platform"] for i in reddit["influencers"]} == {"reddit"}


def test_mart_routes_are_empty_for_a_tenant_without_data(demo_pipeline, social_tenant) -> None:
    assert social_tenant.get("/social/sentiment").json()["data"] == []
    assert social_tenant.get("/social/share-of-voice").json()["data"] == {
        "metric": "mentions", "daily": [], "total": []}
    assert social_tenant.get("/social/influencers").json()["data"] == {
        "as_of_date": None, "window_days": None, "influencers": []}


def test_analyze_agrees_with_the_daily_mart(demo_pipeline, clickhouse, acme) -> None:
    """One whole UTC day through the window analysis equals the mart's day: the same
    engagement formula, reach rule, repost rule and averages in dbt and in the API."""
    end = "2026-04-12T23:59:59.999Z"  # (04-11 23:59:59.999, 04-12 23:59:59.999]: the day
    data = acme.post("/social/analyze", json={
        "company": "Acme", "competitors": ["Globex", "Initech", "Umbrella", "Hooli"],
        "timeframe_hours": 24, "end": end, "top_posts": 0, "influencers": 0}).json()["data"]
    mart = {r[0]: r[1:] for r in _mart(clickhouse, """
        SELECT brand, sum(mentions), sum(reposts), sum(reach), sum(engagement), sum(positive),
            sum(neutral), sum(negative), sum(compound_sum) / sum(scored_mentions)
        FROM mart_brand_sentiment_daily
        WHERE tenant_id = {t:String} AND mention_date = '2026-04-12' GROUP BY brand""", "acme")}
    assert len(mart) == 5
    for brand in data["brands"]:
        mentions, reposts, reach, engagement, pos, neu, neg, avg = mart[brand["brand"]]
        assert (brand["mentions"], brand["reposts"], brand["reach"], brand["engagement"]) == (
            mentions, reposts, reach, engagement)
        assert brand["sentiment_distribution"] == {"positive": pos, "neutral": neu,
                                                   "negative": neg}
        assert brand["average_sentiment"] == pytest.approx(avg, abs=1e-9)


# --- isolation and injection ------------------------------------------------------------

INJECTIONS = ["x' OR '1'='1", "Nimbus') OR 1=1 --", "'; DROP TABLE raw_social_mentions; --",
              "{tenant_id:String}", "\\' OR tenant_id != ''"]


def test_globex_never_sees_other_tenants_rows(demo_pipeline, clickhouse, globex,
                                              social_tenant) -> None:
    mine = set(MENTIONS)
    seen = {r["post_id"] for r in _walk(globex, 500, brand="Nimbus")}
    assert seen == set()
    acme_posts = {r[0] for r in _mart(clickhouse, "SELECT post_id FROM raw_social_mentions "
                                      "WHERE tenant_id = {t:String}", "acme")}
    globex_posts = {r[0] for r in _mart(clickhouse, "SELECT post_id FROM raw_social_mentions "
                                        "WHERE tenant_id = {t:String} AND toDate(created_at) "
                                        "= '2026-04-12'", "globex")}
    day = {r["post_id"] for r in _walk(globex, 500, date_from="2026-04-12",
                                       date_to="2026-04-12")}
    assert day == globex_posts
    assert not day & (mine | (acme_posts - globex_posts))
    # mart routes: globex's answers are globex's rows
    sov = globex.get("/social/share-of-voice").json()["data"]
    expected = _mart(clickhouse, "SELECT count() FROM mart_share_of_voice_daily WHERE "
                     "tenant_id = {t:String} AND metric = 'mentions'", "globex")[0][0]
    assert len(sov["daily"]) == expected
    assert "Hooli" not in {r["brand"] for r in sov["daily"]}  # an acme-only brand
    # the window analysis of globex's Acme is globex's Acme, not acme's
    day = {"timeframe_hours": 24, "end": "2026-04-12T23:59:59.999Z", "top_posts": 0}
    acme_mentions = {
        tenant: _mart(clickhouse, "SELECT sum(mentions) FROM mart_brand_sentiment_daily WHERE "
                      "tenant_id = {t:String} AND brand = 'Acme' AND mention_date = "
                      "'2026-04-12'", tenant)[0][0] for tenant in ("acme", "globex")}
    assert acme_mentions["acme"] != acme_mentions["globex"]
    seen_by_globex = globex.post("/social/analyze", json={
        "company": "Globex", "competitors": ["Acme"], **day}).json()["data"]["brands"][1]
    assert seen_by_globex["mentions"] == acme_mentions["globex"]
    influencers = globex.get("/social/influencers").json()["data"]["influencers"]
    authors = {r[0] for r in _mart(clickhouse, "SELECT author_id FROM mart_influencers WHERE "
                                   "tenant_id = {t:String} AND as_of_date = '2026-04-12'",
                                   "globex")}
    assert {i["author_id"] for i in influencers} <= authors


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_strings_are_values(social_tenant, clickhouse, value) -> None:
    for params in ({"brand": value}, {"brand": ["Nimbus", value]}):
        response = social_tenant.get("/social/mentions", params=params)
        assert response.status_code == 200, response.text
        expected = set() if len(params["brand"]) != 2 else {
            "n1", "n2", "n3", "n4", "n5", "r1", "n6"}
        assert {r["post_id"] for r in response.json()["data"]["items"]} == expected
    for path in ("/social/sentiment", "/social/share-of-voice"):
        response = social_tenant.get(path, params={"brand": value})
        assert response.status_code == 200, response.text
    for path, params in (("/social/mentions", {"platform": value}),
                         ("/social/mentions", {"label": value}),
                         ("/social/mentions", {"date_from": value}),
                         ("/social/mentions", {"cursor": value}),
                         ("/social/share-of-voice", {"metric": value}),
                         ("/social/sentiment", {"date_to": value}),
                         ("/social/influencers", {"as_of_date": value}),
                         ("/social/influencers", {"platform": value})):
        response = social_tenant.get(path, params=params)
        assert response.status_code == 422, (path, params)
        assert response.json()["errors"][0]["field"].split(".")[0] == next(iter(params))
    data = analyze(social_tenant, company=value, competitors=["Nimbus"])
    assert [b["mentions"] for b in data["brands"]] == [0, 6]
    assert data["brands"][0]["brand"] == value
    # nothing was dropped or widened
    assert clickhouse.query("SELECT count() FROM raw_social_mentions WHERE tenant_id = "
                            "{t:String}", parameters={"t": TENANT}).result_rows[0][0] == 19


def test_openapi_documents_the_social_routes(server_url) -> None:
    spec = httpx.get(server_url + "/openapi.json").json()
    paths = spec["paths"]
    for path in ("/v1/social/analyze", "/v1/social/mentions", "/v1/social/sentiment",
                 "/v1/social/share-of-voice", "/v1/social/influencers",
                 "/v1/social/monitors", "/v1/social/monitors/{monitor_id}",
                 "/v1/social/monitors/{monitor_id}/alerts"):
        assert path in paths, path
    params = {p["name"] for p in paths["/v1/social/mentions"]["get"]["parameters"]}
    assert {"brand", "platform", "label", "date_from", "date_to", "limit", "cursor"} <= params
