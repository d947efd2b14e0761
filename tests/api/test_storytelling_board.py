"""The board agenda draws from the funnel, retention and growth-pulse insights, over HTTP,
on a hand-made tenant whose numbers are computed by hand below.

Tenant `t_board_sources`, the previous week 2026-09-07..13 and the current 2026-09-14..20
(away from every pipeline test's window). Each day 100 new people visit and 50 of them
sign up; of those, 30 a day activate and 15 purchase in the previous week, 15 and 10 in
the current one. So the configured funnel visit → signup → activate → purchase converts
105 of 700 entrants (15.0%) before and 70 of 700 (10.0%) now — pooled 0.125,
z = 0.05 / √(0.125·0.875·2/700) ≈ 2.83, significant — and its biggest move is signup →
activate, 210 of 350 (60.0%) → 105 of 350 (30.0%). Half of each day's signups come back
the next day in the previous week, a fifth in the current one, and the retention mart
holds those day cohorts (what the pipeline builds from these events): next-day retention
175 of 350 (50.0%) → 60 of 300 (20.0%; the last cohort's next day is after the period).
The growth pulse mart holds a high conversions drop on 09-16 (15 → 5) and a low rise in
sessions on 09-17 (100 → 112).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.keys import create_key
from api.storytelling.narrative import RECOMMEND
from tests.api.conftest import client_for
from tests.raw_events import STORY_EVENT_COLUMNS, STORY_PULSE_COLUMNS

TENANT = "t_board_sources"
PREVIOUS, CURRENT = date(2026, 9, 7), date(2026, 9, 14)
SPAN = {"date_from": "2026-09-14", "date_to": "2026-09-20"}
FUNNEL = (
    "Conversion through the visit → signup → activate → purchase funnel fell to 10.0% "
    "of 700 entrants, from 15.0% of 700 in the previous period; the largest move is "
    "from signup to activate, where 30.0% went on against 60.0%."
)
RETENTION = (
    "Next-day retention of new signup cohorts fell to 20.0% of 300 people, from "
    "50.0% of 350 in the previous period."
)
PULSE_DROP = (
    "The growth pulse flagged conversions on 2026-09-16: down 66.7% week over week, "
    "5 against 15 a week earlier."
)
PULSE_RISE = (
    "The growth pulse flagged sessions on 2026-09-17: up 12.0% week over week, 112 "
    "against 100 a week earlier."
)


def _person_events(person: str, day: date, steps: int, returns: bool) -> list[list]:
    """One person's events: the first `steps` funnel steps a minute apart that morning,
    and a return the next day."""
    at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
    rows = [
        [
            TENANT,
            f"{person}-{event}",
            event,
            person,
            f"{person}-s1",
            at + timedelta(minutes=k),
            20.0 if event == "purchase" else None,
        ]
        for k, event in enumerate(("visit", "signup", "activate", "purchase")[:steps])
    ]
    if returns:
        rows.append(
            [
                TENANT,
                f"{person}-back",
                "feature_used",
                person,
                f"{person}-s2",
                at + timedelta(days=1),
                None,
            ]
        )
    return rows


def _events() -> list[list]:
    rows = []
    for week, (activate, purchase, back) in ((PREVIOUS, (30, 15, 25)), (CURRENT, (15, 10, 10))):
        for offset in range(7):
            day = week + timedelta(days=offset)
            for n in range(100):
                steps = 1 + (n < 50) + (n < activate) + (n < purchase)
                rows += _person_events(f"b{day:%m%d}-{n}", day, steps, n < back)
    return [[*r[:6], "", "US", "desktop", r[6], "board", r[5]] for r in rows]


def _pulse(day: date, metric: str, severity: str, rank: int, value: float, previous: float) -> list:
    change = (value - previous) / previous
    return [
        TENANT,
        day,
        f"{metric}:wow",
        metric,
        "wow",
        "up" if change > 0 else "down",
        severity,
        rank,
        value,
        previous,
        change,
        f"{metric} moved ({value} vs {previous}).",
    ]


def _cohorts() -> list[list]:
    """mart_retention_cohorts rows of signup_any, first-time day cohorts of 50, offsets 0
    and 1 (the last cohort's next day, 09-21, has no data)."""
    rows = []
    for week, back in ((PREVIOUS, 25), (CURRENT, 10)):
        for offset in range(7):
            day = week + timedelta(days=offset)
            cells = [(0, 50)] if day == date(2026, 9, 20) else [(0, 50), (1, back)]
            for period_offset, retained in cells:
                rate = retained / 50
                rows.append(
                    [
                        TENANT,
                        "signup_any",
                        "signup",
                        "$any",
                        "day",
                        "first_time",
                        day,
                        period_offset,
                        50,
                        retained,
                        retained,
                        rate,
                        rate,
                    ]
                )
    return rows


@pytest.fixture(scope="module")
def board_tenant(clickhouse, api_context, server_url):
    clickhouse.insert(
        "raw_events",
        _events(),
        column_names=STORY_EVENT_COLUMNS,
    )
    clickhouse.insert(
        "mart_growth_pulse_insights",
        [
            _pulse(date(2026, 9, 16), "conversions", "high", 3, 5.0, 15.0),
            _pulse(date(2026, 9, 17), "sessions", "low", 1, 112.0, 100.0),
        ],
        column_names=STORY_PULSE_COLUMNS,
    )
    clickhouse.insert(
        "mart_retention_cohorts",
        _cohorts(),
        column_names=[
            "tenant_id",
            "retention_id",
            "target_event",
            "returning_event",
            "period",
            "cohort_type",
            "cohort_start",
            "period_offset",
            "cohort_size",
            "retained",
            "retained_cumulative",
            "retention_rate",
            "retention_rate_cumulative",
        ],
    )
    key = create_key(api_context.db, TENANT, ["read"], "board")[0]
    with client_for(server_url, key) as client:
        yield client


def _by_text(items: list[dict]) -> dict[str, dict]:
    return {item["text"]: item for item in items}


def test_the_agenda_draws_on_funnel_retention_and_pulse(board_tenant) -> None:
    answer = board_tenant.get("/board/agenda", params=SPAN)
    assert answer.status_code == 200, answer.text
    agenda = answer.json()["data"]
    risks, highlights = _by_text(agenda["risks"]), _by_text(agenda["highlights"])
    assert {FUNNEL, RETENTION, PULSE_DROP} <= set(risks)
    assert PULSE_RISE in highlights
    assert [risks[t]["kind"] for t in (FUNNEL, RETENTION, PULSE_DROP)] == [
        "funnel",
        "retention",
        "pulse",
    ]
    needed = {d["text"] for d in agenda["decisions_needed"]}
    assert {RECOMMEND["funnel"], RECOMMEND["retention"], RECOMMEND["pulse"]} <= needed
    for item in (risks[FUNNEL], risks[RETENTION], risks[PULSE_DROP], highlights[PULSE_RISE]):
        for claim_id in item["claims"]:
            claim = board_tenant.get(f"/claims/{claim_id}")
            assert claim.status_code == 200, claim.text
            claim = claim.json()["data"]
            assert claim["display"] in item["text"] and claim["rows"]
            if claim["formula"] is None:
                assert any(claim["value"] in row.values() for row in claim["rows"]), claim
    pulse = board_tenant.get(f"/claims/{risks[PULSE_DROP]['claims'][-1]}").json()["data"]
    assert pulse["dataset"] == "mart_growth_pulse_insights"
    assert pulse["rows"][0]["insight_id"] == "conversions:wow"


def _texts(agenda: dict) -> str:
    return "\n".join(i["text"] for part in ("risks", "highlights") for i in agenda[part])


def test_the_agenda_follows_the_asked_funnel(board_tenant) -> None:
    signup = board_tenant.get("/board/agenda", params={**SPAN, "funnel": "signup_activation"})
    assert (
        "Conversion through the signup → activate funnel fell to 30.0% of 350 entrants, "
        "from 60.0% of 350 in the previous period"
    ) in _texts(signup.json()["data"])
    # visit → signup converts 350 of 700 in both weeks: an unchanged funnel says nothing
    strict = board_tenant.get("/board/agenda", params={**SPAN, "funnel": "strict_signup"})
    kinds = [i["kind"] for part in ("risks", "highlights") for i in strict.json()["data"][part]]
    assert "funnel" not in kinds and "retention" in kinds
    bad = board_tenant.get("/board/agenda", params={**SPAN, "funnel": "nope"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "funnel"


def test_the_team_hears_funnel_and_retention_first_and_the_board_the_pulse(board_tenant) -> None:
    team = board_tenant.post(
        "/storytelling/generate", json={**SPAN, "audience": "Team", "length": "brief"}
    )
    assert team.status_code == 201, team.text
    body = team.json()["data"]["body"]
    assert f"**Bottom line:** {FUNNEL}" in body and f"2. {RETENTION}" in body
    board = board_tenant.post(
        "/storytelling/generate", json={**SPAN, "audience": "Board", "length": "detailed"}
    )
    assert PULSE_DROP in board.json()["data"]["body"]
