"""Facts → insights: the detectors run over the runners' answers, and every number an
insight may say becomes a claim, with the answer rows that hold it.

An insight has a kind (growth, anomaly, driver, revenue, share_of_voice, sentiment, crisis,
wargame_risk, co_movement, funnel, retention, pulse), a score (how much it matters: the
size of the change, discounted when it is within chance), a direction (up, down or flat),
the claims it may show and a few words (event names, segments, brands) for the templates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from api.analytics.schemas import previous_range
from api.dashboards.exports.tables import Column, Table
from api.storytelling.claims import Claim, ClaimBook
from api.storytelling.detectors.anomaly import anomalies
from api.storytelling.detectors.change import (
    Change,
    count_change,
    mean_change,
    proportion_change,
)
from api.storytelling.detectors.drivers import drivers, product_change
from api.storytelling.facts import GROWTH_EVENTS, Facts, Source

WITHIN_CHANCE = 0.25  # weight of a change that is not significant


@dataclass
class Insight:
    """One thing worth saying."""

    kind: str
    score: float
    direction: str
    claims: dict[str, Claim]
    words: dict[str, Any] = field(default_factory=dict)
    chart: tuple[str, Table] | None = None  # (widget kind, the numbers it draws)


def _direction(change: float) -> str:
    return "up" if change > 0 else "down" if change < 0 else "flat"


def _periods(
    source: Source, series: str | None = None, breakdown: bool = False
) -> dict[tuple[str, str], dict]:
    """(label or breakdown value, current|previous) → trend result."""
    out = {}
    for result in source.data["results"]:
        if series is not None and result["label"] != series:
            continue
        name = result["breakdown_value"] if breakdown else result["label"]
        out[(name, result["compare"])] = result
    return out


def _claim_total(book: ClaimBook, source: Source, result: dict, unit: str = "count") -> Claim:
    return book.claim(
        sum(result["data"]),
        unit,
        dataset="raw_events",
        table="raw_events",
        key={
            "question": source.runner,
            "series": result["label"],
            "breakdown_value": result.get("breakdown_value"),
            "period": result["compare"],
            "dates": [result["dates"][0], result["dates"][-1]],
        },
        column="sum(data)",
        dataset_versions=source.dataset_versions,
        params=source.params,
        rows=[
            {"date": d, "value": v} for d, v in zip(result["dates"], result["data"], strict=True)
        ],
    )


def growth_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """Each growth event's total against the previous period, tested."""
    if facts.growth is None:
        return []
    periods = _periods(facts.growth)
    days = (facts.date_to - facts.date_from).days + 1
    found = []
    for event in GROWTH_EVENTS:
        now, before = periods.get((event, "current")), periods.get((event, "previous"))
        # a change is told only between real data points: a previous period without a
        # single event (before the data starts) is no baseline
        if now is None or before is None or sum(before["data"]) == 0:
            continue
        current = _claim_total(book, facts.growth, now)
        previous = _claim_total(book, facts.growth, before)
        change = count_change(int(current.value), int(previous.value), days, days)
        claims = {"current": current, "previous": previous}
        if change.relative is not None:
            claims["relative"] = book.claim(
                abs(change.relative),
                "percent",
                dataset="raw_events",
                table="raw_events",
                key={"question": facts.growth.runner, "series": event},
                column="change",
                dataset_versions=facts.growth.dataset_versions,
                params=facts.growth.params,
                formula="|current - previous| / previous",
                inputs=(current, previous),
            )
        weight = 1.0 if change.significant else WITHIN_CHANCE
        chart = Table(
            [
                Column("date", "date"),
                Column("this period", "number"),
                Column("previous period", "number"),
            ],
            [[d, v, p] for d, v, p in zip(now["dates"], now["data"], before["data"], strict=False)],
        )
        found.append(
            Insight(
                "growth",
                abs(change.relative or 0) * weight,
                _direction(change.absolute),
                claims,
                {"event": event, "significant": change.significant, "p_value": change.p_value},
                ("line", chart),
            )
        )
    return found


