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


def test_a_huge_trends_question_is_refused_before_it_is_computed(client) -> None:
    # 20 series × a url breakdown (25 + Other) × 1,992 hourly buckets × 2 periods = 2,071,680
    # values, ~94 MiB of JSON: refused with what to change.
    body = {"series": [{"event": f"e{i}"} for i in range(20)], "breakdown": "url",
            "date_from": "2026-01-01", "date_to": "2026-03-24", "interval": "hour",
            "compare": True}
    answer = client.post("/analytics/trends", json=body)
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == "compare"
    assert "2,071,680 values" in error["message"] and "breakdown_limit" in error["message"]


def test_an_answer_over_the_size_limit_is_refused_with_how_to_narrow_it(
        api_settings, clickhouse) -> None:
    from tests.api.conftest import running_server
    from tests.api.probe import Probe, probe_app

    app, context = probe_app(api_settings, Probe(), max_answer_bytes=10)
    from api.keys import create_key

    key = create_key(context.db, "t_big", ["read"])[0]
    with running_server(app) as url, client_for(url, key) as http:
        answer = http.get("/probe", params={"n": 3})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert "over the 0 MiB limit" in answer.json()["detail"]
    assert "narrow the question" in answer.json()["detail"]


def test_the_in_process_cache_is_bounded_by_bytes() -> None:
    import asyncio

    from api.cache import MemoryBackend

    async def scenario() -> None:
        cache = MemoryBackend(max_entries=100, max_bytes=1000)
        for n in range(10):
            await cache.set(f"k{n}", b"x" * 200, ttl=60)
        assert cache.size_bytes == 1000  # the five newest
        assert await cache.get("k9") == b"x" * 200 and await cache.get("k4") is None
        await cache.set("huge", b"x" * 400, ttl=60)  # over a quarter of the bound: not kept
        assert await cache.get("huge") is None and cache.size_bytes == 1000

    asyncio.run(scenario())
