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


def test_proportion_change_is_the_pooled_two_proportion_z_test() -> None:
    from api.storytelling.detectors.change import proportion_change

    # 80 of 1,000 against 100 of 1,000: pooled 0.09, se √(0.09·0.91·(2/1000)) ≈ 0.0128,
    # z ≈ 1.56, p ≈ 0.118 — within chance
    small = proportion_change(80, 1000, 100, 1000)
    se = math.sqrt(0.09 * 0.91 * 2 / 1000)
    assert small.p_value == pytest.approx(math.erfc(0.02 / se / math.sqrt(2)))
    assert (small.current, small.previous, round(small.relative, 3)) == (0.08, 0.1, -0.2)
    assert not small.significant and small.test == "two-proportion-z"
    # 50 of 1,000 against 100 of 1,000: z ≈ 4.24, p ≈ 2.2e-5
    big = proportion_change(50, 1000, 100, 1000)
    assert big.significant and big.p_value == pytest.approx(2.19e-5, rel=0.01)
    assert proportion_change(0, 10, 0, 20).p_value == 1.0  # no variation at all
    with pytest.raises(ValueError):
        proportion_change(1, 0, 1, 10)
    with pytest.raises(ValueError):
        proportion_change(11, 10, 1, 10)


FUNNEL_STEPS = ["visit", "signup", "activate", "purchase"]


def _funnel_source(persons: list[int], date_from: str, date_to: str):
    from api.storytelling.facts import Source

    steps = [
        {
            "step": k,
            "event": event,
            "persons": n,
            "conversion_from_first": n / persons[0] if persons[0] else 0.0,
            "conversion_from_previous": (n / persons[k - 1] if persons[k - 1] else 0.0)
            if k
            else float(n > 0),
            "avg_seconds_from_previous": None,
            "median_seconds_from_previous": None,
        }
        for k, (event, n) in enumerate(zip(FUNNEL_STEPS, persons, strict=True))
    ]
    params = {
        "steps": FUNNEL_STEPS,
        "window": 14,
        "window_unit": "day",
        "order": "ordered",
        "date_from": date_from,
        "date_to": date_to,
    }
    return Source(
        "analytics.funnels",
        params,
        {"raw_events": 5},
        {"results": [{"breakdown_value": None, "breakdown_other": False, "steps": steps}]},
    )


def _funnel_facts(now: list[int], before: list[int]):
    from datetime import date

    from api.storytelling.facts import Facts

    return Facts(
        date(2026, 3, 9),
        date(2026, 3, 15),
        None,
        funnel=_funnel_source(now, "2026-03-09", "2026-03-15"),
        funnel_before=_funnel_source(before, "2026-03-02", "2026-03-08"),
    )


def test_a_planted_conversion_drop_is_reported_with_its_numbers() -> None:
    from datetime import date

    from api.storytelling.insights import funnel_insights
    from api.storytelling.narrative import Request, write

    # signup → activate falls from 60% (210 of 350) to 40% (140 of 350); the other steps
    # hold, so conversion visit → purchase falls from 84 to 56 of 1,000 entrants: pooled
    # 0.07, z = 0.028 / √(0.07·0.93·0.002) ≈ 2.45, p ≈ 0.014
    book = ClaimBook()
    [found] = funnel_insights(_funnel_facts([1000, 350, 140, 56], [1000, 350, 210, 84]), book)
    assert (found.kind, found.direction) == ("funnel", "down")
    assert found.score == pytest.approx(1 / 3)  # |0.056 - 0.084| / 0.084
    values = {name: claim.value for name, claim in found.claims.items()}
    assert values == {
        "current": 0.056,
        "previous": 0.084,
        "entrants": 1000,
        "entrants_before": 1000,
        "step_current": 0.4,
        "step_previous": 0.6,
    }
    assert (found.words["step_from"], found.words["step_to"]) == ("signup", "activate")
    for name, claim in found.claims.items():  # each number is in the rows it cites
        assert any(claim.value in row.values() for row in book.rows[claim.id]), name
    body = write(
        Request(date(2026, 3, 9), date(2026, 3, 15), "Team", "formal", "text", "brief"),
        [found],
        book,
    ).body
    assert (
        "Conversion through the visit → signup → activate → purchase funnel fell to 5.6% "
        "of 1,000 entrants, from 8.4% of 1,000 in the previous period; the largest move "
        "is from signup to activate, where 40.0% went on against 60.0%."
    ) in body


def test_an_unchanged_funnel_yields_nothing() -> None:
    from api.storytelling.insights import funnel_insights

    # 83 of 1,000 against 84 of 1,000 (and every step within a person or two): chance
    assert (
        funnel_insights(_funnel_facts([1000, 352, 209, 83], [1000, 350, 210, 84]), ClaimBook())
        == []
    )
    assert (
        funnel_insights(_funnel_facts([1000, 350, 210, 84], [1000, 350, 210, 84]), ClaimBook())
        == []
    )
    # no entrants before: no baseline
    assert funnel_insights(_funnel_facts([1000, 350, 210, 84], [0, 0, 0, 0]), ClaimBook()) == []


