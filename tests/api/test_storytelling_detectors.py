"""Storytelling detectors and the claim gate on hand-computed fixtures (issue: storytelling):
a change is significant only when it is; a planted anomaly is found and a quiet series
yields nothing; a revenue drop concentrated in one utm_source is attributed to it; a mix
shift is told apart from a rate change; a number inserted into a text fails the gate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from api.storytelling.claims import ClaimBook, ClaimGateError, check_numerals, realise
from api.storytelling.detectors.anomaly import anomalies, robust_scores
from api.storytelling.detectors.change import count_change, mean_change
from api.storytelling.detectors.drivers import drivers, mix_rate, product_change


def test_count_change_is_significant_only_when_it_is() -> None:
    small = count_change(120, 100, 7, 7)
    assert (small.absolute, round(small.relative, 3)) == (20.0, 0.2)
    assert small.p_value == pytest.approx(stats.binomtest(120, 220, 0.5).pvalue)
    assert not small.significant  # 20 more of 220 is within chance (p ≈ 0.2)
    big = count_change(200, 100, 7, 7)
    assert big.significant and big.p_value < 1e-6
    # a longer previous period: 140 in 7 days vs 280 in 14 days is no change at all
    assert count_change(140, 280, 7, 14).p_value == pytest.approx(1.0)
    assert count_change(0, 0).relative is None and not count_change(0, 0).significant


def test_mean_change_uses_welch() -> None:
    before = [10, 11, 9, 10, 12, 10, 9]
    after = [14, 15, 13, 16, 14, 15, 14]
    change = mean_change(after, before)
    assert change.significant
    assert change.p_value == pytest.approx(stats.ttest_ind(after, before, equal_var=False).pvalue)
    assert not mean_change([5, 5, 5], [5, 5, 5]).significant


def test_a_planted_anomaly_is_found_and_a_quiet_series_yields_nothing() -> None:
    rng = np.random.default_rng(7)
    quiet = 100 + rng.normal(0, 3, 28)
    assert anomalies(quiet) == []
    planted = quiet.copy()
    planted[17] = 160
    [found] = anomalies(planted)
    assert (found.index, found.direction) == (17, "spike")
    median = np.median(planted)
    mad = np.median(np.abs(planted - median))
    assert found.score == pytest.approx(0.6745 * (160 - median) / mad)
    assert anomalies([50] * 14) == []  # a constant series
    # mostly equal points (MAD 0): the mean absolute deviation takes over
    flat = [10] * 13 + [40]
    assert [a.index for a in anomalies(flat)] == [13]
    assert robust_scores([1, 2, 3]).shape == (3,)
    assert anomalies([1, 100, 1]) == []  # too short to judge


def test_a_revenue_drop_in_one_utm_source_is_attributed_to_it() -> None:
    # expected (last week) → actual (this week) revenue per segment: google lost 600 of
    # the 620 lost overall; the countries moved together, by the size of each
    found = drivers(
        {
            "utm_source": {"google": (1000, 400), "twitter": (500, 480), "direct": (300, 300)},
            "country": {"US": (1000, 655), "DE": (800, 525)},
        }
    )
    assert found[0].dimension == "utm_source"
    top = found[0]
    assert [s.value for s in top.segments] == ["google"]
    assert top.explained == pytest.approx(600 / 620)
    p, q = 1000 / 1800, 400 / 1180
    expected = 0.5 * (p * math.log(2 * p / (p + q)) + q * math.log(2 * q / (p + q)))
    assert top.segments[0].surprise == pytest.approx(expected)
    country = next(d for d in found if d.dimension == "country")
    assert country.surprise < top.surprise / 10  # proportional moves are not surprising
    assert drivers({"utm_source": {"a": (5, 5)}}) == []  # no change, no driver


def test_a_mix_shift_is_told_apart_from_a_rate_change() -> None:
    # conversion = Σ share of sessions × conversion per channel
    mix = mix_rate({"paid": (0.5, 0.04, 0.3, 0.04), "organic": (0.5, 0.02, 0.7, 0.02)})
    assert mix.rate == pytest.approx(0) and mix.interaction == pytest.approx(0)
    assert mix.mix == pytest.approx(mix.after - mix.before) == pytest.approx(-0.004)
    rate = mix_rate({"paid": (0.5, 0.04, 0.5, 0.03), "organic": (0.5, 0.02, 0.5, 0.02)})
    assert rate.mix == pytest.approx(0) and rate.rate == pytest.approx(-0.005)
    both = mix_rate({"paid": (0.5, 0.04, 0.3, 0.03), "organic": (0.5, 0.02, 0.7, 0.02)})
    assert both.mix + both.rate + both.interaction == pytest.approx(both.after - both.before)


def test_revenue_change_splits_into_its_factors_exactly() -> None:
    parts = product_change(
        {"sessions": (1000, 1100), "conversion": (0.02, 0.02), "order_value": (50.0, 45.0)}
    )
    assert parts["conversion"] == 0
    assert sum(parts.values()) == pytest.approx(1100 * 0.02 * 45 - 1000 * 0.02 * 50)
    assert parts["sessions"] > 0 > parts["order_value"]


def test_the_claim_gate_catches_a_number_that_is_not_a_claim() -> None:
    book = ClaimBook()
    revenue = book.claim(
        12345.678,
        "money",
        dataset="raw_events",
        table="raw_events",
        key={"tenant_id": "acme", "date": "2026-04-06"},
        column="revenue",
        dataset_versions={"raw_events": 3},
        params={"q": 1},
    )
    share = book.claim(
        0.256,
        "percent",
        dataset="mart_share_of_voice_daily",
        table="mart_share_of_voice_daily",
        key={"brand": "Acme"},
        column="share",
    )
    text = (
        f"1. Revenue on 2026-04-06 was {book.show(revenue)}, "
        f"{book.show(share)} of the market in Q2 2026."
    )
    assert (
        realise(text, book)
        == "1. Revenue on 2026-04-06 was $12,345.68, 25.6% of the market in Q2 2026."
    )
    with pytest.raises(ClaimGateError, match="not a claim"):
        check_numerals(text.replace("of the market", "of 3 markets"))
    with pytest.raises(ClaimGateError):
        realise("Signups rose 12% this week.", book)
    assert realise(text, book, lambda c: f"<claim {c.id}>").count("<claim ") == 2
    # the same fact from the same versions has the same id
    again = ClaimBook().claim(
        12345.678,
        "money",
        dataset="raw_events",
        table="raw_events",
        key={"tenant_id": "acme", "date": "2026-04-06"},
        column="revenue",
        dataset_versions={"raw_events": 3},
        params={"q": 1},
    )
    assert again.id == revenue.id


def test_a_rephraser_may_reword_but_never_change_a_number() -> None:
    from api.storytelling.rephrase import rephrased

    book = ClaimBook()
    signups = book.claim(
        630,
        "count",
        dataset="raw_events",
        table="raw_events",
        key={"series": "signup"},
        column="sum(data)",
    )
    sentence = f"Signups rose to {book.show(signups)}."

    class Reorder:  # keeps the marker, rewords the rest
        def rephrase(self, text: str, audience: str, tone: str) -> str:
            marker = text.split("to ")[1].rstrip(".")
            return f"{audience}: {marker} signups, up on the period."

    class Inventor:  # adds a number of its own
        def rephrase(self, text: str, audience: str, tone: str) -> str:
            return text.replace("rose", "rose 12%")

    class Dropper:  # loses the claim
        def rephrase(self, text: str, audience: str, tone: str) -> str:
            return "Signups rose a lot."

    class Broken:
        def rephrase(self, text: str, audience: str, tone: str) -> str:
            raise TimeoutError("provider down")

    assert (
        realise(rephrased(Reorder(), sentence, "CMO", "casual"), book)
        == "CMO: 630 signups, up on the period."
    )
    for provider in (Inventor(), Dropper(), Broken(), None):
        assert rephrased(provider, sentence, "CMO", "casual") == sentence


def test_a_crisis_on_an_unusual_day_is_co_movement_never_a_cause() -> None:
    from datetime import date, timedelta

    from api.storytelling.facts import Facts, Source
    from api.storytelling.insights import find_insights
    from api.storytelling.narrative import Request, write

    days = [(date(2026, 3, 2) + timedelta(d)).isoformat() for d in range(14)]
    signups = [30, 31, 29, 30, 32, 30, 31, 29, 30, 31, 3, 30, 29, 31]  # 2026-03-12: 3
    growth = Source(
        "analytics.trends",
        {"q": 1},
        {"raw_events": 4},
        {
            "results": [
                {
                    "label": "signup",
                    "compare": "current",
                    "breakdown_value": None,
                    "dates": days,
                    "data": signups,
                },
                {
                    "label": "signup",
                    "compare": "previous",
                    "breakdown_value": None,
                    "dates": days,
                    "data": [30] * 14,
                },
            ]
        },
    )
    crisis = Source(
        "social.crisis_alerts",
        {"q": 2},
        {"mart_crisis_alerts": 2},
        {
            "alerts": [
                {
                    "alert_date": "2026-03-12",
                    "brand": "Nimbus",
                    "rule": "negative_zscore",
                    "severity": "crisis",
                    "value": 42.0,
                    "baseline": 6.0,
                    "evidence": [],
                }
            ]
        },
    )

    def sentiment_rows(values: list[float]) -> list[dict]:
        return [
            {"mention_date": d, "brand": "Nimbus", "net_sentiment": v}
            for d, v in zip(days, values, strict=False)
        ]

    facts = Facts(
        date(2026, 3, 2),
        date(2026, 3, 15),
        "Nimbus",
        growth=growth,
        crisis=crisis,
        sentiment=Source(
            "social.sentiment",
            {"q": 3},
            {},
            sentiment_rows([-0.2, -0.25, -0.3, -0.2, -0.22, -0.28, -0.24]),
        ),
        sentiment_before=Source(
            "social.sentiment",
            {"q": 4},
            {},
            sentiment_rows([0.3, 0.28, 0.32, 0.31, 0.29, 0.3, 0.33]),
        ),
    )
    book = ClaimBook()
    found = {i.kind: i for i in find_insights(facts, book)}
    assert found["co_movement"].words == {"day": "2026-03-12", "brand": "Nimbus"}
    assert found["sentiment"].direction == "down" and found["sentiment"].words["significant"]
    text = write(
        Request(date(2026, 3, 2), date(2026, 3, 15), "CMO", "formal", "text", "detailed"),
        list(found.values()),
        book,
    ).body
    assert (
        "On 2026-03-12, the day of the Nimbus alert, signups were also unusual (3 against "
        "a typical 30): the two moved together, which alone does not show that one "
        "caused the other."
    ) in text
    assert "caused by" not in text and "because of the" not in text
