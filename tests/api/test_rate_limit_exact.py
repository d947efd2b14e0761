"""The per-tenant rate limit is exact under concurrency across API processes: two real
API processes sharing Redis, 32 concurrent connections of one tenant, admit exactly the
limit in the window; every other request is 429 with Retry-After."""

from __future__ import annotations

import asyncio
import os

import httpx
import redis

from tests.api.processes import create_key, start_api

LIMIT, REQUESTS, CONNECTIONS = 300, 700, 32
REDIS_DB = 12  # its own database: the keys of this test do not meet the suite's


async def _burst(urls: list[str], key: str) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=CONNECTIONS)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=30) as client:
        gate = asyncio.Semaphore(CONNECTIONS)

        async def one(n: int) -> httpx.Response:
            async with gate:
                return await client.get(f"{urls[n % 2]}/v1/wargaming/templates")

        return await asyncio.gather(*(one(n) for n in range(REQUESTS)))


def test_exactly_the_limit_is_admitted_across_two_processes(tmp_path) -> None:
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    env = {**os.environ, "SIGHTLINE_HOME": str(tmp_path), "SIGHTLINE_REDIS_URL": redis_url,
           "SIGHTLINE_API_RATE_LIMIT": str(LIMIT), "DAGSTER_HOME": str(tmp_path / "dg")}
    key = create_key(env, "t_exact")
    servers = []
    try:
        for _ in range(2):
            servers.append(start_api(env))
        answers = asyncio.run(_burst([url for url, _ in servers], key))
    finally:
        for _, server in servers:
            server.terminate()
            server.wait(timeout=30)
    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == LIMIT
    assert statuses.count(429) == REQUESTS - LIMIT
    limited = [a for a in answers if a.status_code == 429]
    assert all(1 <= int(a.headers["Retry-After"]) <= 60 for a in limited)
    assert {a.headers["content-type"] for a in limited} == {"application/problem+json"}


def _concurrent_checks(storage_url: str | None, limit: int, hits: int) -> list[int | None]:
    """`hits` concurrent checks of one key on a fresh limiter (batched while in flight)."""
    from api.cache import FailOpen
    from api.metrics import ApiMetrics
    from api.ratelimit import RateLimiter, limit_storage

    async def run() -> list[int | None]:
        limiter = RateLimiter(limit, limit_storage(storage_url), FailOpen(ApiMetrics()),
                              namespace="batch-test")
        return await asyncio.gather(*(limiter.check("tenant") for _ in range(hits)))

    return asyncio.run(run())


def test_hits_counted_in_batches_admit_exactly_the_limit() -> None:
    """Hits that queue behind an increment in flight are counted together; each still
    gets its own position, in Redis and in memory alike."""
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    for storage_url in (redis_url, None):
        answers = _concurrent_checks(storage_url, limit=37, hits=100)
        assert answers[:37] == [None] * 37  # the first hits in arrival order pass
        assert all(1 <= retry <= 60 for retry in answers[37:])
    assert int(redis.Redis.from_url(redis_url).get(
        "sightline:ratelimit:LIMITER/batch-test/tenant/37/60/second")) == 100
