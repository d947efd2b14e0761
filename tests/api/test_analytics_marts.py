"""GET /v1/analytics/funnels/{funnel_id} and /v1/analytics/cohorts: configured funnels
and cohorts served from their marts (demo data, tenants acme and globex)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.analytics.marts import configured_funnels, configured_retention
from tests.api.conftest import API_FIRST, API_LAST
from tests.api.test_filters import DROP, OR_TRUE, tenant_client

RANGE = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat()}


def _mart_funnel(clickhouse, tenant: str, funnel_id: str) -> dict[str, list[tuple]]:
    rows = clickhouse.query(
        "SELECT entry_date, step, persons, conversion_from_first, conversion_from_previous, "
        "avg_seconds_from_previous, median_seconds_from_previous "
        "FROM mart_funnel_conversions_daily WHERE tenant_id = {t:String} "
        "AND funnel_id = {f:String} AND entry_date BETWEEN {a:Date} AND {b:Date} "
        "ORDER BY entry_date, step",
        parameters={"t": tenant, "f": funnel_id, "a": API_FIRST, "b": API_LAST}).result_rows
    days: dict[str, list[tuple]] = {}
    for day, *step in rows:
        days.setdefault(day.isoformat(), []).append(tuple(step))
    return days


def _served(data: dict) -> dict[str, list[tuple]]:
    return {d["entry_date"]: [(s["step"], s["persons"], s["conversion_from_first"],
                               s["conversion_from_previous"], s["avg_seconds_from_previous"],
                               s["median_seconds_from_previous"]) for s in d["steps"]]
            for d in data["days"]}


@pytest.mark.parametrize("funnel_id", sorted(configured_funnels()))
def test_funnel_route_serves_the_mart(demo_pipeline, clickhouse, acme, globex,
                                      funnel_id: str) -> None:
    served = {}
    for tenant, client in (("acme", acme), ("globex", globex)):
        response = client.get(f"/analytics/funnels/{funnel_id}", params=RANGE)
        assert response.status_code == 200
        data = response.json()["data"]
        spec = configured_funnels()[funnel_id]
        assert (data["steps"], data["order"], data["window"]) == (
            spec["steps"], spec["order"], spec["window"])
        served[tenant] = _served(data)
        assert served[tenant] == _mart_funnel(clickhouse, tenant, funnel_id)
        assert len(served[tenant]) == 7  # one row per demo day
    assert served["acme"] != served["globex"]  # each key reads its own tenant


def test_funnel_route_date_range(demo_pipeline, acme) -> None:
    day = (API_FIRST + timedelta(days=1)).isoformat()
    one = acme.get("/analytics/funnels/visit_to_purchase",
                   params={"date_from": day, "date_to": day}).json()["data"]
    assert [d["entry_date"] for d in one["days"]] == [day]
    open_end = acme.get("/analytics/funnels/visit_to_purchase",
                        params={"date_from": day}).json()["data"]
    assert len(open_end["days"]) == 6
    assert acme.get("/analytics/funnels/visit_to_purchase", params={
        "date_from": "2020-01-01", "date_to": "2020-01-31"}).json()["data"]["days"] == []


@pytest.mark.parametrize("funnel_id", ["nope", DROP, OR_TRUE, "visit_to_purchase'--"])
def test_unknown_funnel_is_404(acme, funnel_id: str) -> None:
    response = acme.get(f"/analytics/funnels/{funnel_id}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "visit_to_purchase" in response.json()["detail"]  # lists the configured ones


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": DROP}, "date_from"),
        ({"date_to": OR_TRUE}, "date_to"),
        ({"date_from": "2026-04-12", "date_to": "2026-04-06"}, "date_to"),
        ({"tenant_id": "globex"}, "tenant_id"),
    ],
)
def test_bad_query_params_are_422(acme, params: dict, field: str) -> None:
    response = acme.get("/analytics/funnels/visit_to_purchase", params=params)
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    cohorts = acme.get("/analytics/cohorts", params=params)
    assert cohorts.status_code == 422
    assert field in [e["field"] for e in cohorts.json()["errors"]]


def test_cohorts_route_serves_the_mart(demo_pipeline, clickhouse, acme) -> None:
    response = acme.get("/analytics/cohorts", params={
        "retention_id": "signup_any", "period": "day", "cohort_type": "first_time", **RANGE})
    assert response.status_code == 200
    cohorts = response.json()["data"]["cohorts"]
    rows = clickhouse.query(
        "SELECT cohort_start, any(cohort_size), groupArray((period_offset, retained, "
        "retained_cumulative, retention_rate)) FROM mart_retention_cohorts "
        "WHERE tenant_id = 'acme' AND retention_id = 'signup_any' AND period = 'day' "
        "AND cohort_type = 'first_time' AND cohort_start BETWEEN {a:Date} AND {b:Date} "
        "GROUP BY cohort_start ORDER BY cohort_start",
        parameters={"a": API_FIRST, "b": API_LAST}).result_rows
    assert [c["cohort_start"] for c in cohorts] == [r[0].isoformat() for r in rows]
    assert len(cohorts) == 7
    intervals = configured_retention()["signup_any"]["intervals"]["day"]
    for cohort, (_, size, cells) in zip(cohorts, rows, strict=True):
        cells = sorted(cells)
        assert cohort["cohort_size"] == size > 0
        assert cohort["observed_periods"] == len(cells)
        padding = [0] * (intervals - len(cells))
        assert cohort["retained"] == [c[1] for c in cells] + padding
        assert cohort["retained_cumulative"] == [c[2] for c in cells] + padding
        assert cohort["retention_rate"] == pytest.approx([c[3] for c in cells] + padding)
        assert cohort["retained"][0] == size
    # the first demo day's cohort has seen 7 days; the last one only its own
    assert [c["observed_periods"] for c in cohorts] == [7, 6, 5, 4, 3, 2, 1]


def test_cohorts_filters(demo_pipeline, acme) -> None:
    every = acme.get("/analytics/cohorts", params=RANGE).json()["data"]["cohorts"]
    kinds = {(c["retention_id"], c["period"], c["cohort_type"]) for c in every}
    assert kinds == {(r, p, t) for r in configured_retention() for p in ("day", "week")
                     for t in ("recurring", "first_time")}
    weekly = acme.get("/analytics/cohorts", params={"period": "week", **RANGE}).json()
    assert {c["period"] for c in weekly["data"]["cohorts"]} == {"week"}
    assert {c["cohort_start"] for c in weekly["data"]["cohorts"]} == {API_FIRST.isoformat()}
    assert all(len(c["retained"]) == 8 for c in weekly["data"]["cohorts"])
    later = acme.get("/analytics/cohorts", params={
        "date_from": (API_LAST - timedelta(days=1)).isoformat(), "period": "day"}).json()
    assert {c["cohort_start"] for c in later["data"]["cohorts"]} == {
        (API_LAST - timedelta(days=1)).isoformat(), API_LAST.isoformat()}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"retention_id": "nope"}, 404),
        ({"retention_id": DROP}, 404),
        ({"retention_id": OR_TRUE}, 404),
        ({"period": "month"}, 422),
        ({"cohort_type": DROP}, 422),
    ],
)
def test_bad_cohort_params(acme, params: dict, status: int) -> None:
    response = acme.get("/analytics/cohorts", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_a_tenant_without_marts_sees_nothing(demo_pipeline, server_url, api_context) -> None:
    with tenant_client(server_url, api_context, "t_an_marts") as client:
        funnel = client.get("/analytics/funnels/visit_to_purchase", params=RANGE)
        assert funnel.status_code == 200 and funnel.json()["data"]["days"] == []
        cohorts = client.get("/analytics/cohorts", params=RANGE)
        assert cohorts.status_code == 200 and cohorts.json()["data"]["cohorts"] == []


def test_mart_answers_are_cached(demo_pipeline, acme) -> None:
    url = "/analytics/funnels/signup_activation"
    first = acme.get(url, params=RANGE)
    assert first.json()["meta"]["dataset_versions"]["mart_funnel_conversions_daily"] > 0
    again = acme.get(url, params=RANGE, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
