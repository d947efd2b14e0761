"""The hot path (api/hot_path.py): a repeat of an answered cacheable request is served
before routing, with the same answer, and with every check the full path makes.

"Served by the hot path" is observable: the probe route counts the requests that reach
it (`probe.routed`), and a hot-path answer never does.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.hot_path import ReplayBook
from api.keys import create_key
from api.ratelimit import RateLimiter
from tests.api.conftest import client_for, running_server
from tests.api.probe import PROBE_DATASET, Probe, probe_app, wait_for_version
from warehouse.dataset_versions import publish_versions

TENANT = "t_hot"


@pytest.fixture(scope="module")
def hot(api_settings, clickhouse) -> Iterator[tuple[str, Probe, object, str]]:
    probe = Probe()
    app, context = probe_app(api_settings, probe)
    key = create_key(context.db, TENANT, ["read"], "hot path tests")[0]
    with running_server(app) as url:
        yield url, probe, context, key


def test_a_repeat_is_answered_without_routing_with_the_same_answer(hot) -> None:
    url, probe, context, key = hot
    with client_for(url, key) as client:
        routed = probe.routed
        first = client.get("/probe", params={"n": 21})  # routed: computes, and teaches
        hot_hits = [client.get("/probe", params={"n": 21}) for _ in range(2)]
        assert probe.routed == routed + 1
        context.replays.enabled = False
        try:
            routed_hit = client.get("/probe", params={"n": 21})
        finally:
            context.replays.enabled = True
    assert probe.routed == routed + 2
    assert first.headers["Cache-Status"].startswith("sightline; fwd=miss")
    for answer in hot_hits:
        assert answer.content == routed_hit.content  # the very bytes of the routed hit
        assert answer.json()["data"] == {"n": 21, "rows": 21}
        for header in ("ETag", "Cache-Control", "Cache-Status", "content-type"):
            assert answer.headers[header] == routed_hit.headers[header]
    assert hot_hits[0].headers["ETag"] == first.headers["ETag"]


def _learn(client: httpx.Client, n: int) -> str:
    """Answer a request once, so its fingerprint is learned; its ETag."""
    return client.get("/probe", params={"n": n}).headers["ETag"]


def test_304_on_the_hot_path(hot) -> None:
    url, probe, _, key = hot
    with client_for(url, key) as client:
        etag = _learn(client, 22)
        routed = probe.routed
        revalidated = client.get("/probe", params={"n": 22}, headers={"If-None-Match": etag})
        weak = client.get("/probe", params={"n": 22}, headers={"If-None-Match": f"W/{etag}"})
        other = client.get("/probe", params={"n": 22}, headers={"If-None-Match": '"nope"'})
    assert (revalidated.status_code, weak.status_code, other.status_code) == (304, 304, 200)
    assert revalidated.content == b"" and revalidated.headers["ETag"] == etag
    assert probe.routed == routed


def test_keys_and_scopes_are_checked_on_the_hot_path(hot) -> None:
    url, _, context, key = hot
    with client_for(url, key) as client:
        _learn(client, 23)
    revoked, info = create_key(context.db, TENANT, ["read"], "to revoke")
    ingest_only = create_key(context.db, TENANT, ["ingest"], "ingest only")[0]
    context.auth.revoke(info.prefix)
    for bad_key, status in ((None, 401), ("sl_bogus", 401), (revoked, 401),
                            (ingest_only, 403)):
        with client_for(url, bad_key) as client:
            answer = client.get("/probe", params={"n": 23})
        assert answer.status_code == status, bad_key
        assert answer.headers["content-type"] == "application/problem+json"
    with httpx.Client(base_url=url + "/v1") as client:  # not a Bearer scheme
        basic = client.get("/probe", params={"n": 23}, headers={"Authorization": f"Basic {key}"})
    assert basic.status_code == 401


def test_another_tenant_with_the_same_request_gets_its_own_answer(hot, clickhouse,
                                                                   api_settings) -> None:
    url, probe, context, key = hot
    other = create_key(context.db, "t_hot_other", ["read"], "other tenant")[0]
    published = publish_versions(clickhouse, api_settings.redis_url, PROBE_DATASET,
                                 {"t_hot_other": 1})
    with client_for(url, key) as client:
        _learn(client, 24)
    with client_for(url, other) as client:
        calls = probe.calls
        theirs = client.get("/probe", params={"n": 24})
    assert probe.calls == calls + 1  # computed for them, not served from our entry
    assert theirs.headers["Cache-Status"].startswith("sightline; fwd=miss")
    assert theirs.json()["meta"]["dataset_versions"] == {PROBE_DATASET:
                                                         published["t_hot_other"]}


def test_a_version_bump_sends_the_repeat_down_the_full_path(hot, clickhouse,
                                                           api_settings) -> None:
    url, probe, context, key = hot
    with client_for(url, key) as client:
        _learn(client, 25)
        calls = probe.calls
        versions = publish_versions(clickhouse, api_settings.redis_url, PROBE_DATASET,
                                    {TENANT: 1})
        wait_for_version(context, TENANT, PROBE_DATASET, versions[TENANT])
        after = client.get("/probe", params={"n": 25})
    assert after.headers["Cache-Status"].startswith("sightline; fwd=miss")
    assert probe.calls == calls + 1
    assert after.json()["meta"]["dataset_versions"] == {PROBE_DATASET: versions[TENANT]}


def test_hot_path_answers_are_counted_by_route_template(hot) -> None:
    url, _, _, key = hot
    with client_for(url, key) as client:
        _learn(client, 26)
        for _ in range(3):
            client.get("/probe", params={"n": 26})
        metrics = client.get(f"{url}/metrics").text
    lines = [line for line in metrics.splitlines() if line.startswith(
        'sightline_http_requests_total{method="GET",route="/v1/probe",status="200"}')]
    assert lines and float(lines[0].split()[-1]) >= 5


def test_the_rate_limit_applies_to_hot_path_answers(api_settings, clickhouse) -> None:
    probe = Probe()
    app, context = probe_app(api_settings, probe, rate_limit_per_minute=4)
    # one window for the whole test
    context.limiter = RateLimiter(context.limiter.limit, context.limiter.storage,
                                  context.limiter.guard, window_seconds=3600)
    key = create_key(context.db, "t_hot_rate", ["read"])[0]
    with running_server(app) as url, client_for(url, key) as client:
        statuses = [client.get("/probe").status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert probe.routed == 1  # the miss; the 429s are refused before the route body runs


def test_disabled_hot_path_routes_every_request(api_settings, clickhouse) -> None:
    probe = Probe()
    app, context = probe_app(api_settings, probe, hot_path=False)
    key = create_key(context.db, "t_hot_off", ["read"])[0]
    with running_server(app) as url, client_for(url, key) as client:
        answers = [client.get("/probe") for _ in range(4)]
    assert [a.headers["Cache-Status"] for a in answers[1:]] == ["sightline; hit"] * 3
    assert probe.routed == 4


def test_a_different_body_or_content_type_is_a_different_request(acme) -> None:
    """Over the real trends route: the learned bytes must match exactly."""
    body = {"series": [{"event": "$pageview", "math": "total"}],
            "date_from": "2026-04-06", "date_to": "2026-04-08", "interval": "day"}
    first = acme.post("/analytics/trends", json=body)
    assert first.status_code == 200, first.text
    assert acme.post("/analytics/trends", json=body).headers["Cache-Status"] == "sightline; hit"
    text = acme.post("/analytics/trends", content=b"not json",
                     headers={"Content-Type": "application/json"})
    assert text.status_code == 422
    wrong_type = acme.post("/analytics/trends", content=first.request.content,
                           headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 422  # routed, and refused there as before


def test_replays_are_forgotten_at_the_end_of_the_utc_day(monkeypatch) -> None:
    import api.hot_path as hot_path

    book = ReplayBook(max_entries=2)
    fingerprint = ("GET", "/v1/x", b"", b"", b"")
    monkeypatch.setattr(hot_path, "_utc_day", lambda: 20_000)
    book.learn(fingerprint, "x", "{}", ["d"], "read", None)
    assert book.lookup(fingerprint) is not None
    monkeypatch.setattr(hot_path, "_utc_day", lambda: 20_001)
    assert book.lookup(fingerprint) is None
    for i in range(3):  # bounded: the least recently used goes first
        book.learn(("GET", f"/v1/{i}", b"", b"", b""), "x", "{}", ["d"], "read", None)
    assert [book.lookup(("GET", f"/v1/{i}", b"", b"", b"")) is not None
            for i in range(3)] == [False, True, True]
