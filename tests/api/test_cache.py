"""The response cache, auth and limits, over a real server, real Redis and real chDB.

A probe route (tests/api/probe.py) answers through `cached_answer` with one real
ClickHouse query and counts how often it computed, so "served from cache" is observable.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from api.keys import create_key
from api.ratelimit import RateLimiter
from tests.api.conftest import _free_port, client_for, running_server
from tests.api.probe import PROBE_DATASET, Probe, probe_app, wait_for_version
from warehouse.dataset_versions import publish_versions


@pytest.fixture(scope="module")
def probe_server(api_settings, clickhouse) -> Iterator[tuple[str, Probe, object]]:
    probe = Probe()
    app, context = probe_app(api_settings, probe)
    with running_server(app) as url:
        yield url, probe, context


@pytest.fixture(scope="module")
def probe_key(probe_server) -> str:
    _, _, context = probe_server
    return create_key(context.db, "t_cache", ["read"], "cache tests")[0]


def test_miss_then_hit_with_same_etag(probe_server, probe_key) -> None:
    url, probe, _ = probe_server
    with client_for(url, probe_key) as client:
        before = probe.calls
        first = client.get("/probe", params={"n": 11})
        second = client.get("/probe", params={"n": 11})
    assert first.status_code == second.status_code == 200
    assert first.json()["data"] == second.json()["data"] == {"n": 11, "rows": 11}
    assert first.headers["Cache-Status"].startswith("sightline; fwd=miss")
    assert second.headers["Cache-Status"] == "sightline; hit"
    assert first.json()["meta"]["cached"] is False and second.json()["meta"]["cached"] is True
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("private, max-age=")
    assert probe.calls == before + 1


def test_if_none_match_gets_304(probe_server, probe_key) -> None:
    url, _, _ = probe_server
    with client_for(url, probe_key) as client:
        etag = client.get("/probe", params={"n": 12}).headers["ETag"]
        revalidated = client.get("/probe", params={"n": 12}, headers={"If-None-Match": etag})
        other = client.get("/probe", params={"n": 12}, headers={"If-None-Match": '"nope"'})
    assert revalidated.status_code == 304 and revalidated.content == b""
    assert revalidated.headers["ETag"] == etag
    assert other.status_code == 200


def test_a_version_bump_makes_the_next_request_a_miss(probe_server, probe_key, clickhouse,
                                                      api_settings) -> None:
    url, probe, context = probe_server
    with client_for(url, probe_key) as client:
        first = client.get("/probe", params={"n": 13})
        assert client.get("/probe", params={"n": 13}).headers["Cache-Status"] == "sightline; hit"
        calls = probe.calls
        versions = publish_versions(clickhouse, api_settings.redis_url, PROBE_DATASET,
                                    {"t_cache": 5})
        wait_for_version(context, "t_cache", PROBE_DATASET, versions["t_cache"])
        after = client.get("/probe", params={"n": 13})
    assert after.headers["Cache-Status"].startswith("sightline; fwd=miss")
    assert probe.calls == calls + 1
    assert after.json()["meta"]["dataset_versions"] == {PROBE_DATASET: versions["t_cache"]}
    assert after.headers["ETag"] != first.headers["ETag"]


def test_twenty_concurrent_misses_compute_once(probe_server, probe_key) -> None:
    url, probe, _ = probe_server
    probe.delay = 0.5

    async def burst() -> list[httpx.Response]:
        headers = {"Authorization": f"Bearer {probe_key}"}
        async with httpx.AsyncClient(base_url=url + "/v1", headers=headers,
                                     timeout=30) as client:
            return await asyncio.gather(*(client.get("/probe", params={"n": 14})
                                          for _ in range(20)))

    before = probe.calls
    try:
        responses = asyncio.run(burst())
    finally:
        probe.delay = 0.0
    assert [r.status_code for r in responses] == [200] * 20
    assert {r.json()["data"]["rows"] for r in responses} == {14}
    assert probe.calls == before + 1


def test_without_redis_the_in_process_cache_serves_hits(api_settings, clickhouse) -> None:
    probe = Probe()
    app, context = probe_app(dataclasses.replace(api_settings, redis_url=None), probe)
    key = create_key(context.db, "t_cache_mem", ["read"])[0]
    with running_server(app) as url, client_for(url, key) as client:
        assert client.get("/probe", params={"n": 3}).headers["Cache-Status"].endswith("stored")
        assert client.get("/probe", params={"n": 3}).headers["Cache-Status"] == "sightline; hit"
    assert probe.calls == 1


@pytest.fixture
def private_redis() -> Iterator[tuple[str, subprocess.Popen]]:
    """A redis-server of our own on a free port, so the test can kill it."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (the CI machine has it)"
    port = _free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    process.kill()
    process.wait()