def _retention_facts(before_returned: int, now_returned: int):
    """Published day cohorts (mart_retention_cohorts through the cohort runner) of
    2026-03-02..15, 100 people each."""
    from datetime import date, timedelta

    from api.storytelling.facts import Facts, Source

    start = date(2026, 3, 2)
    cohorts = []
    for k in range(14):
        # 03-15's next day is loaded (the data runs on) but after the period: all came back
        back = before_returned if k < 7 else now_returned if k < 13 else 100
        cohorts.append(
            {
                "retention_id": "signup_any",
                "target_event": "signup",
                "returning_event": "$any",
                "period": "day",
                "cohort_type": "first_time",
                "cohort_start": (start + timedelta(days=k)).isoformat(),
                "cohort_size": 100,
                "observed_periods": 14 - k,
                "retained": [100, back] + [0] * 12,
            }
        )
    params = {
        "retention_id": "signup_any",
        "period": "day",
        "cohort_type": "first_time",
        "date_from": "2026-03-02",
        "date_to": "2026-03-15",
    }
    return Facts(
        date(2026, 3, 9),
        date(2026, 3, 15),
        None,
        retention=Source(
            "analytics.cohorts", params, {"mart_retention_cohorts": 5}, {"cohorts": cohorts}
        ),
    )


def test_a_retention_drop_is_reported_and_a_steady_one_is_not() -> None:
    from api.storytelling.insights import retention_insights

    # next-day returns: 40 of each 100 before (280 of 700), 25 now (150 of 600: the
    # period's last cohort comes back after the period)
    book = ClaimBook()
    [found] = retention_insights(_retention_facts(40, 25), book)
    values = {name: claim.value for name, claim in found.claims.items()}
    assert values == {"rate": 0.25, "cohort": 600, "rate_before": 0.4, "cohort_before": 700}
    assert found.direction == "down" and found.words == {"event": "signup"}
    assert [r["returned_next_day"] for r in book.rows[found.claims["rate"].id]] == [25] * 6
    assert retention_insights(_retention_facts(40, 39), ClaimBook()) == []
    unloaded = _retention_facts(40, 25)  # the next day of 03-14 is not in the data yet
    unloaded.retention.data["cohorts"][12]["observed_periods"] = 1
    [found] = retention_insights(unloaded, ClaimBook())
    assert found.claims["cohort"].value == 500


def test_pulse_insights_take_the_most_severe_per_metric_with_claims_from_the_mart() -> None:
    from datetime import date

    from api.storytelling.facts import Facts, Source
    from api.storytelling.insights import pulse_insights
    from api.storytelling.narrative import headline

    def row(day: str, metric: str, severity: str, rank: int, value: float, previous: float):
        return {
            "pulse_date": day,
            "insight_id": f"{metric}:wow",
            "metric": metric,
            "rule": "wow",
            "direction": "down" if value < previous else "up",
            "severity": severity,
            "severity_rank": rank,
            "value": value,
            "previous_value": previous,
            "change": (value - previous) / previous,
            "text": "Conversions down 55% week over week (9 vs 20).",
        }

    items = [
        row("2026-03-12", "conversions", "high", 3, 9, 20),
        row("2026-03-13", "conversions", "low", 1, 18, 20),
        row("2026-03-11", "revenue", "medium", 2, 1300.0, 1000.0),
    ]
    book = ClaimBook()
    found = pulse_insights(
        Facts(
            date(2026, 3, 9),
            date(2026, 3, 15),
            None,
            pulse=Source(
                "modules.growth_pulse.insights",
                {"q": 1},
                {"mart_growth_pulse_insights": 2},
                {"items": items},
            ),
        ),
        book,
    )
    conversions, revenue = found
    assert (conversions.words["day"], conversions.direction) == ("2026-03-12", "down")
    assert conversions.score == pytest.approx(0.55)  # |change| · severity 3 / 3
    assert realise(headline(conversions, "formal", book), book) == (
        "The growth pulse flagged conversions on 2026-03-12: down 55.0% week over week, 9 "
        "against 20 a week earlier."
    )
    assert book.rows[conversions.claims["value"].id] == [items[0]]
    assert realise(headline(revenue, "formal", book), book) == (
        "The growth pulse flagged revenue on 2026-03-11: up 30.0% week over week, $1,300.00 "
        "against $1,000.00 a week earlier."
    )


@pytest.mark.parametrize("tone", ["formal", "casual", "technical"])
def test_funnel_retention_and_pulse_sentences_pass_the_gate_in_every_tone(tone) -> None:
    from datetime import date

    from api.storytelling.facts import Source
    from api.storytelling.insights import find_insights
    from api.storytelling.narrative import headline

    facts = _funnel_facts([1000, 350, 140, 56], [1000, 350, 210, 84])
    facts.retention = _retention_facts(40, 25).retention
    facts.pulse = Source(
        "modules.growth_pulse.insights",
        {"q": 1},
        {},
        {
            "items": [
                {
                    "pulse_date": date(2026, 3, 12),
                    "insight_id": "conversion_rate:drop",
                    "metric": "conversion_rate",
                    "rule": "drop",
                    "direction": "down",
                    "severity": "high",
                    "severity_rank": 3,
                    "value": 0.031,
                    "previous_value": 0.062,
                    "change": -0.5,
                    "text": "Conversion rate down 50% week over week (3.1% vs 6.2%).",
                }
            ]
        },
    )
    book = ClaimBook()
    found = {i.kind: i for i in find_insights(facts, book)}
    assert set(found) == {"funnel", "retention", "pulse"}
    told = {
        "funnel": ("current", "previous"),
        "retention": ("rate", "rate_before"),
        "pulse": ("value", "previous", "change"),
    }  # every tone tells at least these
    for kind, names in told.items():
        text = realise(headline(found[kind], tone, book), book)
        for name in names:
            assert found[kind].claims[name].display in text, (kind, tone, text)
    assert "3.1%" in realise(headline(found["pulse"], tone, book), book)
