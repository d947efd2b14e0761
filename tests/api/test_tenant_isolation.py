"""Every route, called with tenant B's key, returns nothing of tenant A's data.

Tenant A gets rows carrying the marker "IsoSecret" in the raw tables, the scored
mentions and the marts it owns, plus app-database objects (a monitor, a saved scenario,
a wargame run). Each route is then called as A and as B with the same request: B's
answers never contain the marker, B gets 404 for A's object ids, and A's answers do
contain it where the route reads marked data (so the check is not vacuous). The route
table must cover every route of the app: a new route without an entry fails the test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.keys import create_key
from tests.api.conftest import client_for

A, B = "t_iso_a", "t_iso_b"
MARK = "IsoSecret"
DAY = date(2026, 2, 10)
AT = datetime(2026, 2, 10, 12, tzinfo=UTC)
RANGE = {"date_from": "2026-02-01", "date_to": "2026-02-28"}


def _insert(clickhouse, table: str, rows: list[dict]) -> None:
    names = list(rows[0])
    clickhouse.insert(table, [[r[n] for n in names] for r in rows], column_names=names)


@pytest.fixture(scope="module")
def marked(clickhouse) -> None:
    """Tenant A's marked rows (the raw tables, scored mentions and marts)."""
    _insert(clickhouse, "raw_events", [
        {"tenant_id": A, "event_id": f"iso-{i}", "event": f"{MARK}_event",
         "person_id": f"{MARK}-person-{i % 2}", "timestamp": AT, "source": "iso",
         "ingested_at": AT} for i in range(3)])
    mention = {"tenant_id": A, "platform": "x", "post_id": "iso-post", "author_id": "iso-a",
               "author_handle": f"{MARK}_handle", "text": f"{MARK} is great", "url": "u",
               "created_at": AT, "likes": 5, "matched_brands": [MARK], "source": "iso",
               "ingested_at": AT}
    _insert(clickhouse, "raw_social_mentions", [mention])
    _insert(clickhouse, "social_mentions_scored", [
        {"tenant_id": A, "platform": "x", "post_id": "iso-post", "created_at": AT,
         "source": "iso", "compound": 0.6, "pos": 0.5, "neu": 0.5, "neg": 0.0,
         "label": "positive", "model_version": "iso", "scored_at": AT}])
    _insert(clickhouse, "mart_share_of_voice_daily", [
        {"tenant_id": A, "mention_date": DAY, "metric": "mentions", "brand": MARK, "value": 1,
         "metric_total": 1, "share": 1.0, "brand_rank": 1}])
    _insert(clickhouse, "mart_brand_sentiment_daily", [
        {"tenant_id": A, "mention_date": DAY, "brand": MARK, "platform": "x", "mentions": 1}])
    _insert(clickhouse, "mart_influencers", [
        {"tenant_id": A, "as_of_date": DAY, "platform": "x", "author_id": "iso-a",
         "author_handle": f"{MARK}_handle", "influencer_rank": 1, "score": 99.0,
         "brands_mentioned": [MARK]}])
    _insert(clickhouse, "mart_growth_pulse_insights", [
        {"tenant_id": A, "pulse_date": DAY, "insight_id": "iso-1", "severity": "high",
         "severity_rank": 3, "text": f"{MARK} insight"}])
    _insert(clickhouse, "mart_growth_pulse_daily", [
        {"tenant_id": A, "pulse_date": DAY, "sessions": 7, "signups": 1}])
    _insert(clickhouse, "mart_funnel_conversions_daily", [
        {"tenant_id": A, "funnel_id": "visit_to_purchase", "entry_date": DAY, "step": 1,
         "step_event": f"{MARK}_step", "persons": 7}])
    _insert(clickhouse, "mart_retention_cohorts", [
        {"tenant_id": A, "retention_id": "signup_any", "target_event": f"{MARK}_target",
         "period": "day", "cohort_type": "first_time", "cohort_start": DAY,
         "period_offset": 0, "cohort_size": 3}])
    _insert(clickhouse, "mart_crisis_alerts", [
        {"tenant_id": A, "alert_date": DAY, "brand": MARK, "rule": "half_window",
         "severity": "crisis", "severity_rank": 2, "evidence_post_ids": ["iso-post"],
         "evidence_platforms": ["x"], "evidence_texts": [f"{MARK} evidence"],
         "evidence_urls": ["u"], "summary": f"{MARK} alert"}])