def test_redis_killed_mid_run_keeps_answering(api_settings, clickhouse, private_redis) -> None:
    redis_url, process = private_redis
    probe = Probe()
    app, context = probe_app(dataclasses.replace(api_settings, redis_url=redis_url), probe)
    key = create_key(context.db, "t_cache_fail", ["read"])[0]
    with running_server(app) as url, client_for(url, key) as client:
        client.get("/probe", params={"n": 5})
        assert client.get("/probe", params={"n": 5}).headers["Cache-Status"] == "sightline; hit"
        process.kill()
        process.wait()
        answers = [client.get("/probe", params={"n": 5}) for _ in range(5)]
        metrics = client.get(f"{url}/metrics").text
    assert [a.status_code for a in answers] == [200] * 5
    assert {a.json()["data"]["rows"] for a in answers} == {5}
    errors = [line for line in metrics.splitlines()
              if line.startswith('sightline_cache_events_total{event="error"}')]
    assert errors and float(errors[0].split()[-1]) >= 1


def test_rate_limit_answers_429_with_retry_after_and_recovers(api_settings, clickhouse) -> None:
    probe = Probe()
    app, context = probe_app(api_settings, probe, rate_limit_per_minute=3)
    # a short window so recovery is quick to observe
    context.limiter = RateLimiter(context.limiter.limit, context.limiter.storage,
                                  context.limiter.guard, window_seconds=2)
    key = create_key(context.db, "t_rate", ["read"])[0]
    with running_server(app) as url, client_for(url, key) as client:
        client.get("/health")  # connect first
        time.sleep(2 - time.time() % 2 + 0.05)  # start at the top of a fresh window
        statuses = [client.get("/probe").status_code for _ in range(4)]
        limited = client.get("/probe")
        time.sleep(float(limited.headers["Retry-After"]) + 0.1)
        recovered = client.get("/probe")
    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 2
    assert recovered.status_code == 200


def test_missing_invalid_revoked_keys_are_401_and_wrong_scope_403(probe_server) -> None:
    url, _, context = probe_server
    revoked, info = create_key(context.db, "t_cache", ["read"], "to revoke")
    ingest_only = create_key(context.db, "t_cache", ["ingest"], "ingest only")[0]
    with client_for(url, revoked) as client:
        assert client.get("/probe").status_code == 200
    context.auth.revoke(info.prefix)
    for key in (None, "sl_bogus_key", revoked):
        with client_for(url, key) as client:
            answer = client.get("/probe")
        assert answer.status_code == 401, key
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    with client_for(url, ingest_only) as client:
        forbidden = client.get("/probe")
    assert forbidden.status_code == 403 and "'read' scope" in forbidden.json()["detail"]


def test_oversized_body_is_413(api_settings, clickhouse) -> None:
    app, _ = probe_app(api_settings, Probe(), max_body_bytes=1000)
    with running_server(app) as url, httpx.Client(base_url=url) as client:
        declared = client.post("/v1/probe", content=b"x" * 1001)
    assert declared.status_code == 413
    assert declared.json()["status"] == 413


def test_failed_authentications_are_limited_per_client(api_settings, clickhouse) -> None:
    app, context = probe_app(api_settings, Probe(), auth_failures_per_minute=3)
    good = create_key(context.db, "t_authfail", ["read"])[0]
    lookups = []
    real = context.auth.authenticate
    context.auth.authenticate = lambda key: lookups.append(key) or real(key)
    with running_server(app) as url:
        with client_for(url, good) as client:
            assert client.get("/probe").status_code == 200  # remembered from now on
        bogus = ["sl_bogus", "sl_0123abcd_" + "x" * 43, "sl_89abcdef_" + "y" * 43]
        answers = []
        for key in [*bogus, "sl_fedcba98_" + "z" * 43]:
            with client_for(url, key) as client:
                answers.append(client.get("/probe"))
        with client_for(url, good) as client:
            still_good = client.get("/probe")
    # Three failures a minute are answered; the fourth attempt is refused unlooked-at.
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert "failed authentications" in answers[-1].json()["detail"]
    assert still_good.status_code == 200  # a remembered good key is not refused
    assert set(lookups) == {good, *bogus}  # the blocked attempt was never looked up
    # A key without the shape of a Sightline key never reaches the database.
    from api.keys import KeyAuthenticator

    assert KeyAuthenticator(db=None).authenticate("sl_bogus") is None
