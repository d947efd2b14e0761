"""The version book (api/versions.py) over real Redis: per-request reads until its
listener is subscribed, then versions in memory kept current by pub/sub, re-read every
`ttl`, never rolled back; ClickHouse fills what Redis lacks."""

from __future__ import annotations

import asyncio
import os
import time

import redis

from api.cache import FailOpen, redis_client
from api.metrics import ApiMetrics
from api.versions import VersionBook
from warehouse.dataset_versions import notify_versions, redis_versions_key, versions_channel

URL = os.environ["SIGHTLINE_REDIS_URL"]  # the tests' private db (tests/conftest.py)


def _book(ttl: float, loaded: dict[str, int] | None = None) -> tuple[VersionBook, list[str]]:
    loads: list[str] = []

    def load(tenant_id: str) -> dict[str, int]:
        loads.append(tenant_id)
        return dict(loaded or {})

    return VersionBook(load, redis_client(URL), FailOpen(ApiMetrics()), ttl), loads


async def _until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(0.005)


def test_published_bumps_reach_memory_and_are_served_from_it() -> None:
    sync = redis.Redis.from_url(URL)
    sync.delete(redis_versions_key("v_pub"))

    async def scenario() -> None:
        book, _ = _book(ttl=60)
        notify_versions(URL, "mart_a", {"v_pub": 4})
        # Not listening yet: read from Redis per request.
        assert await book.versions("v_pub", ["mart_a"]) == {"mart_a": 4}
        await _until(lambda: book.listening)
        assert await book.versions("v_pub", ["mart_a"]) == {"mart_a": 4}  # now in memory
        assert book.known("v_pub", "mart_a") == 4
        # A write to the hash that is not published is not seen before the ttl ...
        sync.hset(redis_versions_key("v_pub"), "mart_a", 5)
        assert await book.versions("v_pub", ["mart_a"]) == {"mart_a": 4}
        # ... a published one is, as soon as it arrives.
        notify_versions(URL, "mart_a", {"v_pub": 6})
        await _until(lambda: book.known("v_pub", "mart_a") == 6)
        assert await book.versions("v_pub", ["mart_a"]) == {"mart_a": 6}
        await book.aclose()

    asyncio.run(scenario())


def test_memory_is_re_read_after_the_ttl_so_a_lost_message_heals() -> None:
    sync = redis.Redis.from_url(URL)
    sync.delete(redis_versions_key("v_ttl"))
    sync.hset(redis_versions_key("v_ttl"), "mart_a", 1)

    async def scenario() -> None:
        book, _ = _book(ttl=0.3)
        await book.versions("v_ttl", ["mart_a"])
        await _until(lambda: book.listening)
        assert await book.versions("v_ttl", ["mart_a"]) == {"mart_a": 1}
        sync.hset(redis_versions_key("v_ttl"), "mart_a", 2)  # the message was "lost"
        assert await book.versions("v_ttl", ["mart_a"]) == {"mart_a": 1}
        await asyncio.sleep(0.35)
        assert await book.versions("v_ttl", ["mart_a"]) == {"mart_a": 2}
        await book.aclose()

    asyncio.run(scenario())


def test_versions_never_roll_back_and_bad_messages_are_ignored() -> None:
    sync = redis.Redis.from_url(URL)
    sync.delete(redis_versions_key("v_max"))
    sync.hset(redis_versions_key("v_max"), "mart_a", 9)

    channel = versions_channel(sync.connection_pool.connection_kwargs.get("db", 0))

    async def scenario() -> None:
        book, _ = _book(ttl=60)
        await book.versions("v_max", ["mart_a"])
        await _until(lambda: book.listening)
        await book.versions("v_max", ["mart_a"])
        for junk in (b"not json", b'{"dataset": "mart_a"}', b'{"versions": {"v_max": 1}}',
                     b'{"dataset": "mart_a", "versions": {"v_max": "x"}}'):
            sync.publish(channel, junk)
        sync.publish(channel, b'{"dataset": "mart_a", "versions": {"v_max": 3}}')
        sync.publish(channel, b'{"dataset": "mart_b", "versions": {"v_max": 2}}')
        await _until(lambda: book.known("v_max", "mart_b") == 2)  # after the others
        assert book.listening  # the listener survived the junk
        assert await book.versions("v_max", ["mart_a", "mart_b"]) == {"mart_a": 9, "mart_b": 2}
        await book.aclose()

    asyncio.run(scenario())


def test_a_dataset_missing_from_redis_is_loaded_from_clickhouse_and_filled() -> None:
    sync = redis.Redis.from_url(URL)
    sync.delete(redis_versions_key("v_fill"))
    sync.hset(redis_versions_key("v_fill"), "mart_a", 2)

    async def scenario() -> None:
        book, loads = _book(ttl=60, loaded={"mart_a": 1, "mart_b": 7})
        assert await book.versions("v_fill", ["mart_a", "mart_b", "mart_c"]) == {
            "mart_a": 2, "mart_b": 7, "mart_c": 0}
        assert loads == ["v_fill"]
        await book.aclose()

    asyncio.run(scenario())
    # HSETNX: filled where missing, the newer value Redis had is kept
    assert sync.hgetall(redis_versions_key("v_fill")) == {
        b"mart_a": b"2", b"mart_b": b"7", b"mart_c": b"0"}


def test_a_bump_on_another_database_is_not_heard() -> None:
    """Pub/sub ignores Redis databases: each database has its own versions channel, so two
    stacks (or test sessions) on one server never take each other's versions."""
    sync = redis.Redis.from_url(URL)
    db = sync.connection_pool.connection_kwargs.get("db", 0)
    sync.delete(redis_versions_key("v_other"))
    sync.hset(redis_versions_key("v_other"), "mart_a", 1)

    async def scenario() -> None:
        book, _ = _book(ttl=60)
        await book.versions("v_other", ["mart_a"])
        await _until(lambda: book.listening)
        await book.versions("v_other", ["mart_a"])  # now held in memory
        other = versions_channel(db + 1)
        sync.publish(other, b'{"dataset": "mart_a", "versions": {"v_other": 7}}')
        sync.publish(versions_channel(db), b'{"dataset": "mart_b", "versions": {"v_other": 2}}')
        await _until(lambda: book.known("v_other", "mart_b") == 2)
        assert book.known("v_other", "mart_a") == 1
        await book.aclose()

    asyncio.run(scenario())
