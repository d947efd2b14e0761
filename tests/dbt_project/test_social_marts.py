"""Social marts (DESIGN §7): crisis alerts and share of voice on the demo days, and the
half-split trend rule on hand-written mentions whose expected numbers sit next to them."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pytest

from ingestion.sentiment import label_for
from tests.dbt_project.conftest import DEMO_FIRST, DEMO_LAST, TransformStore, hand_store

CRISIS_DAY = date(2026, 2, 16)
LAUNCH_DAY = date(2026, 2, 8)
OWN_COMPANY = {"acme": "Acme", "globex": "Globex"}
SOCIAL_MARTS = {
    "intermediate.int_mentions_unnested_by_brand": "mention_date",
    "marts.fct_brand_sentiment_daily": "mention_date",
    "marts.fct_share_of_voice_daily": "mention_date",
    "marts.fct_brand_sentiment_trends": "as_of_date",
    "marts.fct_influencers": "as_of_date",
    "marts.fct_crisis_alerts": "alert_date",
}

# Original mentions of one brand on one day, straight from staging (no mart logic).
ORIGINALS = """
    SELECT m.post_id, m.platform, m.engagement, s.compound, s.sentiment_label
    FROM staging.stg_social__mentions AS m
    JOIN staging.stg_social__mention_sentiments AS s USING (tenant_id, platform, post_id)
    WHERE m.tenant_id = ? AND list_contains(m.matched_brands, ?) AND m.mention_date = ?
      AND NOT m.is_repost
