"""For every cached route, the hot path and the routed path give the same status, headers
and bytes for the same cached answer (issue: API core, point 1).

One app: a request computes and stores the answer; its repeat is answered by the hot
path; with the hot path switched off, the same repeat is routed and served from the same
cache entry. The two must be identical.
"""

from __future__ import annotations

import pytest

from api.keys import create_key
from tests.api.conftest import API_FIRST, API_LAST, client_for, running_server
from tests.api.probe import Probe, probe_app

RANGE = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat()}
# (method, path, JSON body) — one request per cached route
REQUESTS = [
    ("POST", "/analytics/trends", {"series": [{"event": "visit"}], **RANGE}),
    ("POST", "/analytics/funnels", {"steps": ["visit", "signup"], **RANGE}),
    ("POST", "/analytics/retention", {"target_event": "signup", "period": "day",
                                      "intervals": 3, "date_to": RANGE["date_to"]}),
    ("GET", "/analytics/funnels/visit_to_purchase", None),
    ("GET", "/analytics/cohorts?retention_id=signup_any&period=day", None),
    ("POST", "/social/analyze", {"company": "Acme", "competitors": ["Globex"]}),
    ("GET", "/social/mentions", None),
    ("GET", "/social/sentiment", None),
    ("GET", "/social/share-of-voice", None),
    ("GET", "/social/influencers", None),
    ("GET", "/modules/growth-pulse/insights", None),
    ("GET", "/wargaming/results", None),
]
COMPARED_HEADERS = ("content-type", "etag", "cache-control", "cache-status", "content-length")


@pytest.fixture(scope="module")
def served(api_settings, demo_pipeline):
    app, context = probe_app(api_settings, Probe())
    key = create_key(context.db, "acme", ["read"], "parity")[0]
    with running_server(app) as url, client_for(url, key) as client:
        yield client, context


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS, ids=[r[1] for r in REQUESTS])
def test_hot_and_routed_answers_are_identical(served, method, path, body) -> None:
    client, context = served
    first = client.request(method, path, json=body)
    assert first.status_code == 200, first.text
    hot_before = context.metrics.hot_path._value.get()
    hot = client.request(method, path, json=body)
    assert context.metrics.hot_path._value.get() == hot_before + 1, "answered by the hot path"
    context.replays.enabled = False
    try:
        routed = client.request(method, path, json=body)
    finally:
        context.replays.enabled = True
    assert context.metrics.hot_path._value.get() == hot_before + 1, "routed this time"
    assert hot.status_code == routed.status_code == 200
    assert {h: hot.headers.get(h) for h in COMPARED_HEADERS} == \
        {h: routed.headers.get(h) for h in COMPARED_HEADERS}
    assert hot.content == routed.content
