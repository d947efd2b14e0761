"""Growth pulse routes: insights (hand-made mart rows of tenant `t_pulse_1`, pages and
cursors) and queueing a rebuild in the session's Dagster instance (never executed here)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from api.keys import create_key
from tests.api.conftest import client_for

TENANT = "t_pulse_1"
INSIGHT_COLUMNS = ["tenant_id", "pulse_date", "insight_id", "metric", "rule", "direction",
                   "severity", "severity_rank", "value", "previous_value", "change", "text"]
RANK = {"low": 1, "medium": 2, "high": 3}
# (day, insight_id, severity)
INSIGHTS = [
    (date(2026, 3, 10), "sessions:wow", "high"),
    (date(2026, 3, 10), "revenue:wow", "medium"),
    (date(2026, 3, 10), "signups:wow", "low"),
    (date(2026, 3, 10), "conversion_rate:drop", "medium"),
    (date(2026, 3, 9), "conversions:wow", "high"),
    (date(2026, 3, 9), "sessions:wow", "low"),
    (date(2026, 3, 8), "revenue:wow", "low"),
]
# newest day first, then severity, then insight_id
ORDER = ["2026-03-10 sessions:wow", "2026-03-10 conversion_rate:drop",
         "2026-03-10 revenue:wow", "2026-03-10 signups:wow", "2026-03-09 conversions:wow",
         "2026-03-09 sessions:wow", "2026-03-08 revenue:wow"]
PULSE_ASSETS = ["clickhouse/mart_growth_pulse_alerts", "clickhouse/mart_growth_pulse_daily",
                "clickhouse/mart_growth_pulse_insights", "marts/fct_growth_pulse_alerts",
                "marts/fct_growth_pulse_daily", "marts/fct_growth_pulse_insights"]


@pytest.fixture(scope="module")
def pulse_tenant(clickhouse, api_context, server_url) -> httpx.Client:
    clickhouse.insert("mart_growth_pulse_insights", [
        [TENANT, day, insight_id, insight_id.split(":")[0], insight_id.split(":")[1], "up",
         severity, RANK[severity], 120.0, 100.0, 0.2, f"{insight_id} on {day}"]
        for day, insight_id, severity in INSIGHTS], column_names=INSIGHT_COLUMNS)
    key = create_key(api_context.db, TENANT, ["read"], "pulse tests")[0]
    with client_for(server_url, key) as client:
        yield client


def _names(items: list[dict]) -> list[str]:
    return [f"{i['pulse_date']} {i['insight_id']}" for i in items]


def _get(client: httpx.Client, **params) -> dict:
    response = client.get("/modules/growth-pulse/insights", params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_pages(pulse_tenant) -> None:
    pages = [_get(pulse_tenant, page=n, page_size=3) for n in (1, 2, 3, 4)]
    assert [_names(p["items"]) for p in pages] == [ORDER[:3], ORDER[3:6], ORDER[6:], []]
    assert [p["total"] for p in pages] == [7, 7, 7, 7]
    assert [p["page"] for p in pages] == [1, 2, 3, 4]
    assert pages[2]["next_cursor"] is None
    first = _get(pulse_tenant)  # page 1 of 50 by default
    assert (_names(first["items"]), first["page"], first["page_size"]) == (ORDER, 1, 50)
    item = first["items"][0]
    assert (item["severity"], item["severity_rank"], item["change"]) == ("high", 3, 0.2)


def test_cursor_walk_returns_every_insight_once_in_order(pulse_tenant) -> None:
    seen, cursor = [], None
    for _ in range(10):
        page = _get(pulse_tenant, page_size=2, **({"cursor": cursor} if cursor else {}))
        seen += _names(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ORDER
    # a page-mode answer's cursor continues where the page ended
    after_page = _get(pulse_tenant, cursor=_get(pulse_tenant, page=1, page_size=3)[
        "next_cursor"], page_size=3)
    assert _names(after_page["items"]) == ORDER[3:6] and after_page["page"] is None


@pytest.mark.parametrize(("params", "expected"), [
    ({"severity": "high"}, [ORDER[0], ORDER[4]]),
    ({"severity": ["medium", "high"]}, [*ORDER[:3], ORDER[4]]),
    ({"date_from": "2026-03-09", "date_to": "2026-03-09"}, ORDER[4:6]),
    ({"date_to": "2026-03-09"}, ORDER[4:]),
    ({"metric": "revenue"}, [ORDER[2], ORDER[6]]),
    ({"metric": "revenue", "severity": "low"}, [ORDER[6]]),
])
def test_filters(pulse_tenant, params, expected) -> None:
    data = _get(pulse_tenant, **params)
    assert _names(data["items"]) == expected
    assert data["total"] == len(expected)


def test_validation(pulse_tenant) -> None:
    cursor = _get(pulse_tenant, page_size=1)["next_cursor"]
    for params, field in (({"page": 1, "cursor": cursor}, "cursor"),
                          ({"page_size": 501}, "page_size"), ({"page": 0}, "page"),
                          ({"severity": "critical"}, "severity.0"),
                          ({"cursor": "bm9wZQ"}, "cursor"),
                          ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to"),
                          ({"severity": "high' OR '1'='1"}, "severity.0"),
                          ({"tenant": "acme"}, "tenant")):
        response = pulse_tenant.get("/modules/growth-pulse/insights", params=params)
        assert response.status_code == 422, params
        assert field in [e["field"] for e in response.json()["errors"]]


def test_other_tenants_see_their_own_insights(demo_pipeline, clickhouse, acme,
                                              globex) -> None:
    for client, tenant in ((acme, "acme"), (globex, "globex")):
        data = _get(client, page_size=500)
        expected = clickhouse.query(
            "SELECT pulse_date, insight_id FROM mart_growth_pulse_insights WHERE tenant_id = "
            "{t:String} ORDER BY pulse_date DESC, severity_rank DESC, insight_id",
            parameters={"t": tenant}).result_rows
        assert _names(data["items"]) == [f"{d} {i}" for d, i in expected][:500]
        assert data["total"] == len(expected)
        assert not {f"{i['pulse_date']} {i['insight_id']}" for i in data["items"]} & {
            "2026-03-10 conversion_rate:drop", "2026-03-08 revenue:wow"}


# --- POST /modules/growth-pulse/run -----------------------------------------------------


def test_run_queues_the_pulse_assets_in_the_instance(server_url, keys, instance) -> None:
    from dagster import AssetKey, DagsterRunStatus

    with client_for(server_url, keys.acme_admin) as admin:
        response = admin.post("/modules/growth-pulse/run", json={"date": "2026-04-10"})
        assert response.status_code == 202, response.text
        data = response.json()["data"]
        assert data["status"] == "QUEUED"
        assert data["partition"] == "2026-04-10"
        assert data["assets"] == PULSE_ASSETS
        assert data["job"] == "daily_pipeline"
        run = instance.get_run_by_id(data["run_id"])
        assert run is not None
        assert run.status == DagsterRunStatus.QUEUED  # queued for a daemon, not executed
        assert run.job_name == "daily_pipeline"
        assert run.asset_selection == {AssetKey.from_user_string(k) for k in PULSE_ASSETS}
        assert run.tags["dagster/partition"] == "2026-04-10"
        assert run.tags["sightline/pipeline"] == "growth_pulse"
        assert run.tags["sightline/requested_by_tenant"] == "acme"
        assert run.tags["dagster/code_location"] == "orchestration.definitions"
        assert run.remote_job_origin.location_name == "orchestration.definitions"
        assert not instance.all_logs(run.run_id, of_type=_step_starts())
        # the same day still waiting in the queue is not queued twice
        again = admin.post("/modules/growth-pulse/run", json={"date": "2026-04-10"})
        assert again.status_code == 202 and again.json()["data"]["run_id"] == data["run_id"]
        # no body: yesterday (UTC)
        default = admin.post("/modules/growth-pulse/run")
        assert default.status_code == 202, default.text
        yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
        assert default.json()["data"]["partition"] == yesterday
        assert default.json()["data"]["run_id"] != data["run_id"]
    for run_id in (data["run_id"], default.json()["data"]["run_id"]):
        instance.delete_run(run_id)


def _step_starts():
    from dagster import DagsterEventType

    return {DagsterEventType.STEP_START, DagsterEventType.RUN_START}


def test_run_needs_admin_and_a_partition_day(server_url, keys) -> None:
    with client_for(server_url, keys.acme) as read_ingest:
        assert read_ingest.post("/modules/growth-pulse/run", json={}).status_code == 403
    today = datetime.now(UTC).date()
    with client_for(server_url, keys.acme_admin) as admin:
        for body in ({"date": today.isoformat()}, {"date": "2025-12-31"},  # before the start
                     {"date": "yesterday"}, {"date": "2026-04-10' OR '1'='1"},
                     {"day": "2026-04-10"}):
            response = admin.post("/modules/growth-pulse/run", json=body)
            assert response.status_code == 422, body
            expected = ["day"] if "day" in body else ["date"]
            assert [e["field"] for e in response.json()["errors"]] == expected


def test_an_app_without_a_run_launcher_answers_503_naming_sightline_serve(
        api_settings, clickhouse) -> None:
    from api.keys import create_key
    from tests.api.conftest import running_server
    from tests.api.probe import Probe, probe_app

    app, context = probe_app(api_settings, Probe())  # built without a launcher
    key = create_key(context.db, "t_no_launcher", ["admin"])[0]
    with running_server(app) as url, client_for(url, key) as admin:
        answer = admin.post("/modules/growth-pulse/run", json={"date": "2026-04-10"})
    assert answer.status_code == 503
    assert "sightline serve" in answer.json()["detail"]