"""


def _alerts(store: TransformStore, where: str = "true", params: list | None = None
            ) -> list[tuple]:
    return store.query(
        "SELECT tenant_id, alert_date, brand, rule, severity FROM marts.fct_crisis_alerts "
        f"WHERE {where} ORDER BY ALL", params)


def test_crisis_day_raises_a_crisis_for_each_tenants_own_company(demo_store) -> None:
    alerts = _alerts(demo_store, "alert_date = ? AND severity = 'crisis'", [CRISIS_DAY])
    for tenant, company in OWN_COMPANY.items():
        assert (tenant, CRISIS_DAY, company, "half_window", "crisis") in alerts
        assert (tenant, CRISIS_DAY, company, "negative_zscore", "crisis") in alerts


def test_no_alert_of_any_rule_or_severity_on_quiet_days(demo_store) -> None:
    # Quiet: not the crisis day, not the launch day or the day after it. 02-10 (the
    # competitor's sentiment falling back after its launch spike) and 02-17 (the day
    # after the crisis) are quiet too.
    loud = [CRISIS_DAY, LAUNCH_DAY, LAUNCH_DAY + timedelta(days=1)]
    assert _alerts(demo_store, "alert_date NOT IN (?, ?, ?)", loud) == []
    # ...while the rules were evaluated on every brand-day of both tenants
    [(brand_days,)] = demo_store.query(
        "SELECT count(DISTINCT (tenant_id, mention_date, brand)) "
        "FROM marts.fct_brand_sentiment_daily")
    assert brand_days == 21 * (5 + 4)


def test_half_window_change_is_the_days_average_minus_the_day_befores(demo_store) -> None:
    for tenant, company in OWN_COMPANY.items():
        today = demo_store.query(ORIGINALS, [tenant, company, CRISIS_DAY])
        before = demo_store.query(ORIGINALS, [tenant, company, CRISIS_DAY - timedelta(days=1)])
        expected_value = statistics.fmean(r[3] for r in today)
        expected_baseline = statistics.fmean(r[3] for r in before)
        [(value, baseline, change, first_n, second_n)] = demo_store.query(
            "SELECT value, baseline, change, first_half_mentions, second_half_mentions "
            "FROM marts.fct_crisis_alerts WHERE tenant_id = ? AND brand = ? "
            "AND alert_date = ? AND rule = 'half_window'", [tenant, company, CRISIS_DAY])
        assert value == pytest.approx(expected_value, abs=1e-9)
        assert baseline == pytest.approx(expected_baseline, abs=1e-9)
        assert change == pytest.approx(expected_value - expected_baseline, abs=1e-9)
        assert change < -0.3
        assert (first_n, second_n) == (len(before), len(today))


def test_negative_zscore_uses_the_previous_14_days_and_carries_top_negative_posts(
        demo_store) -> None:
    tenant, company = "acme", "Acme"
    negatives = [
        sum(1 for r in demo_store.query(ORIGINALS, [tenant, company, day])
            if r[4] == "negative")
        for day in (CRISIS_DAY - timedelta(days=d) for d in range(14, -1, -1))
    ]
    baseline, today = negatives[:-1], negatives[-1]
    expected_z = (today - statistics.fmean(baseline)) / max(statistics.stdev(baseline), 1)
    [(value, mean, z, negative_share, post_ids, texts, summary)] = demo_store.query(
        "SELECT value, baseline, z_score, negative_share, evidence_post_ids, "
        "evidence_texts, summary FROM marts.fct_crisis_alerts WHERE tenant_id = ? "
        "AND brand = ? AND alert_date = ? AND rule = 'negative_zscore'",
        [tenant, company, CRISIS_DAY])
    assert value == today
    assert mean == pytest.approx(statistics.fmean(baseline))
    assert z == pytest.approx(expected_z)
    assert z >= 2 * 3.0
    originals = demo_store.query(ORIGINALS, [tenant, company, CRISIS_DAY])
    assert negative_share == pytest.approx(today / len(originals))
    # evidence: the 5 most engaging negative originals of the brand that day
    top = sorted((r for r in originals if r[4] == "negative"),
                 key=lambda r: (-r[2], r[1], r[0]))[:5]
    assert post_ids == [r[0] for r in top]
    assert len(texts) == 5
    assert all(company.lower() in text.lower() for text in texts)
    assert summary.startswith(f"{company}: {today} negative original mentions")


def test_cooldown_suppresses_a_brand_that_triggered_in_the_previous_days(
        demo_store, tmp_path) -> None:
    # Rebuild the day after the crisis with the z-score rule made hair-trigger (z >= -100,
    # one negative is enough): every brand triggers on that day and on the 3 days before.
    store = demo_store.copy(tmp_path)
    day = CRISIS_DAY + timedelta(days=1)
    window = {"min_date": day, "max_date": day + timedelta(days=1)}
    hair_trigger = {"crisis_z_threshold": -100.0, "crisis_min_negative": 1}

    def zscore_alerts() -> set[tuple[str, str]]:
        return {(t, b) for t, _, b, r, _ in _alerts(store, "alert_date = ?", [day])
                if r == "negative_zscore"}

    store.dbt("run", "--select", "fct_crisis_alerts", **window,
              extra_vars={**hair_trigger, "crisis_cooldown_days": 0})
    assert len(zscore_alerts()) == 9  # all brands of both tenants
    store.dbt("run", "--select", "fct_crisis_alerts", **window, extra_vars=hair_trigger)
    assert zscore_alerts() == set()


def test_share_of_voice_sums_to_one_per_tenant_day_and_metric(demo_store) -> None:
    totals = demo_store.query(
        "SELECT tenant_id, mention_date, metric, sum(share) "
        "FROM marts.fct_share_of_voice_daily GROUP BY ALL")
    assert len(totals) == 2 * 21 * 3
    assert all(total == pytest.approx(1.0, abs=1e-9) for *_, total in totals)


def test_share_of_voice_counts_originals_and_reach_with_reposts(demo_store) -> None:
    day = date(2026, 2, 12)
    direct = dict(((b, m), v) for b, m, v in demo_store.query(
        """
        SELECT brand, 'mentions', count(*) FILTER (WHERE NOT is_repost)
        FROM staging.stg_social__mentions, unnest(matched_brands) AS t(brand)
        WHERE tenant_id = 'acme' AND mention_date = ? GROUP BY brand
        UNION ALL
        SELECT brand, 'reach', sum(reach)
        FROM staging.stg_social__mentions, unnest(matched_brands) AS t(brand)
        WHERE tenant_id = 'acme' AND mention_date = ? GROUP BY brand
        """, [day, day]))
    mart = {(b, m): (v, s) for b, m, v, s in demo_store.query(
        "SELECT brand, metric, value, share FROM marts.fct_share_of_voice_daily "
        "WHERE tenant_id = 'acme' AND mention_date = ? AND metric IN ('mentions', 'reach')",
        [day])}
    assert {k: v for k, (v, _) in mart.items()} == direct
    mentions_total = sum(v for (_, m), v in direct.items() if m == "mentions")
    assert mart[("Acme", "mentions")][1] == pytest.approx(
        direct[("Acme", "mentions")] / mentions_total)
    # reposts add reach: the mart's reach is more than the originals' reach alone
    [(originals_reach,)] = demo_store.query(
        "SELECT sum(reach) FROM staging.stg_social__mentions WHERE tenant_id = 'acme' "
        "AND mention_date = ? AND list_contains(matched_brands, 'Acme') AND NOT is_repost",
        [day])
    assert mart[("Acme", "reach")][0] > originals_reach


def test_rebuilding_the_crisis_window_reproduces_every_social_mart(demo_store, tmp_path
                                                                   ) -> None:
    store = demo_store.copy(tmp_path)
    snapshot = "SELECT * FROM {} ORDER BY ALL"
    before = {t: store.query(snapshot.format(t)) for t in SOCIAL_MARTS}
    store.dbt("run", "--select", "+path:models/marts/social", min_date=CRISIS_DAY,
              max_date=CRISIS_DAY + timedelta(days=3))
    after = {t: store.query(snapshot.format(t)) for t in SOCIAL_MARTS}
    assert after == before
    assert before["marts.fct_influencers"][0][1] == DEMO_FIRST
    assert max(r[1] for r in before["marts.fct_influencers"]) == DEMO_LAST


# --- the half-split trend rule on hand-written mentions -------------------------------

def _mention(post_id: str, brands: list[str], day: str, compound: float,
             repost_of: str | None = None) -> tuple[dict, dict]:
    """A raw mention of tenant t1 on X at noon of `day`, and its sentiment score."""
    at = datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=UTC)
    mention = {
        "tenant_id": "t1", "platform": "x", "post_id": post_id, "parent_id": repost_of,
        "author_id": f"a-{post_id}", "author_handle": f"h{post_id}", "author_followers": 100,
        "author_verified": False, "text": f"post {post_id}", "lang": "en",
        "url": f"https://x.com/h/status/{post_id}", "created_at": at, "likes": 1,
        "reposts": 0, "replies": 0, "impressions": 0, "matched_brands": brands,
        "source": "test", "ingested_at": at}
    score = {"tenant_id": "t1", "platform": "x", "post_id": post_id, "created_at": at,
             "source": "test", "compound": compound, "pos": 0.0, "neu": 1.0, "neg": 0.0,
             "label": label_for(compound), "model_version": "test", "scored_at": at}
    return mention, score


# Window 14 days ending 03-14: older half 03-01..03-07, recent half 03-08..03-14.
TREND_MENTIONS = [
    # Acme — older: 0.5, 0.3, 0.1 → 0.3; recent: -0.2, 0.0, -0.4 → -0.2; change -0.5.
    _mention("1", ["Acme"], "2026-03-01", 0.5),
    _mention("2", ["Acme", "Beta"], "2026-03-01", 0.3),  # also Beta's only older mention
    _mention("3", ["Acme"], "2026-03-05", 0.1),
    _mention("4", ["Acme"], "2026-03-06", -0.9, repost_of="3"),  # a repost: no opinion
    _mention("5", ["Acme"], "2026-03-08", -0.2),
    _mention("6", ["Acme"], "2026-03-14", 0.0),
    _mention("7", ["Acme"], "2026-03-14", -0.4),
    # Beta — older: 0.3; recent: 0.5, 0.2 → 0.35; change +0.05, stable.
    _mention("8", ["Beta"], "2026-03-10", 0.5),
    _mention("9", ["Beta"], "2026-03-10", 0.2),
    # Gamma — older: -0.3; recent: 0.25 → change +0.55, improving.
    _mention("10", ["Gamma"], "2026-03-02", -0.3),
    _mention("11", ["Gamma"], "2026-03-13", 0.25),
    # Delta — recent half only: no trend row.
    _mention("12", ["Delta"], "2026-03-12", 0.9),
]


@pytest.fixture(scope="module")
def trend_store(tmp_path_factory: pytest.TempPathFactory) -> TransformStore:
    store = hand_store(tmp_path_factory.mktemp("social-trends"), events=[],
                       mentions=[m for m, _ in TREND_MENTIONS],
                       scores=[s for _, s in TREND_MENTIONS])
    store.dbt("build", "--select", "+fct_brand_sentiment_trends")
    return store


def test_half_split_trend_on_hand_computed_mentions(trend_store) -> None:
    rows = trend_store.query(
        "SELECT brand, first_half_mentions, second_half_mentions, first_half_avg, "
        "second_half_avg, change, trend FROM marts.fct_brand_sentiment_trends "
        "WHERE tenant_id = 't1' AND as_of_date = '2026-03-14' ORDER BY brand")
    expected = [
        ("Acme", 3, 3, 0.3, -0.2, -0.5, "declining"),
        ("Beta", 1, 2, 0.3, 0.35, 0.05, "stable"),
        ("Gamma", 1, 1, -0.3, 0.25, 0.55, "improving"),
    ]
    assert [(*r[:3], r[6]) for r in rows] == [(*e[:3], e[6]) for e in expected]
    for row, want in zip(rows, expected, strict=True):
        assert row[3:6] == pytest.approx(want[3:6], abs=1e-9)


def test_trend_rows_exist_only_on_days_with_data_and_both_halves(trend_store) -> None:
    # 03-08: older half 02-23..03-01 holds posts 1 and 2 (Acme 0.4), recent half
    # 03-02..03-08 holds posts 3 and 5 (Acme -0.05), Gamma has no older mention yet.
    rows = trend_store.query(
        "SELECT as_of_date, brand, first_half_avg, second_half_avg, trend "
        "FROM marts.fct_brand_sentiment_trends WHERE as_of_date <= '2026-03-08' "
        "ORDER BY ALL")
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (date(2026, 3, 8), "Acme", "declining")]
    assert rows[0][2:4] == pytest.approx((0.4, -0.05), abs=1e-9)
    as_of_days = [d for (d,) in trend_store.query(
        "SELECT DISTINCT as_of_date FROM marts.fct_brand_sentiment_trends ORDER BY 1")]
    assert as_of_days == [date(2026, 3, d) for d in (8, 10, 12, 13, 14)]
