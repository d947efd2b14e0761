"""POST /v1/analytics/retention: the worked examples of tests/dbt_project/
test_product_marts.py through HTTP, and agreement with the cohort mart on the demo data.

Hand-made events of tenant t_an_retention (target `signup`, returning `$any`):
- a: signup Mon 02-02, pageview 02-03 (day +1);
- b: first-ever signup Fri 01-30 (before the 02-02 cohort), signs up again 02-02,
  pageview 02-04 (day +2);
- c: signup Sun 02-08 23:00 (week of Mon 02-02), pageview Mon 02-09 01:00 (next week).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.analytics.marts import configured_retention
from tests.api.conftest import API_LAST
from tests.api.test_filters import DROP, OR_TRUE, ev, insert_events, tenant_client

TENANT = "t_an_retention"
EVENTS = [
    ev("a", "signup", "2026-02-02T10:00:00"),
    ev("a", "pageview", "2026-02-03T09:00:00"),
    ev("b", "signup", "2026-01-30T12:00:00"),
    ev("b", "signup", "2026-02-02T12:00:00"),
    ev("b", "pageview", "2026-02-04T08:00:00"),
    ev("c", "signup", "2026-02-08T23:00:00"),
    ev("c", "pageview", "2026-02-09T01:00:00"),
]


@pytest.fixture(scope="module")
def client(clickhouse, server_url, api_context) -> Iterator[httpx.Client]:
    insert_events(clickhouse, TENANT, EVENTS)
    with tenant_client(server_url, api_context, TENANT) as c:
        yield c


def _table(client: httpx.Client, **body) -> dict[str, list[int]]:
    response = client.post("/analytics/retention", json={"target_event": "signup", **body})
    assert response.status_code == 200, response.text
    return {c["cohort_start"]: c["values"] for c in response.json()["data"]["cohorts"]}


DAYS = {"period": "day", "intervals": 3, "date_to": "2026-02-04"}


def test_recurring_daily_cohorts(client) -> None:
    # Cohort 02-02 = {a, b}: day+1 {a}, day+2 {b}; no signups on 02-03 and 02-04.
    assert _table(client, **DAYS) == {
        "2026-02-02": [2, 1, 1], "2026-02-03": [0, 0, 0], "2026-02-04": [0, 0, 0]}
    # Cumulative day+1 = a (day 1) and b (day 2 is later) = 2; day+2 = {b}.
    assert _table(client, **DAYS, cumulative=True)["2026-02-02"] == [2, 2, 1]


def test_first_time_excludes_a_person_whose_first_event_predates_the_range(client) -> None:
    # b's first-ever signup is 01-30, so only a is in the 02-02 cohort.
    assert _table(client, **DAYS, retention_type="first_time")["2026-02-02"] == [1, 1, 0]
    # widen the table to 01-30 and b has a cohort of its own (02-01: no activity)
    wide = _table(client, period="day", intervals=6, date_to="2026-02-04",
                  retention_type="first_time")
    assert wide["2026-01-30"] == [1, 0, 0, 1, 0, 1]  # b: signup 02-02 (+3), pageview 02-04 (+5)
    assert wide["2026-02-02"] == [1, 1, 0, 0, 0, 0]


@pytest.mark.parametrize("intervals", [64, 65, 120])
def test_long_tables_keep_every_period(client, intervals: int) -> None:
    """Up to 64 periods are the bits of a UInt64, more those of a UInt128: same cells."""
    table = _table(client, period="day", intervals=intervals, date_to="2026-02-04",
                   retention_type="first_time")
    assert len(table) == intervals
    assert table["2026-01-30"] == [1, 0, 0, 1, 0, 1] + [0] * (intervals - 6)
    assert table["2026-02-02"] == [1, 1] + [0] * (intervals - 2)
    oldest = min(table)
    assert table[oldest] == [0] * intervals


def test_weekly_cohorts_start_on_monday(client) -> None:
    weeks = {"period": "week", "intervals": 3, "date_to": "2026-02-09"}
    # Week of Mon 02-02: {a, b, c} (c's Sunday signup is in it); c returns Monday 02-09.
    # The last row is zero past date_to (the triangle is padded).
    assert _table(client, **weeks) == {
        "2026-01-26": [1, 1, 0], "2026-02-02": [3, 1, 0], "2026-02-09": [0, 0, 0]}
    first = _table(client, **weeks, retention_type="first_time")
    assert first["2026-01-26"] == [1, 1, 0]  # b: first signup Fri 01-30, returns week +1
    assert first["2026-02-02"] == [2, 1, 0]  # a and c; c returns
    # With Sunday weeks c's Sunday signup and Monday pageview share the week of 02-08.
    sunday = _table(client, **weeks, week_start="sunday")
    assert sunday == {"2026-01-25": [1, 1, 0], "2026-02-01": [2, 0, 0],
                      "2026-02-08": [1, 0, 0]}


def test_month_periods(client) -> None:
    months = _table(client, period="month", intervals=2, date_to="2026-02-28")
    # January: b (signup 01-30) returns in February; February: a, b, c
    assert months == {"2026-01-01": [1, 1], "2026-02-01": [3, 0]}


def test_returning_event_and_rates(client) -> None:
    response = client.post("/analytics/retention", json={
        "target_event": "signup", "returning_event": "signup", **DAYS})
    data = response.json()["data"]
    assert data["date_from"] == "2026-02-02" and data["intervals"] == 3
    [first, *_] = data["cohorts"]
    assert first["values"] == [2, 0, 0]  # nobody signs up again after 02-02
    response = client.post("/analytics/retention", json={"target_event": "signup", **DAYS})
    assert response.json()["data"]["cohorts"][0]["rates"] == [1.0, 0.5, 0.5]


def test_events_after_date_to_are_not_read(client) -> None:
    # date_to Sunday 02-08: c's Monday pageview is after it, so week +1 is empty
    weeks = _table(client, period="week", intervals=2, date_to="2026-02-08")
    assert weeks == {"2026-01-26": [1, 1], "2026-02-02": [3, 0]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"intervals": 0}, "intervals"),
        ({"intervals": 121}, "intervals"),
        ({"period": "year"}, "period"),
        ({"retention_type": "sometimes"}, "retention_type"),
        ({"target_event": ""}, "target_event"),
        ({"week_start": "friday"}, "week_start"),
        ({"date_to": "soon"}, "date_to"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, body: dict, field: str) -> None:
    response = client.post("/analytics/retention", json={"target_event": "signup", **body})
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_injection_strings_are_values(client, clickhouse) -> None:
    for text in (DROP, OR_TRUE):
        table = _table(client, **DAYS, returning_event=text, filters=[
            {"property": text, "operator": "neq", "value": text}])
        assert table["2026-02-02"] == [2, 0, 0]
        assert _table(client, **{**DAYS, "target_event": text})["2026-02-02"] == [0, 0, 0]
    assert clickhouse.query("SELECT count() FROM raw_events WHERE tenant_id = {t:String}",
                            parameters={"t": TENANT}).result_rows[0][0] == len(EVENTS)


def test_other_tenants_never_see_these_rows(client, globex, acme) -> None:
    body = {"target_event": "signup", **DAYS}
    assert _table(client, **DAYS)["2026-02-02"][0] == 2
    for other in (globex, acme):
        response = other.post("/analytics/retention", json=body)
        assert [c["values"] for c in response.json()["data"]["cohorts"]] == [[0, 0, 0]] * 3


# --- agreement with the cohort mart on the demo data ------------------------------------


@pytest.mark.parametrize("period", ["day", "week"])
@pytest.mark.parametrize("cohort_type", ["recurring", "first_time"])
@pytest.mark.parametrize("cumulative", [False, True])
@pytest.mark.parametrize("retention_id", sorted(configured_retention()))
def test_configured_retention_matches_the_cohort_mart(
        demo_pipeline, clickhouse, acme, retention_id: str, period: str, cohort_type: str,
        cumulative: bool) -> None:
    spec = configured_retention()[retention_id]
    column = "retained_cumulative" if cumulative else "retained"
    rows = clickhouse.query(
        f"SELECT cohort_start, groupArray(({column}, period_offset)) "
        "FROM mart_retention_cohorts WHERE tenant_id = 'acme' AND retention_id = {r:String} "
        "AND period = {p:String} AND cohort_type = {c:String} GROUP BY cohort_start",
        parameters={"r": retention_id, "p": period, "c": cohort_type}).result_rows
    mart = {start.isoformat(): [n for n, _ in sorted(cells, key=lambda c: c[1])]
            for start, cells in rows}
    assert mart and max(cells[0] for cells in mart.values()) > 0
    response = acme.post("/analytics/retention", json={
        "target_event": spec["target_event"], "returning_event": spec["returning_event"],
        "period": period, "intervals": spec["intervals"][period], "date_to": API_LAST.isoformat(),
        "retention_type": cohort_type, "cumulative": cumulative})
    adhoc = {c["cohort_start"]: c["values"] for c in response.json()["data"]["cohorts"]
             if c["cohort_size"] > 0}
    # The mart holds the offsets whose period has started; the API zero-pads the rest.
    assert adhoc == {start: cells + [0] * (spec["intervals"][period] - len(cells))
                     for start, cells in mart.items()}


def test_the_last_period_is_read_whole_when_date_to_is_early_in_it(client) -> None:
    # date_to Mon 02-02 is the first day of its week: the whole week 02-02..02-08 is
    # read, so c's Sunday signup joins the cohort and b's return on 02-04 counts.
    weeks = _table(client, period="week", intervals=2, date_to="2026-02-02")
    assert weeks == {"2026-01-26": [1, 1], "2026-02-02": [3, 0]}
    # date_to 02-01 is the first day of February: the whole month is read.
    months = _table(client, period="month", intervals=2, date_to="2026-02-01")
    assert months == {"2026-01-01": [1, 1], "2026-02-01": [3, 0]}
    # Days are their own last period: nothing after date_to is read.
    assert _table(client, period="day", intervals=2, date_to="2026-02-02") == {
        "2026-02-01": [0, 0], "2026-02-02": [2, 0]}