def anomaly_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """The most unusual day of signups in the period, if any."""
    if facts.growth is None:
        return []
    result = _periods(facts.growth).get(("signup", "current"))
    if result is None:
        return []
    found = anomalies(result["data"])
    if not found:
        return []
    top = max(found, key=lambda a: abs(a.score))
    day = result["dates"][top.index]
    rows = [{"date": d, "value": v} for d, v in zip(result["dates"], result["data"], strict=True)]
    value = book.claim(
        top.value,
        "count",
        dataset="raw_events",
        table="raw_events",
        key={"question": facts.growth.runner, "series": "signup", "date": day},
        column="data",
        dataset_versions=facts.growth.dataset_versions,
        params=facts.growth.params,
        rows=[r for r in rows if r["date"] == day],
    )
    median = book.claim(
        top.median,
        "count",
        dataset="raw_events",
        table="raw_events",
        key={
            "question": facts.growth.runner,
            "series": "signup",
            "dates": [result["dates"][0], result["dates"][-1]],
        },
        column="median(data)",
        dataset_versions=facts.growth.dataset_versions,
        params=facts.growth.params,
        formula="median of the daily values",
        rows=rows,
    )
    chart = Table(
        [Column("date", "date"), Column("signups", "number")],
        [[r["date"], r["value"]] for r in rows],
    )
    return [
        Insight(
            "anomaly",
            min(abs(top.score) / 10, 1.0),
            _direction(top.value - top.median),
            {"value": value, "median": median},
            {"event": "signup", "day": day},
            ("line", chart),
        )
    ]


def driver_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """Which segment of which dimension explains the change in signups (Adtributor)."""
    dimensions: dict[str, dict[str, tuple[float, float]]] = {}
    for dimension, source in facts.drivers.items():
        periods = _periods(source, breakdown=True)
        values = {name for name, _ in periods}
        dimensions[dimension] = {
            name: (
                sum(periods[(name, "previous")]["data"]) if (name, "previous") in periods else 0.0,
                sum(periods[(name, "current")]["data"]) if (name, "current") in periods else 0.0,
            )
            for name in sorted(values)
            if name != "Other"
        }
    found = drivers(dimensions)
    if not found:
        return []
    top = found[0]
    segment = top.segments[0]
    source = facts.drivers[top.dimension]
    periods = _periods(source, breakdown=True)
    inputs = tuple(
        _claim_total(book, source, periods[(segment.value, p)])
        for p in ("current", "previous")
        if (segment.value, p) in periods
    )
    common = {
        "dataset": "raw_events",
        "table": "raw_events",
        "key": {"question": source.runner, "breakdown": top.dimension, "segment": segment.value},
        "dataset_versions": source.dataset_versions,
        "params": source.params,
    }
    shift = book.claim(
        abs(segment.actual - segment.expected),
        "count",
        column="change",
        formula="|current - previous| of the segment",
        inputs=inputs,
        **common,
    )
    share = book.claim(
        min(abs(segment.explanatory_power), 1.0),
        "percent",
        column="explanatory_power",
        formula="segment change / total change (Adtributor)",
        inputs=inputs,
        **common,
    )
    chart = Table(
        [
            Column(top.dimension, "text"),
            Column("previous period", "number"),
            Column("this period", "number"),
        ],
        [[name, e, a] for name, (e, a) in dimensions[top.dimension].items()],
    )
    return [
        Insight(
            "driver",
            abs(segment.explanatory_power) * min(top.surprise * 10, 1.0),
            _direction(segment.actual - segment.expected),
            {"shift": shift, "share": share},
            {"dimension": top.dimension, "segment": segment.value, "event": "signup"},
            ("bar", chart),
        )
    ]