@pytest.fixture(scope="module")
def clients(server_url, api_context, marked):
    key_a = create_key(api_context.db, A, ["read", "ingest"])[0]
    key_b = create_key(api_context.db, B, ["read", "ingest"])[0]
    with client_for(server_url, key_a) as a, client_for(server_url, key_b) as b:
        yield a, b


@pytest.fixture(scope="module")
def objects(clients) -> dict[str, object]:
    """A's app-database objects: a monitor, a saved scenario, a wargame run and a dashboard
    (published as a template, so every key of A reads it)."""
    a, _ = clients
    monitor = a.post("/social/monitors", json={
        "name": f"{MARK} watch", "company": MARK, "competitors": [],
        "platforms": ["x"], "timeframe_hours": 24 * 30})
    assert monitor.status_code == 201, monitor.text
    template = a.get("/wargaming/templates").json()["data"][1]
    scenario = a.post("/wargaming/scenarios",
                      json={"scenario": {**template, "name": f"{MARK} scenario"}})
    assert scenario.status_code == 201, scenario.text
    run = a.post("/wargaming/simulate", json={"scenario_id": scenario.json()["data"]["id"],
                                              "simulations": 200, "seed": 3})
    assert run.status_code == 201, run.text
    dashboard = a.post("/dashboards", json={
        "name": f"{MARK} board", "visibility": "template", "filters": RANGE,
        "widgets": [{"id": "w", "title": f"{MARK} widget", "kind": "line", "source": "trends",
                     "params": _trend()}]})
    assert dashboard.status_code == 201, dashboard.text
    metric = a.post("/metrics", json={"name": f"{MARK} metric", "formula": "COUNT()"})
    assert metric.status_code == 201, metric.text
    return {"monitor": monitor.json()["data"]["id"], "run": run.json()["data"]["id"],
            "dashboard": dashboard.json()["data"]["id"], "metric": metric.json()["data"]["id"]}


def _trend():
    return {"series": [{"event": f"{MARK}_event", "math": "total"}], **RANGE}


# Ad-hoc questions name A's event in the request (and echo it), so for them "sees A's
# data" means non-zero counts: the number each answer reports.
COUNTS = {
    "/modules/growth-pulse/daily": len,  # KPI rows carry numbers only: count A's days
    "/analytics/trends": lambda d: sum(sum(r["data"]) for r in d["results"]),
    "/analytics/funnels": lambda d: sum(g["steps"][0]["persons"] for g in d["results"]),
    "/analytics/retention": lambda d: sum(c["cohort_size"] for c in d["cohorts"]),
    "/metrics/preview": lambda d: sum(p["value"] for p in d["series"]),
}
# A's post text and handle: never part of a request.
POST_MARK = f"{MARK} is great"

