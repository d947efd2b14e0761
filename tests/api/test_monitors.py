"""Social monitors: CRUD in the app database (tenant-scoped), validation, and their crisis
alerts read from hand-made mart_crisis_alerts rows of tenant `t_monitor_1`."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from api.keys import create_key
from tests.api.conftest import client_for

TENANT = "t_monitor_1"
ALERT_COLUMNS = ["tenant_id", "alert_date", "brand", "rule", "severity", "severity_rank",
                 "value", "change", "evidence_post_ids", "evidence_platforms",
                 "evidence_texts", "evidence_urls", "summary"]
# (day, brand, rule, severity, evidence [(platform, post_id)])
ALERTS = [
    (date(2026, 3, 10), "Nimbus", "half_window", "crisis",
     [("x", "e1"), ("reddit", "e2"), ("linkedin", "e3")]),
    (date(2026, 3, 10), "Nimbus", "negative_zscore", "warning", [("reddit", "e4")]),
    (date(2026, 3, 8), "Cirrus", "negative_zscore", "crisis", [("x", "e5")]),
    (date(2026, 3, 2), "Nimbus", "half_window", "warning", []),  # before the 7-day default
    (date(2026, 3, 9), "Other", "half_window", "crisis", []),  # not a monitored brand
]
NIMBUS = {"name": "Launch week", "company": "Nimbus", "competitors": ["Cirrus"],
          "platforms": ["x", "reddit"], "timeframe_hours": 168}


@pytest.fixture(scope="module")
def monitor_tenant(clickhouse, api_context, server_url) -> httpx.Client:
    clickhouse.insert("mart_crisis_alerts", [
        [TENANT, day, brand, rule, severity, 2 if severity == "crisis" else 1, -0.5, -0.4,
         [i for _, i in evidence], [p for p, _ in evidence],
         [f"text {i}" for _, i in evidence], [f"https://e/{i}" for _, i in evidence],
         f"{brand} {rule}"]
        for day, brand, rule, severity, evidence in ALERTS], column_names=ALERT_COLUMNS)
    # the tenant's latest social day, which ends the default alert window
    clickhouse.insert("mart_brand_sentiment_daily",
                      [[TENANT, date(2026, 3, 10), "Nimbus", "x", 10]],
                      column_names=["tenant_id", "mention_date", "brand", "platform",
                                    "mentions"])
    key = create_key(api_context.db, TENANT, ["read", "ingest"], "monitor tests")[0]
    with client_for(server_url, key) as client:
        yield client


def _create(client: httpx.Client, body: dict) -> dict:
    response = client.post("/social/monitors", json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def test_crud_round_trip(monitor_tenant) -> None:
    created = _create(monitor_tenant, NIMBUS)
    monitor_id = created["id"]
    assert {k: created[k] for k in NIMBUS} == {**NIMBUS, "platforms": ["reddit", "x"]}
    assert created["created_at"].endswith("+00:00")
    got = monitor_tenant.get(f"/social/monitors/{monitor_id}")
    assert got.status_code == 200 and got.json()["data"] == created
    listed = monitor_tenant.get("/social/monitors").json()["data"]
    assert created in listed
    replaced = monitor_tenant.put(f"/social/monitors/{monitor_id}", json={
        **NIMBUS, "name": "Renamed", "competitors": [], "platforms": ["linkedin"]})
    assert replaced.status_code == 200
    assert replaced.json()["data"]["name"] == "Renamed"
    assert replaced.json()["data"]["competitors"] == []
    assert monitor_tenant.get(f"/social/monitors/{monitor_id}").json()["data"][
        "platforms"] == ["linkedin"]
    assert monitor_tenant.delete(f"/social/monitors/{monitor_id}").status_code == 204
    missing = monitor_tenant.get(f"/social/monitors/{monitor_id}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert monitor_tenant.delete(f"/social/monitors/{monitor_id}").status_code == 404
    assert created not in monitor_tenant.get("/social/monitors").json()["data"]


def test_another_tenants_monitor_is_404(monitor_tenant, globex) -> None:
    monitor_id = _create(monitor_tenant, NIMBUS)["id"]
    for method, path, body in (
        ("GET", f"/social/monitors/{monitor_id}", None),
        ("PUT", f"/social/monitors/{monitor_id}", NIMBUS),
        ("DELETE", f"/social/monitors/{monitor_id}", None),
        ("GET", f"/social/monitors/{monitor_id}/alerts", None),
    ):
        response = globex.request(method, path, json=body)
        assert response.status_code == 404, (method, path)
    assert monitor_id not in {m["id"] for m in globex.get("/social/monitors").json()["data"]}
    # still there, unchanged, for its owner
    assert monitor_tenant.get(f"/social/monitors/{monitor_id}").json()["data"]["name"] == (
        NIMBUS["name"])


def test_writes_need_the_ingest_scope(server_url, keys, monitor_tenant) -> None:
    with client_for(server_url, keys.acme_read) as read_only:
        assert read_only.post("/social/monitors", json=NIMBUS).status_code == 403
        assert read_only.get("/social/monitors").status_code == 200
    with client_for(server_url, None) as anonymous:
        assert anonymous.get("/social/monitors").status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({k: v for k, v in NIMBUS.items() if k != "name"}, "name"),
    ({**NIMBUS, "name": ""}, "name"),
    ({**NIMBUS, "timeframe_hours": 0}, "timeframe_hours"),
    ({**NIMBUS, "timeframe_hours": "a week"}, "timeframe_hours"),
    ({**NIMBUS, "platforms": ["myspace"]}, "platforms.0"),
    ({**NIMBUS, "platforms": []}, "platforms"),
    ({**NIMBUS, "competitors": ["nimbus"]}, "competitors"),
    ({**NIMBUS, "competitors": "Cirrus"}, "competitors"),
    ({**NIMBUS, "tenant_id": "acme"}, "tenant_id"),
])
def test_bad_input_is_422_naming_the_field(monitor_tenant, body, field) -> None:
    for response in (monitor_tenant.post("/social/monitors", json=body),
                     monitor_tenant.put("/social/monitors/1", json=body)):
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize("path", ["abc", "0", "1 OR 1=1", "1;DROP TABLE social_monitors",
                                  "99999999999999999999"])
def test_bad_monitor_ids(monitor_tenant, path) -> None:
    for suffix in ("", "/alerts"):
        response = monitor_tenant.get(f"/social/monitors/{path}{suffix}")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "monitor_id"


def test_injection_strings_are_stored_as_values(monitor_tenant) -> None:
    value = "'; DROP TABLE social_monitors; --"
    created = _create(monitor_tenant, {**NIMBUS, "name": value, "company": value,
                                       "competitors": ["x' OR '1'='1"]})
    assert (created["name"], created["company"], created["competitors"]) == (
        value, value, ["x' OR '1'='1"])
    alerts = monitor_tenant.get(f"/social/monitors/{created['id']}/alerts",
                                params={"date_from": "2026-01-01"})
    assert alerts.status_code == 200 and alerts.json()["data"]["alerts"] == []
    assert monitor_tenant.get("/social/monitors").status_code == 200


def _alerts(client: httpx.Client, monitor_id: int, **params) -> list[tuple]:
    response = client.get(f"/social/monitors/{monitor_id}/alerts", params=params)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    return [(a["alert_date"], a["brand"], a["rule"], a["severity"],
             [e["post_id"] for e in a["evidence"]]) for a in data["alerts"]]


def test_monitor_alerts_from_the_mart(monitor_tenant) -> None:
    monitor_id = _create(monitor_tenant, NIMBUS)["id"]
    default = monitor_tenant.get(f"/social/monitors/{monitor_id}/alerts").json()["data"]
    # 168 h = 7 days ending at the latest social day 03-10: 03-04 .. 03-10
    assert (default["date_from"], default["date_to"]) == ("2026-03-04", "2026-03-10")
    # newest first, crisis before warning; linkedin evidence (e3) is not a monitored platform
    assert _alerts(monitor_tenant, monitor_id) == [
        ("2026-03-10", "Nimbus", "half_window", "crisis", ["e1", "e2"]),
        ("2026-03-10", "Nimbus", "negative_zscore", "warning", ["e4"]),
        ("2026-03-08", "Cirrus", "negative_zscore", "crisis", ["e5"]),
    ]
    assert [a[:2] for a in _alerts(monitor_tenant, monitor_id, severity="crisis")] == [
        ("2026-03-10", "Nimbus"), ("2026-03-08", "Cirrus")]
    assert len(_alerts(monitor_tenant, monitor_id, date_from="2026-03-01")) == 4
    assert _alerts(monitor_tenant, monitor_id, date_from="2026-03-08",
                   date_to="2026-03-09") == [
        ("2026-03-08", "Cirrus", "negative_zscore", "crisis", ["e5"])]
    # editing the monitor changes the answer (its settings are part of the cache key)
    monitor_tenant.put(f"/social/monitors/{monitor_id}", json={
        **NIMBUS, "competitors": [], "platforms": ["linkedin"], "timeframe_hours": 24})
    assert _alerts(monitor_tenant, monitor_id) == [
        ("2026-03-10", "Nimbus", "half_window", "crisis", ["e3"]),
        ("2026-03-10", "Nimbus", "negative_zscore", "warning", []),
    ]
    bad = monitor_tenant.get(f"/social/monitors/{monitor_id}/alerts",
                             params={"severity": "meh"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "severity.0"


def test_acme_monitor_reads_acmes_marts(demo_pipeline, clickhouse, acme, globex) -> None:
    monitor_id = _create(acme, {**NIMBUS, "company": "Acme", "competitors": ["Globex"]})["id"]
    data = acme.get(f"/social/monitors/{monitor_id}/alerts").json()["data"]
    # the demo's latest day is 04-12; its alerts (none in this window) are the mart's
    assert (data["date_from"], data["date_to"]) == ("2026-04-06", "2026-04-12")
    expected = clickhouse.query(
        "SELECT count() FROM mart_crisis_alerts WHERE tenant_id = 'acme' AND brand IN "
        "('Acme', 'Globex') AND alert_date BETWEEN '2026-04-06' AND '2026-04-12'"
    ).result_rows[0][0]
    assert len(data["alerts"]) == expected
    # t_monitor_1's alerts never reach acme, even for the same brand and dates
    nimbus = _create(acme, NIMBUS)["id"]
    assert acme.get(f"/social/monitors/{nimbus}/alerts",
                    params={"date_from": "2026-03-01"}).json()["data"]["alerts"] == []
    assert globex.get(f"/social/monitors/{monitor_id}/alerts").status_code == 404