def revenue_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """Revenue's change split into sessions, conversion and order value (exact)."""
    if facts.revenue is None or facts.growth is None:
        return []
    revenue = {p: r for (_, p), r in _periods(facts.revenue).items()}
    growth = _periods(facts.growth)
    try:
        totals = {
            p: (
                sum(growth[("visit", p)]["data"]),
                sum(growth[("purchase", p)]["data"]),
                sum(revenue[p]["data"]),
            )
            for p in ("previous", "current")
        }
    except KeyError:
        return []
    if any(v <= 0 for period in totals.values() for v in period):
        return []
    (v0, p0, r0), (v1, p1, r1) = totals["previous"], totals["current"]
    parts = product_change(
        {"sessions": (v0, v1), "conversion": (p0 / v0, p1 / v1), "order_value": (r0 / p0, r1 / p1)}
    )
    now = _claim_total(book, facts.revenue, revenue["current"], "money")
    before = _claim_total(book, facts.revenue, revenue["previous"], "money")
    inputs = (
        now,
        before,
        *(
            _claim_total(book, facts.growth, growth[(e, p)])
            for e in ("visit", "purchase")
            for p in ("current", "previous")
        ),
    )
    claims = {"current": now, "previous": before}
    for name, part in parts.items():
        claims[name] = book.claim(
            abs(part),
            "money",
            dataset="raw_events",
            table="raw_events",
            key={"question": facts.revenue.runner, "factor": name},
            column="change",
            dataset_versions={**facts.revenue.dataset_versions, **facts.growth.dataset_versions},
            params={"revenue": facts.revenue.params, "growth": facts.growth.params},
            formula=f"L(R1, R0) · ln({name}1 / {name}0), revenue = sessions × conversion "
            "× order value",
            inputs=inputs,
        )
    main = max(parts, key=lambda k: abs(parts[k]))
    chart = Table(
        [Column("factor", "text"), Column("change in revenue", "number")],
        [[name, part] for name, part in parts.items()],
    )
    return [
        Insight(
            "revenue",
            abs(r1 - r0) / r0,
            _direction(r1 - r0),
            claims,
            {"main_factor": main, "directions": {k: _direction(v) for k, v in parts.items()}},
            ("waterfall", chart),
        )
    ]


def share_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """A brand's share of voice against the previous period (the asked brand, else the
    leader now)."""
    if facts.share_now is None or facts.share_before is None:
        return []
    now = {t["brand"]: t for t in facts.share_now.data["total"]}
    before = {t["brand"]: t for t in facts.share_before.data["total"]}
    if not now:
        return []
    brand = facts.brand if facts.brand in now else max(now, key=lambda b: (now[b]["share"], b))
    if brand not in before:
        return []

    def share(source: Source, row: dict, period: str) -> Claim:
        return book.claim(
            row["share"],
            "percent",
            dataset="mart_share_of_voice_daily",
            table="mart_share_of_voice_daily",
            key={
                "brand": brand,
                "period": period,
                **{k: source.params[k] for k in ("date_from", "date_to")},
            },
            column="share",
            dataset_versions=source.dataset_versions,
            params=source.params,
            rows=[row],
        )

    current = share(facts.share_now, now[brand], "current")
    previous = share(facts.share_before, before[brand], "previous")
    points = current.value - previous.value
    delta = book.claim(
        abs(points),
        "percent",
        dataset="mart_share_of_voice_daily",
        table="mart_share_of_voice_daily",
        key={"brand": brand},
        column="share",
        dataset_versions=facts.share_now.dataset_versions,
        params=facts.share_now.params,
        formula="|share now - share before|",
        inputs=(current, previous),
    )
    chart = Table(
        [Column("brand", "text"), Column("share", "number")],
        [[b, now[b]["share"]] for b in sorted(now)],
    )
    return [
        Insight(
            "share_of_voice",
            abs(points) * 4,
            _direction(points),
            {"current": current, "previous": previous, "delta": delta},
            {"brand": brand},
            ("pie", chart),
        )
    ]


def wargame_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """The published wargame with the highest probability of a loss."""
    if facts.wargame is None or not facts.wargame.data:
        return []
    worst = max(facts.wargame.data, key=lambda r: (r["probability_of_loss"], r["scenario"]))
    claims = {}
    for column, unit in (
        ("probability_of_loss", "percent"),
        ("profit_change_p10", "money"),
        ("profit_change_p50", "money"),
        ("profit_change_p90", "money"),
    ):
        claims[column] = book.claim(
            worst[column],
            unit,
            dataset="sim_wargame_results",
            table="sim_wargame_results",
            key={"as_of_date": str(worst["as_of_date"]), "scenario": worst["scenario"]},
            column=column,
            dataset_versions=facts.wargame.dataset_versions,
            params=facts.wargame.params,
            rows=[worst],
        )
    chart = Table(
        [Column("outcome", "text"), Column("profit change", "number")],
        [[name, worst[f"profit_change_{name}"]] for name in ("p10", "p50", "p90")],
    )
    return [
        Insight(
            "wargame_risk",
            float(worst["probability_of_loss"]),
            "down",
            claims,
            {
                "scenario": worst["scenario"],
                "risk_level": worst["risk_level"],
                "counter_move": worst["recommended_counter_move"],
            },
            ("bar", chart),
        )
    ]


EVIDENCE_POSTS = 2


