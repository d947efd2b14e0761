"""POST /v1/analytics/funnels: the worked examples of tests/warehouse/semantics/
test_funnels.py through HTTP and ClickHouse, and agreement with the funnel mart on the
demo data.

Hand-made events of tenant t_an_funnels; each scenario has its own event names. Unless
a test says otherwise the range is 2026-01-05 .. 01-07.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from api.analytics import funnels as funnels_service
from api.analytics.funnel_events import FunnelEvents, fetch_funnel_events
from api.analytics.funnels import compute_funnels, funnel_spec
from api.analytics.marts import configured_funnels
from api.analytics.schemas import FunnelQuery
from tests.api.conftest import API_FIRST, API_LAST
from tests.api.test_filters import DROP, OR_TRUE, ev, insert_events, tenant_client

TENANT = "t_an_funnels"
RANGE = {"date_from": "2026-01-05", "date_to": "2026-01-07"}
EVENTS = [
    # ordered, window 1 hour: the boundary is inclusive
    ev("o1", "o_view", "2026-01-05T10:00:00"),
    ev("o1", "o_buy", "2026-01-05T11:00:00"),  # exactly 3600 s: converts
    ev("o2", "o_view", "2026-01-05T10:00:00"),
    ev("o2", "o_buy", "2026-01-05T11:00:00.001"),  # 3600.001 s: too late
    ev("o3", "o_view", "2026-01-05T10:00:00"),
    ev("o3", "o_scroll", "2026-01-05T10:10:00"),  # other events may come between
    ev("o3", "o_buy", "2026-01-05T10:30:00"),  # 1800 s
    # strict: an unrelated event breaks the funnel
    ev("s1", "s_view", "2026-01-05T10:00:00"),
    ev("s1", "s_cart", "2026-01-05T10:01:00"),
    ev("s1", "s_buy", "2026-01-05T10:02:00"),  # back to back: step 2
    ev("s2", "s_view", "2026-01-05T10:00:00"),
    ev("s2", "s_scroll", "2026-01-05T10:01:00"),  # breaks right after view: step 0
    ev("s2", "s_cart", "2026-01-05T10:02:00"),
    ev("s2", "s_buy", "2026-01-05T10:03:00"),
    ev("s3", "s_view", "2026-01-05T10:00:00"),
    ev("s3", "s_cart", "2026-01-05T10:01:00"),
    ev("s3", "s_scroll", "2026-01-05T10:02:00"),  # breaks after cart: step 1
    ev("s3", "s_buy", "2026-01-05T10:03:00"),
    # unordered, window 1 day
    ev("u1", "u_c", "2026-01-05T10:00:00"),  # reverse order still completes all 3
    ev("u1", "u_b", "2026-01-05T10:05:00"),  # 300 s
    ev("u1", "u_a", "2026-01-05T10:20:00"),  # 900 s
    ev("u2", "u_b", "2026-01-05T10:00:00"),
    ev("u2", "u_b", "2026-01-05T10:01:00"),  # the same step twice is still 1 step
    ev("u3", "u_a", "2026-01-05T10:00:00"),
    ev("u3", "u_c", "2026-01-07T10:00:00"),  # 2 days later: outside the window
    # exclusion refund between view (0) and buy (1), window 14 days
    ev("x1", "x_view", "2026-01-05T10:00:00"),
    ev("x1", "x_refund", "2026-01-05T10:10:00"),  # between view and buy: disqualified
    ev("x1", "x_buy", "2026-01-05T10:20:00"),
    ev("x2", "x_view", "2026-01-05T10:00:00"),
    ev("x2", "x_buy", "2026-01-05T10:20:00"),
    ev("x2", "x_refund", "2026-01-05T10:30:00"),  # after buy: harmless, 1200 s
    ev("x3", "x_view", "2026-01-05T10:00:00"),
    ev("x3", "x_refund", "2026-01-05T10:10:00"),  # in the window, never buys: disqualified
    ev("x4", "x_view", "2026-01-05T10:00:00"),
    ev("x4", "x_refund", "2026-01-05T10:10:00"),  # disqualified attempt on Jan 5 ...
    ev("x4", "x_buy", "2026-01-05T10:20:00"),
    ev("x4", "x_view", "2026-01-06T10:00:00"),  # ... the clean one on Jan 6 counts,
    ev("x4", "x_buy", "2026-01-06T10:05:00"),  # 300 s
    # breakdown by the step-0 event's browser
    ev("b1", "b_a", "2026-01-05T10:00:00", props={"browser": "chrome"}),
    ev("b1", "b_b", "2026-01-05T10:10:00", props={"browser": "chrome"}),  # chrome: 600 s
    ev("b2", "b_a", "2026-01-05T10:00:00", props={"browser": "chrome"}),  # chrome: step 0
    ev("b3", "b_a", "2026-01-05T10:00:00", props={"browser": "firefox"}),
    ev("b3", "b_b", "2026-01-05T10:05:00", props={"browser": "firefox"}),  # firefox: 300 s
    ev("b3", "b_a", "2026-01-05T11:00:00", props={"browser": "chrome"}),
    ev("b3", "b_b", "2026-01-05T11:30:00", props={"browser": "safari"}),  # chrome: 1800 s
    ev("b4", "b_a", "2026-01-05T10:00:00", props={"browser": "safari"}),  # safari: step 0
    ev("b5", "b_a", "2026-01-05T10:00:00", props={"browser": "edge"}),  # edge: step 0
    # entry must be in the range, later steps may fall after it (window 7 days)
    ev("q1", "e_a", "2026-01-04T23:59:59.999"),  # before date_from: never enters
    ev("q1", "e_b", "2026-01-05T01:00:00"),
    ev("q1", "e_c", "2026-01-05T02:00:00"),
    ev("q2", "e_a", "2026-01-07T23:00:00"),  # last hour of date_to: enters
    ev("q2", "e_b", "2026-01-08T01:00:00"),  # after date_to: still counts, 7200 s
    ev("q2", "e_c", "2026-01-09T00:00:00"),  # 82800 s
    ev("q3", "e_a", "2026-01-08T00:00:00"),  # the exclusive end: never enters
    ev("q4", "e_a", "2026-01-05T00:00:00"),  # the inclusive start: enters
    # a step-0 name as an exclusion: v_a after date_to is no entry but still excludes
    ev("v1", "v_a", "2026-01-07T12:00:00"),
    ev("v1", "v_b", "2026-01-07T13:00:00"),
    ev("v1", "v_a", "2026-01-08T01:00:00"),  # between steps 1 and 2: v1 is removed
    ev("v1", "v_c", "2026-01-08T02:00:00"),
    ev("v2", "v_a", "2026-01-07T12:00:00"),
    ev("v2", "v_b", "2026-01-07T13:00:00"),
    ev("v2", "v_c", "2026-01-08T02:00:00"),  # converts: 3600 s, then 46800 s
    # a repeated name needs two distinct events
    ev("r1", "r_pv", "2026-01-05T10:00:00"),  # one event cannot fill both steps
    ev("r1", "r_su", "2026-01-05T10:05:00"),  # r1 stays at step 0
    ev("r2", "r_pv", "2026-01-05T10:00:00"),
    ev("r2", "r_pv", "2026-01-05T10:01:00"),  # step 1 after 60 s
    ev("r2", "r_su", "2026-01-05T10:02:00"),  # step 2 after 60 s
    ev("r3", "r_pv", "2026-01-05T10:00:00", event_id="yy1"),
    ev("r3", "r_pv", "2026-01-05T10:00:00", event_id="yy2"),  # same instant: 0 s
    ev("r3", "r_su", "2026-01-05T10:03:00"),  # 180 s
    # equal timestamps are ordered by event_id
    ev("t1", "t_a", "2026-01-05T10:00:00", event_id="zz2"),
    ev("t1", "t_b", "2026-01-05T10:00:00", event_id="zz1"),  # b sorts before a: no step 1
    ev("t2", "t_b", "2026-01-05T10:00:00", event_id="zz4"),
    ev("t2", "t_a", "2026-01-05T10:00:00", event_id="zz3"),  # a then b: 0 s
]


@pytest.fixture(scope="module")
def client(clickhouse, server_url, api_context) -> Iterator[httpx.Client]:
    insert_events(clickhouse, TENANT, EVENTS)
    with tenant_client(server_url, api_context, TENANT) as c:
        yield c


def _funnel(client: httpx.Client, **body) -> dict:
    response = client.post("/analytics/funnels", json={**RANGE, **body})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _single(client: httpx.Client, **body) -> list[dict]:
    [group] = _funnel(client, **body)["results"]
    assert group["breakdown_value"] is None
    return group["steps"]


def _persons(steps: list[dict]) -> list[int]:
    return [s["persons"] for s in steps]


def _avg(steps: list[dict]) -> list[float | None]:
    return [s["avg_seconds_from_previous"] for s in steps]


def test_ordered_window_boundary_is_inclusive(client) -> None:
    steps = _single(client, steps=["o_view", "o_buy"], window=1, window_unit="hour")
    assert _persons(steps) == [3, 2]  # o1 (3600 s) and o3 (1800 s)
    assert _avg(steps) == [None, 2700.0]
    assert steps[1]["median_seconds_from_previous"] == 2700.0
    assert steps[1]["conversion_from_first"] == pytest.approx(2 / 3)
    # one minute less and o1 drops out too
    assert _persons(_single(client, steps=["o_view", "o_buy"], window=59,
                            window_unit="minute")) == [3, 1]


def test_strict_funnel_is_broken_by_an_unrelated_event(client) -> None:
    strict = _single(client, steps=["s_view", "s_cart", "s_buy"], order="strict")
    assert _persons(strict) == [3, 2, 1]
    assert _avg(strict) == [None, 60.0, 60.0]
    ordered = _single(client, steps=["s_view", "s_cart", "s_buy"], order="ordered")
    assert _persons(ordered) == [3, 3, 3]
    assert _avg(ordered) == [None, 80.0, 80.0]


def test_unordered_funnel(client) -> None:
    steps = _single(client, steps=["u_a", "u_b", "u_c"], order="unordered", window=1)
    assert _persons(steps) == [3, 1, 1]
    assert _avg(steps) == [None, 300.0, 900.0]


def test_exclusions_disqualify_attempts_and_clean_attempts_still_count(client) -> None:
    exclusions = [{"event": "x_refund", "from_step": 0, "to_step": 1}]
    steps = _single(client, steps=["x_view", "x_buy"], exclusions=exclusions)
    # x1 and x3 have no clean attempt (x3's refund, inside the window, disqualifies it
    # though x3 never buys); x4 counts through its clean Jan 6 attempt.
    assert _persons(steps) == [2, 2]  # x2 and x4, both converted
    assert _avg(steps) == [None, 750.0]  # (1200 + 300) / 2
    # x4's Jan 6 attempt alone is clean: a funnel of that day counts it
    day = _single(client, steps=["x_view", "x_buy"], exclusions=exclusions,
                  date_from="2026-01-06", date_to="2026-01-06")
    assert _persons(day) == [1, 1] and _avg(day) == [None, 300.0]
    # without the exclusion everyone who bought converts
    assert _persons(_single(client, steps=["x_view", "x_buy"])) == [4, 3]


def test_breakdown_with_limit_and_other(client) -> None:
    data = _funnel(client, steps=["b_a", "b_b"], breakdown="browser")
    groups = {g["breakdown_value"]: _persons(g["steps"]) for g in data["results"]}
    assert groups == {"chrome": [3, 2], "edge": [1, 0], "firefox": [1, 1], "safari": [1, 0]}
    assert list(groups) == ["chrome", "edge", "firefox", "safari"]  # persons, then value
    limited = _funnel(client, steps=["b_a", "b_b"], breakdown="browser", breakdown_limit=2)
    chrome, edge, other = limited["results"]
    assert (chrome["breakdown_value"], edge["breakdown_value"]) == ("chrome", "edge")
    assert _avg(chrome["steps"]) == [None, 1200.0]  # (600 + 1800) / 2
    # Other = firefox + safari attempts: b3 (firefox, 300 s) and b4 as one group
    assert (other["breakdown_value"], other["breakdown_other"]) == ("Other", True)
    assert _persons(other["steps"]) == [2, 1] and _avg(other["steps"]) == [None, 300.0]


def test_entry_must_be_in_range_but_later_steps_may_not(client) -> None:
    steps = _single(client, steps=["e_a", "e_b", "e_c"], window=7)
    assert _persons(steps) == [2, 1, 1]  # q2 and q4 enter; q2 converts after date_to
    assert _avg(steps) == [None, 7200.0, 82800.0]
    # strict: q2's steps are its very next events, so nothing changes
    assert _persons(_single(client, steps=["e_a", "e_b", "e_c"], order="strict")) == [2, 1, 1]


def test_a_step_zero_name_after_the_range_still_excludes(client) -> None:
    steps = _single(client, steps=["v_a", "v_b", "v_c"], window=7,
                    exclusions=[{"event": "v_a", "from_step": 1, "to_step": 2}])
    assert _persons(steps) == [1, 1, 1]  # v2 only
    assert _avg(steps) == [None, 3600.0, 46800.0]
    assert _persons(_single(client, steps=["v_a", "v_b", "v_c"], window=7)) == [2, 2, 2]


def test_repeated_name_needs_two_distinct_events(client) -> None:
    steps = _single(client, steps=["r_pv", "r_pv", "r_su"])
    assert _persons(steps) == [3, 2, 2]
    assert _avg(steps) == [None, 30.0, 120.0]  # (60 + 0) / 2, (60 + 180) / 2


def test_equal_timestamps_are_ordered_by_event_id(client) -> None:
    steps = _single(client, steps=["t_a", "t_b"])
    assert _persons(steps) == [2, 1] and _avg(steps) == [None, 0.0]


def test_event_ids_are_fetched_again_only_for_tied_persons(client, api_context,
                                                          monkeypatch) -> None:
    """The first read leaves event_id out; t1 and t2 tie, so only they are read again."""
    scope = api_context.store.scope(TENANT)
    reads: list[dict] = []

    def recording(*args, **kwargs) -> FunnelEvents:
        fetched = fetch_funnel_events(*args, **kwargs)
        reads.append({"persons": kwargs.get("persons"), "rows": fetched.events.num_rows,
                      "event_id": "event_id" in fetched.events.column_names})
        return fetched

    monkeypatch.setattr(funnels_service, "fetch_funnel_events", recording)
    query = FunnelQuery.model_validate({**RANGE, "steps": ["t_a", "t_b"]})
    steps = compute_funnels(scope, query)["results"][0]["steps"]
    assert [s["persons"] for s in steps] == [2, 1]
    assert [(r["event_id"], r["rows"]) for r in reads] == [(False, 4), (True, 4)]
    hashes = scope.rows("SELECT cityHash64(arrayJoin(['t1', 't2'])) AS h")
    assert sorted(reads[1]["persons"]) == sorted(int(r["h"]) for r in hashes)


@pytest.mark.parametrize(("body", "step0_only", "rows"), [
    # x3 only views, but its refund may disqualify it: every entrant's events come back
    # (x1 3, x2 3, x3 2, x4 5)
    ({"steps": ["x_view", "x_buy"], "exclusions": [
        {"event": "x_refund", "from_step": 0, "to_step": 1}]}, 0, 13),
    # without the exclusion x3 only views: counted; x1 2, x2 2 and x4 4 step events
    # come back (refunds are not read)
    ({"steps": ["x_view", "x_buy"]}, 1, 8),
    # q2 and q4 enter; q4 has no e_b: counted; q2's 3 events come back (q3's e_a at the
    # exclusive end is not read: a step-0 name past the entry days cannot matter)
    ({"steps": ["e_a", "e_b", "e_c"], "window": 7}, 1, 3),
    # strict reads every event of q2 (only its 3 here); q4 is still counted
    ({"steps": ["e_a", "e_b", "e_c"], "window": 7, "order": "strict"}, 1, 3),
    # unordered: u2 has one step name only (u_b twice): counted; u1 3 + u3 2 come back
    ({"steps": ["u_a", "u_b", "u_c"], "window": 1, "order": "unordered"}, 1, 5),
    # the step-0 name comes again: every entrant's events (r1 2, r2 3, r3 3)
    ({"steps": ["r_pv", "r_pv", "r_su"]}, 0, 8),
    # a breakdown needs each entrant's step-0 values: b1 2, b2 1, b3 4, b4 1, b5 1
    ({"steps": ["b_a", "b_b"], "breakdown": "browser"}, 0, 9),
])
def test_entrants_who_cannot_pass_step_0_are_counted_not_read(
        client, api_context, body: dict, step0_only: int, rows: int) -> None:
    scope = api_context.store.scope(TENANT)
    query = FunnelQuery.model_validate({**RANGE, **body})
    fetched = fetch_funnel_events(scope, funnel_spec(query), query.date_from, query.date_to,
                                  query)
    assert (fetched.step0_only, fetched.events.num_rows) == (step0_only, rows)
    persons = fetched.events["person_id"].to_numpy()
    assert (persons[1:] >= persons[:-1]).all()  # sorted for the engine


@pytest.mark.parametrize("event_ids", [False, True])
def test_each_person_code_labels_that_persons_own_events(client, api_context,
                                                         event_ids: bool) -> None:
    """The hash of each person code is the person whose events the code carries: a tie
    re-read selects persons by it. (An alias once sorted the persons but not their
    events, so re-reads fetched other persons' events.)"""
    scope = api_context.store.scope(TENANT)
    query = FunnelQuery.model_validate({**RANGE, "steps": ["x_view", "x_buy"], "exclusions": [
        {"event": "x_refund", "from_step": 0, "to_step": 1}]})
    fetched = fetch_funnel_events(scope, funnel_spec(query), query.date_from, query.date_to,
                                  query, event_ids=event_ids)
    codes = fetched.events["person_id"].to_pylist()
    read = Counter(fetched.hashes(codes))
    stored = scope.rows("SELECT cityHash64(person_id) AS h, count() AS n FROM raw_events "
                        "WHERE person_id IN ('x1', 'x2', 'x3', 'x4') GROUP BY h")
    assert read == {int(r["h"]): int(r["n"]) for r in stored}  # 3, 3, 2 and 5 events


def test_filters_apply_to_every_event(client) -> None:
    # Only chrome events: b1 (600 s), b2, b3's second attempt (its b_b is safari: dropped)
    steps = _single(client, steps=["b_a", "b_b"], filters=[
        {"property": "browser", "operator": "eq", "value": "chrome"}])
    assert _persons(steps) == [3, 1] and _avg(steps) == [None, 600.0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"steps": ["a"] * 21}, "steps"),
        ({"steps": ["a"]}, "steps"),
        ({"steps": ["a", ""]}, "steps.1"),
        ({"steps": ["a", "b"], "window": 0}, "window"),
        ({"steps": ["a", "b"], "window_unit": "year"}, "window_unit"),
        ({"steps": ["a", "b"], "order": "random"}, "order"),
        ({"steps": ["a", "b"], "date_from": "2026-01-08"}, "date_to"),
        ({"steps": ["a", "b"], "exclusions": [{"event": "x", "from_step": 0, "to_step": 2}]},
         "exclusions"),
        ({"steps": ["a", "b"], "exclusions": [{"event": "x", "from_step": 1, "to_step": 1}]},
         "exclusions.0.to_step"),
        ({"steps": ["a", "b"], "breakdown_limit": 501}, "breakdown_limit"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, body: dict, field: str) -> None:
    response = client.post("/analytics/funnels", json={**RANGE, **body})
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_injection_strings_are_values(client, clickhouse) -> None:
    for text in (DROP, OR_TRUE):
        other = OR_TRUE if text == DROP else DROP
        data = _funnel(client, steps=[text, "o_buy"], exclusions=[
            {"event": other, "from_step": 0, "to_step": 1}], breakdown=text,
            filters=[{"property": text, "operator": "neq", "value": text}])
        assert data["results"] == []  # nobody did an event of that name
        strict = _funnel(client, steps=["o_view", text], order="strict", breakdown=text)
        assert [_persons(g["steps"]) for g in strict["results"]] == [[3, 0]]
    assert clickhouse.query("SELECT count() FROM raw_events WHERE tenant_id = {t:String}",
                            parameters={"t": TENANT}).result_rows[0][0] == len(EVENTS)


