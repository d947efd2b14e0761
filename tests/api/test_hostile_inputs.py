"""Inputs that once knocked the API over (issue: API core, point 6) answer 422 problem+json
naming the field — never a 500 — and a trends question with the interval left out is
held to the same bucket cap as one that sends it."""

from __future__ import annotations

import pytest

from tests.api.conftest import client_for

HUGE = 10**400
TRENDS = {"series": [{"event": "visit"}], "date_from": "2026-04-06", "date_to": "2026-04-12"}
FUNNEL = {"steps": ["visit", "signup"], "date_from": "2026-04-06", "date_to": "2026-04-12"}

# (method, path, JSON body or None, the field the 422 must name)
CASES = [
    ("POST", "/analytics/trends",
     {**TRENDS, "filters": [{"property": "revenue", "operator": "gt", "value": HUGE}]},
     "filters.0"),
    ("POST", "/analytics/trends", {**TRENDS, "series": [{"event": "visit"}, {"event": "x"}],
                                   "formula": "A+" + "9" * 400}, "formula"),
    ("POST", "/analytics/funnels", {**FUNNEL, "window": HUGE, "window_unit": "second"},
     "window"),
    ("POST", "/analytics/funnels", {**FUNNEL, "window": HUGE}, "window"),
    ("GET", f"/wargaming/history?offset={10**20}", None, "offset"),
    ("POST", "/wargaming/simulate", {"scenario_id": 10**20}, "scenario_id"),
    ("POST", "/social/analyze", {"company": "Acme", "end": "0001-01-01"}, "end"),
    ("GET", "/wargaming/results?as_of=2026-13-45", None, "as_of"),
    ("POST", "/analytics/trends", {**TRENDS, "date_from": "1970-01-01",
                                   "date_to": "2100-12-31"}, "interval"),
]


@pytest.fixture(scope="module")
def client(server_url, keys):
    with client_for(server_url, keys.acme) as http:
        yield http


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES,
                         ids=[f"{c[1]}:{c[3]}" for c in CASES])
def test_hostile_input_is_422_naming_the_field(client, method, path, body, field) -> None:
    import json

    content = None if body is None else json.dumps(body)  # 10**400 is valid JSON
    answer = client.request(method, path, content=content,
                            headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in answer.json()["errors"]]
    assert any(f == field or f.startswith(field + ".") for f in fields), fields