def sentiment_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """The brand's daily net sentiment against the previous period (Welch's t-test)."""
    if facts.sentiment is None or facts.sentiment_before is None:
        return []
    now = [r for r in facts.sentiment.data if r["net_sentiment"] is not None]
    before = [r for r in facts.sentiment_before.data if r["net_sentiment"] is not None]
    if len(now) < 2 or len(before) < 2:
        return []
    change = mean_change([r["net_sentiment"] for r in now], [r["net_sentiment"] for r in before])

    def mean(source: Source, rows: list[dict], period: str) -> Claim:
        return book.claim(
            sum(r["net_sentiment"] for r in rows) / len(rows),
            "score",
            dataset="mart_brand_sentiment_daily",
            table="mart_brand_sentiment_daily",
            key={
                "brand": facts.brand,
                "period": period,
                **{k: source.params.get(k) for k in ("date_from", "date_to")},
            },
            column="avg(net_sentiment)",
            dataset_versions=source.dataset_versions,
            params=source.params,
            formula="mean of the daily net sentiment",
            rows=rows,
        )

    claims = {
        "current": mean(facts.sentiment, now, "current"),
        "previous": mean(facts.sentiment_before, before, "previous"),
    }
    weight = 1.0 if change.significant else WITHIN_CHANCE
    return [
        Insight(
            "sentiment",
            abs(change.absolute) * 2 * weight,
            _direction(change.absolute),
            claims,
            {"brand": facts.brand, "significant": change.significant},
        )
    ]


def co_movement_insights(found: list[Insight], book: ClaimBook) -> list[Insight]:
    """A crisis alert on the day signups were unusual: told as co-movement, never as a
    cause."""
    crisis = next((i for i in found if i.kind == "crisis"), None)
    anomaly = next((i for i in found if i.kind == "anomaly"), None)
    if crisis is None or anomaly is None or crisis.words["day"] != anomaly.words["day"]:
        return []
    return [
        Insight(
            "co_movement",
            min(crisis.score, anomaly.score),
            anomaly.direction,
            {"signups": anomaly.claims["value"], "usual": anomaly.claims["median"]},
            {"day": anomaly.words["day"], "brand": crisis.words["brand"]},
        )
    ]


def crisis_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """The most severe crisis alert of the period (crisis before warning, then the latest
    day, then the most negative mentions that day), with its evidence posts quoted."""
    if facts.crisis is None or not facts.crisis.data["alerts"]:
        return []
    alert = max(
        facts.crisis.data["alerts"],
        key=lambda a: (
            a["severity"] == "crisis",
            str(a["alert_date"]),
            a.get("negative_mentions") or 0,
            a["brand"],
        ),
    )
    key = {"alert_date": str(alert["alert_date"]), "brand": alert["brand"], "rule": alert["rule"]}
    common = {
        "dataset": "mart_crisis_alerts",
        "table": "mart_crisis_alerts",
        "key": key,
        "dataset_versions": facts.crisis.dataset_versions,
        "params": facts.crisis.params,
        "rows": [alert],
    }
    unit = "count" if alert["rule"] == "negative_zscore" else "score"
    claims = {
        "value": book.claim(alert["value"], unit, column="value", **common),
        "baseline": book.claim(alert["baseline"], unit, column="baseline", **common),
    }
    for number, post in enumerate(alert["evidence"][:EVIDENCE_POSTS], 1):
        claims[f"evidence_{number}"] = book.claim(
            post["text"],
            "quote",
            column="evidence_texts",
            **{**common, "key": {**key, "post_id": post["post_id"]}, "rows": [post]},
        )
    return [
        Insight(
            "crisis",
            2.0 if alert["severity"] == "crisis" else 1.0,
            "down",
            claims,
            {
                "brand": alert["brand"],
                "day": str(alert["alert_date"]),
                "rule": alert["rule"],
                "severity": alert["severity"],
                "evidence": [k for k in claims if k.startswith("evidence_")],
            },
        )
    ]


def _funnel_group(source: Source | None) -> list[dict] | None:
    """The steps of a funnel answer without breakdown; None without entrants."""
    if source is None or not source.data["results"]:
        return None
    steps = source.data["results"][0]["steps"]
    return steps if steps and steps[0]["persons"] > 0 else None


