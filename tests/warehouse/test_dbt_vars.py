"""The rules the dbt project declares as vars, read by Python: one definition for the marts
and the API (DESIGN §7's engagement, thresholds and influencer weights)."""

from __future__ import annotations

from decimal import Decimal

from warehouse.dbt_vars import engagement_sql, social_rules


def test_social_rules_are_design_7s_numbers() -> None:
    rules = social_rules()
    assert (rules.trend_threshold, rules.crisis_change, rules.warning_change) == (
        Decimal("0.1"), Decimal("-0.3"), Decimal("-0.15"))
    assert rules.influencer_weights == {"followers": 0.40, "engagement": 0.35, "posts": 0.15,
                                        "verified": 10}
    assert rules.evidence_posts == 5


def test_engagement_expression_computes_design_7s_formula(clickhouse) -> None:
    # likes 10, reposts 2, replies 3 on each platform, worked out by hand:
    # X 10 + 3·2 + 2·3 = 22; LinkedIn reactions + 2·comments + 3·shares = 22;
    # Reddit score + 2·comments = 16; any other platform the plain sum = 15.
    expression = engagement_sql("platform", "likes", "reposts", "replies")
    rows = clickhouse.query(
        f"SELECT platform, {expression} AS engagement FROM (SELECT arrayJoin(['x', "
        "'linkedin', 'reddit', 'mastodon']) AS platform, 10 AS likes, 2 AS reposts, "
        "3 AS replies) ORDER BY platform").result_rows
    assert dict(rows) == {"linkedin": 22, "mastodon": 15, "reddit": 16, "x": 22}