# (method, path template, request kwargs, whether A's answer must show the marker)
ROUTES: list[tuple[str, str, dict, bool]] = [
    ("POST", "/analytics/trends", {"json": _trend()}, True),
    ("POST", "/analytics/funnels", {"json": {"steps": [f"{MARK}_event", f"{MARK}_event"],
                                             **RANGE}}, True),
    ("POST", "/analytics/retention", {"json": {"target_event": f"{MARK}_event",
                                               "date_to": "2026-02-12", "intervals": 3}},
     True),
    ("GET", "/analytics/funnels/{funnel_id}", {"params": RANGE}, True),
    ("GET", "/analytics/cohorts", {"params": RANGE}, True),
    ("POST", "/social/analyze", {"json": {"company": MARK, "competitors": [],
                                          "timeframe_hours": 48,
                                          "end": "2026-02-11T00:00:00Z"}}, True),
    ("GET", "/social/mentions", {"params": RANGE}, True),
    ("GET", "/social/sentiment", {"params": RANGE}, True),
    ("GET", "/social/share-of-voice", {"params": RANGE}, True),
    ("GET", "/social/influencers", {}, True),
    ("GET", "/social/monitors", {}, True),
    ("GET", "/social/monitors/{monitor_id}", {}, True),
    ("GET", "/social/monitors/{monitor_id}/alerts", {"params": RANGE}, True),
    ("GET", "/modules/growth-pulse/insights", {"params": RANGE}, True),
    ("GET", "/modules/growth-pulse/daily", {"params": RANGE}, True),
    ("GET", "/wargaming/templates", {}, False),
    ("GET", "/wargaming/scenarios", {}, True),
    ("GET", "/wargaming/history", {}, True),
    ("GET", "/wargaming/results", {}, False),
    ("GET", "/wargaming/{run_id}", {}, True),
    ("GET", "/wargaming/{run_id}/tree", {}, False),
    ("GET", "/connectors", {}, False),
    ("GET", "/dashboards", {}, True),
    ("GET", "/dashboards/templates", {}, True),
    ("GET", "/dashboards/{dashboard_id}", {}, True),
    ("GET", "/dashboards/{dashboard_id}/data", {}, True),
    ("GET", "/dashboards/{dashboard_id}/versions", {}, True),
    ("GET", "/dashboards/{dashboard_id}/share", {}, False),
    ("GET", "/dashboards/{dashboard_id}/export", {"params": {"format": "csv"}}, True),
    ("GET", "/dashboards/{dashboard_id}/schedules", {}, False),
    ("GET", "/reports/deliveries", {}, False),
    ("GET", "/metrics", {}, True),
    ("GET", "/metrics/{metric_id}", {}, True),
    ("POST", "/metrics/preview", {"json": {"formula": "COUNT()", "event": f"{MARK}_event",
                                           **RANGE}}, True),
]
# Routes that write or act rather than read tenant data; their tenant handling is
# tested in their own modules (the tenant of a landed file, a monitor update, ...).
NOT_READS = {("POST", "/events"), ("POST", "/webhooks/{connector}"),
             ("POST", "/uploads/{connector}"), ("POST", "/social/monitors"),
             ("PUT", "/social/monitors/{monitor_id}"), ("DELETE", "/social/monitors/{monitor_id}"),
             ("POST", "/modules/growth-pulse/run"), ("POST", "/wargaming/simulate"),
             ("POST", "/wargaming/scenarios"), ("GET", "/health"), ("GET", "/ready"),
             ("POST", "/dashboards"), ("PUT", "/dashboards/{dashboard_id}"),
             ("DELETE", "/dashboards/{dashboard_id}"), ("POST", "/dashboards/{dashboard_id}/fork"),
             ("POST", "/dashboards/{dashboard_id}/versions/{version}/restore"),
             ("POST", "/dashboards/{dashboard_id}/share"),
             ("DELETE", "/dashboards/{dashboard_id}/share/{link_id}"),
             ("GET", "/shared/{token}"),  # no key: tested in tests/api/test_dashboards.py
             ("POST", "/metrics"), ("PUT", "/metrics/{metric_id}"),
             ("DELETE", "/metrics/{metric_id}"), ("POST", "/dashboards/{dashboard_id}/schedules"),
             ("DELETE", "/dashboards/{dashboard_id}/schedules/{schedule_id}"),
             # narratives and claims: tests/api/test_storytelling_narrative.py
             ("POST", "/storytelling/generate"), ("GET", "/storytelling/{narrative_id}"),
             ("POST", "/storytelling/brief"),
             ("POST", "/storytelling/{narrative_id}/regenerate"),
             ("GET", "/claims/{claim_id}"), ("GET", "/board/agenda"),
             ("POST", "/board/decisions"), ("GET", "/board/decisions")}


def test_the_route_table_covers_every_route(app) -> None:
    openapi = app.openapi()["paths"]
    served = {(method.upper(), path.removeprefix("/v1"))
              for path, item in openapi.items() for method in item if path != "/metrics"}
    assert served == {(m, p) for m, p, _, _ in ROUTES} | NOT_READS


@pytest.mark.parametrize(("method", "path", "kwargs", "a_sees_it"), ROUTES,
                         ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_tenant_b_never_sees_tenant_a(clients, objects, method, path, kwargs,
                                      a_sees_it) -> None:
    a, b = clients
    url = path.format(funnel_id="visit_to_purchase", monitor_id=objects["monitor"],
                      run_id=objects["run"], dashboard_id=objects["dashboard"],
                      metric_id=objects["metric"])
    answer_a = a.request(method, url, **kwargs)
    answer_b = b.request(method, url, **kwargs)
    assert answer_a.status_code < 300, answer_a.text
    if path in COUNTS:
        assert COUNTS[path](answer_b.json()["data"]) == 0
        assert COUNTS[path](answer_a.json()["data"]) > 0
        return
    mark = POST_MARK if path == "/social/analyze" else MARK
    assert mark not in answer_b.text
    if any(name in path for name in ("{monitor_id}", "{run_id}", "{dashboard_id}",
                                     "{metric_id}")):
        assert answer_b.status_code == 404
    else:
        assert answer_b.status_code < 300, answer_b.text
    if a_sees_it:
        assert mark in answer_a.text