def _weakest_step(now: list[dict], before: list[dict]) -> tuple[int, Change] | None:
    """The step whose conversion from the previous step moved most surely (the smallest
    p-value; ties: the larger move), among the significant ones."""
    moved = []
    for k in range(1, len(now)):
        if now[k - 1]["persons"] and before[k - 1]["persons"]:
            change = proportion_change(
                now[k]["persons"],
                now[k - 1]["persons"],
                before[k]["persons"],
                before[k - 1]["persons"],
            )
            if change.significant:
                moved.append((change.p_value, -abs(change.absolute), k, change))
    if not moved:
        return None
    _, _, k, change = min(moved, key=lambda m: m[:3])
    return k, change


def _funnel_claim(
    book: ClaimBook, source: Source, steps: list[dict], period: str, step: int, column: str
) -> Claim:
    """A cell of a funnel answer (`column` of step `step`) as a claim; its rows are the
    answer's steps."""
    return book.claim(
        steps[step][column],
        "count" if column == "persons" else "percent",
        dataset="raw_events",
        table="raw_events",
        key={
            "question": source.runner,
            "steps": source.params["steps"],
            "period": period,
            "step": step,
            "dates": [source.params["date_from"], source.params["date_to"]],
        },
        column=column,
        dataset_versions=source.dataset_versions,
        params=source.params,
        rows=steps,
    )


def funnel_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """The configured funnel's conversion (first step → last) against the previous period,
    two-proportion z-test; told only when the change is significant (a rate always
    wobbles), with the step that moved most."""
    now, before = _funnel_group(facts.funnel), _funnel_group(facts.funnel_before)
    if now is None or before is None or facts.funnel is None or facts.funnel_before is None:
        return []
    change = proportion_change(
        now[-1]["persons"], now[0]["persons"], before[-1]["persons"], before[0]["persons"]
    )
    if not change.significant:
        return []
    sides = {"current": (facts.funnel, now), "previous": (facts.funnel_before, before)}
    last = len(now) - 1
    claims = {
        "current": _funnel_claim(book, *sides["current"], "current", last, "conversion_from_first"),
        "previous": _funnel_claim(
            book, *sides["previous"], "previous", last, "conversion_from_first"
        ),
        "entrants": _funnel_claim(book, *sides["current"], "current", 0, "persons"),
        "entrants_before": _funnel_claim(book, *sides["previous"], "previous", 0, "persons"),
    }
    words: dict[str, Any] = {"funnel": " → ".join(facts.funnel.params["steps"])}
    weakest = _weakest_step(now, before)
    if weakest is not None:
        k = weakest[0]
        for name, period in (("step_current", "current"), ("step_previous", "previous")):
            claims[name] = _funnel_claim(
                book, *sides[period], period, k, "conversion_from_previous"
            )
        words.update(step_from=now[k - 1]["event"], step_to=now[k]["event"])
    chart = Table(
        [
            Column("step", "text"),
            Column("previous period", "number"),
            Column("this period", "number"),
        ],
        [[s["event"], b["persons"], s["persons"]] for s, b in zip(now, before, strict=True)],
    )
    return [
        Insight(
            "funnel",
            abs(change.relative or 0),
            _direction(change.absolute),
            claims,
            words,
            ("bar", chart),
        )
    ]


def _next_day(cohorts: list[dict], first: date, last: date) -> list[dict]:
    """The published cohorts starting in [first, last] whose next day is in the data, as
    rows: definition, start, size and the members back the next day."""
    return [
        {
            "retention_id": c["retention_id"],
            "cohort_start": c["cohort_start"],
            "cohort_size": c["cohort_size"],
            "returned_next_day": c["retained"][1],
        }
        for c in cohorts
        if first <= date.fromisoformat(str(c["cohort_start"])) <= last
        and c["observed_periods"] >= 2
    ]


def _retention_claims(
    source: Source, periods: dict[str, list[dict]], book: ClaimBook
) -> dict[str, Claim]:
    """Per period, the pooled next-day rate and the cohorts' size (derived claims whose
    rows are the cohorts)."""
    claims: dict[str, Claim] = {}
    for period, rows in periods.items():
        common = {
            "dataset": "mart_retention_cohorts",
            "table": "mart_retention_cohorts",
            "params": source.params,
            "dataset_versions": source.dataset_versions,
            "rows": rows,
            "key": {
                "retention_id": source.params["retention_id"],
                "cohort_type": source.params["cohort_type"],
                "period": period,
                "cohorts": [str(rows[0]["cohort_start"]), str(rows[-1]["cohort_start"])],
            },
        }
        returned = sum(r["returned_next_day"] for r in rows)
        size = sum(r["cohort_size"] for r in rows)
        suffix = "" if period == "current" else "_before"
        claims[f"rate{suffix}"] = book.claim(
            returned / size,
            "percent",
            column="retained[1] / cohort_size",
            formula="Σ retained[1] / Σ cohort_size over the cohorts",
            **common,
        )
        claims[f"cohort{suffix}"] = book.claim(
            size, "count", column="cohort_size", formula="Σ cohort_size over the cohorts", **common
        )
    return claims


