"""POST /v1/analytics/trends: hand-computed fixtures through HTTP, and agreement with
the trend and active-persons marts on the demo data.

Hand-made events of tenant t_an_trends (expected numbers next to them). The range used
by most tests is Mon 2026-02-02 .. Sun 02-08; its previous period is 01-26 .. 02-01.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from tests.api.conftest import API_FIRST, API_LAST
from tests.api.test_filters import DROP, OR_TRUE, ev, insert_events, tenant_client

TENANT = "t_an_trends"
WEEK = {"date_from": "2026-02-02", "date_to": "2026-02-08"}
EVENTS = [
    # pageview (series A). utm totals over the week: google 3, twitter 2, '' 1, reddit 1,
    # linkedin 1 → with limit 2 the top values are google and twitter, the rest is Other.
    ev("p1", "pageview", "2026-02-02T10:00:00", utm_source="google"),
    ev("p1", "pageview", "2026-02-02T11:00:00", utm_source="google"),
    ev("p2", "pageview", "2026-02-02T10:30:00", utm_source="twitter"),
    ev("p3", "pageview", "2026-02-02T12:00:00"),
    # 02-03: nothing (zero-filled)
    ev("p1", "pageview", "2026-02-04T09:15:00", utm_source="google"),
    ev("p4", "pageview", "2026-02-04T09:45:00", utm_source="reddit"),
    ev("p4", "pageview", "2026-02-04T10:00:00", utm_source="linkedin"),  # Other: 2 events, 1 person
    ev("p2", "pageview", "2026-02-05T10:00:00", utm_source="twitter"),
    # previous period (01-26 .. 02-01): 01-27 and the last millisecond of 02-01
    ev("p1", "pageview", "2026-01-27T08:00:00", utm_source="google"),
    ev("p2", "pageview", "2026-02-01T23:59:59.999", utm_source="twitter"),
    # purchase (series B), revenue and an "items" property (text in the map)
    ev("p1", "purchase", "2026-02-02T10:05:00", revenue=10.0, props={"items": "1"}),
    ev("p2", "purchase", "2026-02-02T10:35:00", revenue=30.0, props={"items": "3"}),
    ev("p1", "purchase", "2026-02-04T09:20:00", revenue=5.0, props={"items": "2"}),
    ev("p4", "purchase", "2026-02-04T09:50:00", revenue=15.0, props={"items": "many"}),
    ev("p5", "purchase", "2026-02-04T23:00:00", revenue=100.0),
    ev("p6", "purchase", "2026-02-06T08:00:00", props={"items": "nan"}),  # not numbers:
    ev("p6", "purchase", "2026-02-06T09:00:00", props={"items": "inf"}),  # left out of maths
    # the range includes the whole last day, and nothing outside it
    ev("e1", "edge", "2026-02-01T23:59:59.999"),
    ev("e2", "edge", "2026-02-02T00:00:00"),
    ev("e3", "edge", "2026-02-08T23:59:59.999"),
    ev("e4", "edge", "2026-02-09T00:00:00"),
    # trailing actives: x logs in on 02-01 10:00 (before date_from 02-06), y on 02-05
    ev("x", "login", "2026-02-01T10:00:00"),
    ev("y", "login", "2026-02-05T12:00:00"),
]


@pytest.fixture(scope="module")
def client(clickhouse, server_url, api_context) -> Iterator[httpx.Client]:
    insert_events(clickhouse, TENANT, EVENTS)
    with tenant_client(server_url, api_context, TENANT) as c:
        yield c


def _trends(client: httpx.Client, **body) -> dict:
    response = client.post("/analytics/trends", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _lines(data: dict) -> dict:
    return {(r["series"], r["breakdown_value"], r["compare"]): r["data"]
            for r in data["results"]}


def test_total_and_dau_are_zero_filled_per_day(client) -> None:
    data = _trends(client, series=[{"event": "pageview"}, {"event": "pageview", "math": "dau"}],
                   **WEEK)
    assert data["results"][0]["dates"] == [f"2026-02-0{d}" for d in range(2, 9)]
    assert _lines(data) == {
        ("A", None, None): [4, 0, 3, 1, 0, 0, 0],
        ("B", None, None): [3, 0, 2, 1, 0, 0, 0],  # 02-02 p1 p2 p3; 02-04 p1 p4
    }


def test_the_range_includes_the_whole_last_day_only(client) -> None:
    data = _trends(client, series=[{"event": "edge"}], **WEEK)
    assert data["results"][0]["data"] == [1, 0, 0, 0, 0, 0, 1]  # e2 and e3; e1, e4 outside


def test_hour_interval(client) -> None:
    data = _trends(client, series=[{"event": "pageview"}], date_from="2026-02-02",
                   date_to="2026-02-02", interval="hour")
    [line] = data["results"]
    assert len(line["dates"]) == 24 and line["dates"][10] == "2026-02-02T10:00:00Z"
    expected = [0] * 24
    expected[10], expected[11], expected[12] = 2, 1, 1  # 10:00 + 10:30, 11:00, 12:00
    assert line["data"] == expected


def test_week_and_month_intervals(client) -> None:
    weeks = _trends(client, series=[{"event": "pageview"}], date_from="2026-02-02",
                    date_to="2026-02-15", interval="week")["results"][0]
    assert weeks["dates"] == ["2026-02-02", "2026-02-09"] and weeks["data"] == [8, 0]
    # Weeks start on Monday: a range starting on Sunday 02-01 opens with the week of 01-26.
    weeks = _trends(client, series=[{"event": "pageview"}], date_from="2026-02-01",
                    date_to="2026-02-08", interval="week")["results"][0]
    assert weeks["dates"] == ["2026-01-26", "2026-02-02"] and weeks["data"] == [1, 8]
    month = _trends(client, series=[{"event": "pageview"}], date_from="2026-01-01",
                    date_to="2026-02-28", interval="month")["results"][0]
    assert month["dates"] == ["2026-01-01", "2026-02-01"] and month["data"] == [1, 9]


def test_breakdown_keeps_the_top_values_and_merges_the_rest(client) -> None:
    data = _trends(client, series=[{"event": "pageview"}, {"event": "pageview", "math": "dau"}],
                   breakdown="utm_source", breakdown_limit=2, **WEEK)
    lines = _lines(data)
    assert list(lines) == [("A", "google", None), ("A", "twitter", None), ("A", "Other", None),
                           ("B", "google", None), ("B", "twitter", None), ("B", "Other", None)]
    assert lines["A", "google", None] == [2, 0, 1, 0, 0, 0, 0]
    assert lines["A", "twitter", None] == [1, 0, 0, 1, 0, 0, 0]
    assert lines["A", "Other", None] == [1, 0, 2, 0, 0, 0, 0]  # p3 (''); p4 reddit + linkedin
    # Other counts p4 once on 02-04 although p4 has two of its values
    assert lines["B", "Other", None] == [1, 0, 1, 0, 0, 0, 0]
    assert [r["breakdown_other"] for r in data["results"][:3]] == [False, False, True]
    # A high enough limit lists every value and no Other row
    every = _lines(_trends(client, series=[{"event": "pageview"}], breakdown="utm_source",
                           breakdown_limit=10, **WEEK))
    assert [key[1] for key in every] == ["google", "twitter", "", "linkedin", "reddit"]


def test_compare_to_the_previous_period(client) -> None:
    data = _trends(client, series=[{"event": "pageview"}], compare=True, **WEEK)
    current, previous = data["results"]
    assert (current["compare"], previous["compare"]) == ("current", "previous")
    assert current["data"] == [4, 0, 3, 1, 0, 0, 0]
    assert previous["dates"][0] == "2026-01-26" and previous["dates"][-1] == "2026-02-01"
    assert previous["data"] == [0, 1, 0, 0, 0, 0, 1]  # 01-27 and 02-01 23:59:59.999


def test_formula_across_series(client) -> None:
    data = _trends(client, series=[{"event": "pageview"}, {"event": "purchase"}],
                   formula="A+2*B", compare=True, **WEEK)
    assert data["formula"] == "A + 2 * B"
    current, previous = data["formula_results"]
    # pageviews [4,0,3,1,0,0,0] + 2 × purchases [2,0,3,0,2,0,0]
    assert current["data"] == [8, 0, 9, 1, 4, 0, 0]
    assert previous["data"] == [0, 1, 0, 0, 0, 0, 1]
    ratio = _trends(client, series=[{"event": "purchase", "math": "sum",
                                     "math_property": "revenue"},
                                    {"event": "purchase"}], formula="A/B", **WEEK)
    # 02-06: p6's purchases have no revenue (0 / 2); other days 0 / 0 → 0
    assert ratio["formula_results"][0]["data"] == [20, 0, 40, 0, 0, 0, 0]


def test_formula_per_breakdown_value(client) -> None:
    data = _trends(client, series=[{"event": "pageview"}, {"event": "pageview", "math": "dau"}],
                   breakdown="utm_source", breakdown_limit=2, formula="A-B", **WEEK)
    lines = {r["breakdown_value"]: r["data"] for r in data["formula_results"]}
    assert lines == {"google": [1, 0, 0, 0, 0, 0, 0], "twitter": [0] * 7,
                     "Other": [0, 0, 1, 0, 0, 0, 0]}


@pytest.mark.parametrize(
    ("math", "prop", "expected"),
    [
        # revenue 02-02: [10, 30]; 02-04: [5, 15, 100]
        ("sum", "revenue", [40, 0, 120, 0, 0, 0, 0]),
        ("avg", "revenue", [20, 0, 40, 0, 0, 0, 0]),
        ("min", "revenue", [10, 0, 5, 0, 0, 0, 0]),
        ("max", "revenue", [30, 0, 100, 0, 0, 0, 0]),
        ("median", "revenue", [20, 0, 15, 0, 0, 0, 0]),
        # interpolated: 10 + 0.9 × 20 = 28; 15 + 0.8 × 85 = 83
        ("p90", "revenue", [28, 0, 83, 0, 0, 0, 0]),
        # a map property holding text: "1" + "3"; "2" ("many" is not a number, p5 has none);
        # p6's "nan" and "inf" parse as floats but are left out
        ("sum", "items", [4, 0, 2, 0, 0, 0, 0]),
        ("max", "items", [3, 0, 2, 0, 0, 0, 0]),
    ],
)
def test_property_math(client, math: str, prop: str, expected: list) -> None:
    data = _trends(client, series=[{"event": "purchase", "math": math, "math_property": prop}],
                   **WEEK)
    assert data["results"][0]["data"] == pytest.approx(expected)


def test_trailing_actives_reach_before_date_from(client) -> None:
    # x active 02-01, y 02-05; from 02-06 (the worked example of analytics-semantics.md)
    data = _trends(client, series=[{"event": "login", "math": m} for m in
                                   ("dau", "weekly_active", "monthly_active")],
                   date_from="2026-02-06", date_to="2026-02-08")
    assert [r["data"] for r in data["results"]] == [[0, 0, 0], [2, 2, 1], [2, 2, 2]]
    # hourly: the trailing 7 × 24 hours ending each hour; x (02-01 10:00) leaves at 10:00
    hourly = _trends(client, series=[{"event": "login", "math": "weekly_active"}],
                     date_from="2026-02-08", date_to="2026-02-08", interval="hour")
    assert hourly["results"][0]["data"] == [2] * 10 + [1] * 14
    # at a week interval weekly_active is plain distinct persons per week
    weekly = _trends(client, series=[{"event": "login", "math": "weekly_active"}],
                     date_from="2026-01-26", date_to="2026-02-08", interval="week")
    assert weekly["results"][0]["data"] == [1, 1]


def test_trailing_actives_with_breakdown_and_any_event(client) -> None:
    data = _trends(client, series=[{"event": "$any", "math": "weekly_active"}],
                   date_from="2026-02-08", date_to="2026-02-08", breakdown="utm_source",
                   breakdown_limit=1)
    lines = {r["breakdown_value"]: r["data"] for r in data["results"]}
    # events of 02-08 only decide the top values: e3 ('' utm) → top ''; every other value is
    # Other. Trailing 02-02..02-08: '' = p3, e2, e3, p1 (purchases), p2, p4, p5, p6, y → 9;
    # Other = p1 google, p2 twitter, p4 reddit/linkedin → 3
    assert lines == {"": [9], "Other": [3]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"series": [{"event": "a", "math": "mode"}]}, "series.0.math"),
        ({"series": [{"event": "a", "math": "sum"}]}, "series.0.math_property"),
        ({"series": [{"event": "a"}], "formula": "__import__('os')"}, "formula"),
        ({"series": [{"event": "a"}], "formula": "A+C"}, "formula"),
        ({"series": [{"event": "a"}], "date_from": "2026-02-09"}, "date_to"),
        ({"series": [{"event": "a"}], "date_from": "2025-01-01", "interval": "hour"},
         "interval"),
        ({"series": [{"event": "a"}], "interval": "minute"}, "interval"),
        ({"series": []}, "series"),
        ({"series": [{"event": ""}]}, "series.0.event"),
        ({"series": [{"event": "a"}], "breakdown_limit": 0}, "breakdown_limit"),
        ({"series": [{"event": "a"}], "tenant_id": "acme"}, "tenant_id"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, body: dict, field: str) -> None:
    response = client.post("/analytics/trends", json={**WEEK, **body})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


def test_injection_strings_in_events_and_breakdown_are_values(client, clickhouse) -> None:
    for text in (DROP, OR_TRUE):
        data = _trends(client, series=[{"event": text}, {"event": "pageview"}],
                       breakdown=text, **WEEK)
        # the event is simply unknown; the breakdown property unset on every event ('')
        assert _lines(data) == {("A", "", None): [0] * 7,
                                ("B", "", None): [4, 0, 3, 1, 0, 0, 0]}
    assert clickhouse.query("SELECT count() FROM raw_events WHERE tenant_id = {t:String}",
                            parameters={"t": TENANT}).result_rows[0][0] == len(EVENTS)


def test_other_tenants_never_see_these_rows(client, globex, acme) -> None:
    body = {"series": [{"event": "edge"}, {"event": "login", "math": "weekly_active"}],
            **WEEK}
    ours = _trends(client, **body)
    # edge: e2 + e3; weekly logins: x on 02-02..02-07, y on 02-05..02-08
    assert [r["data"] for r in ours["results"]] == [[1, 0, 0, 0, 0, 0, 1],
                                                     [1, 1, 1, 2, 2, 2, 1]]
    for other in (globex, acme):
        theirs = other.post("/analytics/trends", json=body).json()["data"]
        assert [r["data"] for r in theirs["results"]] == [[0] * 7, [0] * 7]
        split = other.post("/analytics/trends", json={**body, "breakdown": "utm_source"})
        assert split.status_code == 200
        assert split.json()["data"]["results"] == []  # no value in range → no rows


def test_answers_are_cached_with_an_etag(client) -> None:
    body = {"series": [{"event": "pageview"}], **WEEK}
    first = client.post("/analytics/trends", json=body)
    again = client.post("/analytics/trends", json=body,
                        headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.post("/analytics/trends", json=body).json()["meta"]["cached"] is True


# --- agreement with the marts on the demo data ------------------------------------------

DEMO_DAYS = [(API_FIRST + timedelta(days=i)).isoformat()
             for i in range((API_LAST - API_FIRST).days + 1)]
DEMO_EVENTS = ["visit", "pageview", "signup", "activate", "purchase", "feature_used"]


def _mart(clickhouse, sql: str, tenant: str, **params) -> list[tuple]:
    return clickhouse.query(sql, parameters={"t": tenant, "a": API_FIRST, "b": API_LAST,
                                             **params}).result_rows


@pytest.mark.parametrize("tenant", ["acme", "globex"])
def test_daily_totals_and_revenue_match_the_trends_mart(demo_pipeline, clickhouse, acme,
                                                        globex, tenant) -> None:
    client = acme if tenant == "acme" else globex
    mart = defaultdict(lambda: [0] * len(DEMO_DAYS))
    revenue = [0.0] * len(DEMO_DAYS)
    for day, event, events, rev in _mart(
            clickhouse, "SELECT event_date, event, sum(events), sum(revenue) "
            "FROM mart_event_trends_daily WHERE tenant_id = {t:String} "
            "AND event_date BETWEEN {a:Date} AND {b:Date} GROUP BY event_date, event", tenant):
        mart[event][DEMO_DAYS.index(day.isoformat())] = events
        if event == "purchase":
            revenue[DEMO_DAYS.index(day.isoformat())] = rev
    data = _trends(client, series=[{"event": e} for e in DEMO_EVENTS] + [
        {"event": "purchase", "math": "sum", "math_property": "revenue"}],
        date_from=DEMO_DAYS[0], date_to=DEMO_DAYS[-1])
    lines = [r["data"] for r in data["results"]]
    assert sum(map(sum, lines[:-1])) > 1000  # the demo has data
    assert lines[:-1] == [mart[e] for e in DEMO_EVENTS]
    assert lines[-1] == pytest.approx(revenue)


def test_breakdown_matches_the_trends_mart(demo_pipeline, clickhouse, acme) -> None:
    rows = _mart(clickhouse, "SELECT utm_source, sum(events) FROM mart_event_trends_daily "
                 "WHERE tenant_id = {t:String} AND event = 'visit' "
                 "AND event_date BETWEEN {a:Date} AND {b:Date} GROUP BY utm_source", "acme")
    mart = {("" if u == "(none)" else u): n for u, n in rows}
    data = _trends(acme, series=[{"event": "visit"}], date_from=DEMO_DAYS[0],
                   date_to=DEMO_DAYS[-1], interval="week", breakdown="utm_source",
                   breakdown_limit=100)
    assert {r["breakdown_value"]: sum(r["data"]) for r in data["results"]} == mart


@pytest.mark.parametrize("event", ["pageview", "signup", "$any"])
def test_actives_match_the_active_persons_mart(demo_pipeline, clickhouse, acme,
                                               event) -> None:
    rows = _mart(clickhouse, "SELECT activity_date, dau, weekly_active, monthly_active "
                 "FROM mart_active_persons_daily WHERE tenant_id = {t:String} "
                 "AND event = {e:String} AND activity_date BETWEEN {a:Date} AND {b:Date} "
                 "ORDER BY activity_date", "acme", e=event)
    assert [r[0].isoformat() for r in rows] == DEMO_DAYS
    data = _trends(acme, series=[{"event": event, "math": m} for m in
                                 ("dau", "weekly_active", "monthly_active")],
                   date_from=DEMO_DAYS[0], date_to=DEMO_DAYS[-1])
    assert [r["data"] for r in data["results"]] == [[r[i] for r in rows] for i in (1, 2, 3)]
    # from the middle of the range, the trailing windows still reach back to API_FIRST
    middle = _trends(acme, series=[{"event": event, "math": "weekly_active"}],
                     date_from=DEMO_DAYS[3], date_to=DEMO_DAYS[-1])
    assert middle["results"][0]["data"] == [r[2] for r in rows[3:]]