def test_other_tenants_never_see_these_rows(client, globex, acme) -> None:
    body = {**RANGE, "steps": ["o_view", "o_buy"], "window": 1, "window_unit": "hour"}
    assert _persons(_single(client, **body)) == [3, 2]
    for other in (globex, acme):
        response = other.post("/analytics/funnels", json=body)
        assert response.status_code == 200
        [group] = response.json()["data"]["results"]
        assert _persons(group["steps"]) == [0, 0]
        split = other.post("/analytics/funnels", json={**body, "breakdown": "browser"})
        assert split.json()["data"]["results"] == []


# --- agreement with the funnel mart on the demo data ------------------------------------

ENTRY_DAY = (API_FIRST + timedelta(days=2)).isoformat()
LAST_DAY = API_LAST.isoformat()


def _body(funnel_id: str, day: str) -> dict:
    spec = configured_funnels()[funnel_id]
    return {"steps": spec["steps"], "window": spec["window"],
            "window_unit": spec["window_unit"], "order": spec["order"],
            "exclusions": spec.get("exclusions", []), "date_from": day, "date_to": day}


@pytest.mark.parametrize("day", [ENTRY_DAY, LAST_DAY])
@pytest.mark.parametrize("funnel_id", sorted(configured_funnels()))
def test_a_single_entry_day_matches_the_funnel_mart(demo_pipeline, clickhouse, acme,
                                                    funnel_id: str, day: str) -> None:
    rows = clickhouse.query(
        "SELECT persons, conversion_from_first, conversion_from_previous, "
        "avg_seconds_from_previous, median_seconds_from_previous "
        "FROM mart_funnel_conversions_daily WHERE tenant_id = 'acme' "
        "AND funnel_id = {f:String} AND entry_date = {d:Date} ORDER BY step",
        parameters={"f": funnel_id, "d": day}).result_rows
    assert rows and rows[0][0] > 0
    [group] = _funnel(acme, **_body(funnel_id, day))["results"]
    adhoc = [(s["persons"], s["conversion_from_first"], s["conversion_from_previous"],
              s["avg_seconds_from_previous"], s["median_seconds_from_previous"])
             for s in group["steps"]]
    assert adhoc == [pytest.approx(row) for row in rows]
    # ... and the mart route serves the same day
    mart = acme.get(f"/analytics/funnels/{funnel_id}",
                    params={"date_from": day, "date_to": day}).json()["data"]
    [mart_day] = mart["days"]
    assert [s["persons"] for s in mart_day["steps"]] == [s["persons"] for s in group["steps"]]


def test_breakdown_on_the_demo_data(demo_pipeline, acme) -> None:
    body = {**_body("visit_to_purchase", ENTRY_DAY), "breakdown": "utm_source"}
    [whole] = _funnel(acme, **_body("visit_to_purchase", ENTRY_DAY))["results"]
    groups = _funnel(acme, **body)["results"]
    values = [g["breakdown_value"] for g in groups]
    assert set(values) <= {"google", "twitter", "linkedin", "reddit", "newsletter", "direct", ""}
    entered = [g["steps"][0]["persons"] for g in groups]
    assert entered == sorted(entered, reverse=True)
    # a person counts under each value their attempts start with
    assert sum(entered) >= whole["steps"][0]["persons"] > 0
    limited = _funnel(acme, **body, breakdown_limit=2)["results"]
    assert [g["breakdown_value"] for g in limited] == [*values[:2], "Other"]
    assert limited[:2] == groups[:2]
    assert max(entered[2:]) <= limited[2]["steps"][0]["persons"] <= sum(entered[2:])