def retention_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """Next-day retention of the period's published day cohorts against the previous
    period's (pooled over the cohorts whose next day is in the period and in the data;
    two-proportion z-test), told only when significant."""
    if facts.retention is None or not facts.retention.data["cohorts"]:
        return []
    cohorts = facts.retention.data["cohorts"]
    before_from, before_to = previous_range(facts.date_from, facts.date_to)
    periods = {
        "previous": _next_day(cohorts, before_from, before_to),
        # the last day's cohort comes back after the period
        "current": _next_day(cohorts, facts.date_from, facts.date_to - timedelta(days=1)),
    }
    totals = {
        p: (sum(r["returned_next_day"] for r in rows), sum(r["cohort_size"] for r in rows))
        for p, rows in periods.items()
    }
    if any(size == 0 for _, size in totals.values()):
        return []
    change = proportion_change(*totals["current"], *totals["previous"])
    if not change.significant:
        return []
    chart = Table(
        [Column("cohort", "date"), Column("back the next day", "number")],
        [
            [r["cohort_start"], r["returned_next_day"] / r["cohort_size"]]
            for r in periods["previous"] + periods["current"]
            if r["cohort_size"]
        ],
    )
    return [
        Insight(
            "retention",
            abs(change.relative or 0),
            _direction(change.absolute),
            _retention_claims(facts.retention, periods, book),
            {"event": cohorts[0]["target_event"]},
            ("line", chart),
        )
    ]


PULSE_UNITS = {
    "sessions": "count",
    "signups": "count",
    "conversions": "count",
    "revenue": "money",
    "conversion_rate": "percent",
}


def pulse_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """The growth pulse's insights of the period (mart_growth_pulse_insights): per metric
    the most severe (then the largest move, then the latest day), its numbers claimed from
    the mart's columns, not from its text."""
    if facts.pulse is None:
        return []
    best: dict[str, dict] = {}
    for row in facts.pulse.data["items"]:
        if row["metric"] not in PULSE_UNITS or row["change"] is None:
            continue
        rank = (row["severity_rank"] or 0, abs(row["change"]), str(row["pulse_date"]))
        held = best.get(row["metric"])
        if held is None or rank > (
            held["severity_rank"] or 0,
            abs(held["change"]),
            str(held["pulse_date"]),
        ):
            best[row["metric"]] = row
    found = []
    for metric, row in sorted(best.items()):
        common = {
            "dataset": "mart_growth_pulse_insights",
            "table": "mart_growth_pulse_insights",
            "key": {"pulse_date": str(row["pulse_date"]), "insight_id": row["insight_id"]},
            "dataset_versions": facts.pulse.dataset_versions,
            "params": facts.pulse.params,
            "rows": [row],
        }
        unit = PULSE_UNITS[metric]
        claims = {
            "value": book.claim(row["value"], unit, column="value", **common),
            "previous": book.claim(row["previous_value"], unit, column="previous_value", **common),
            "change": book.claim(
                abs(row["change"]),
                "percent",
                column="change",
                formula="|change| (relative, week over week)",
                **common,
            ),
        }
        found.append(
            Insight(
                "pulse",
                abs(row["change"]) * (row["severity_rank"] or 0) / 3,
                _direction(row["change"]),
                claims,
                {"metric": metric, "day": str(row["pulse_date"]), "severity": row["severity"]},
            )
        )
    return found


DETECTORS = (
    crisis_insights,
    sentiment_insights,
    growth_insights,
    anomaly_insights,
    driver_insights,
    revenue_insights,
    share_insights,
    wargame_insights,
    funnel_insights,
    retention_insights,
    pulse_insights,
)


def find_insights(facts: Facts, book: ClaimBook) -> list[Insight]:
    """Every insight the facts support, most important first (ties by kind)."""
    found = [insight for detect in DETECTORS for insight in detect(facts, book)]
    found += co_movement_insights(found, book)
    return sorted(found, key=lambda i: (-i.score, i.kind, str(i.words)))
