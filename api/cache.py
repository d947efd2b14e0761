"""Response cache (DESIGN §9): Redis, or an in-process TTL cache when no Redis is set.

Key = sha256 of (version prefix, tenant, route, canonical JSON of the parameters, the
current versions of the datasets the answer depends on). A publish bumps a version, so
the next request computes a new key and misses; old entries expire by TTL.

Fail-open: any backend error is counted (`sightline_cache_events_total{event="error"}`)
and the request is answered from ClickHouse. After an error the backend is skipped for
`BACKOFF_SECONDS`, so a dead Redis costs one failed connect per second, not per request.

Single-flight: concurrent misses of the same key in this process share one computation.

With Redis, a small in-process copy (L1) sits in front of it: keys carry the dataset
versions, so an entry never goes stale before its TTL, and a hit on the same process
costs no Redis round trip (the versions are kept in memory too: api/versions.py). The
hot path (api/hot_path.py) answers from this in-process copy before routing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from api.metrics import ApiMetrics

log = logging.getLogger(__name__)

KEY_PREFIX = "sightline:cache:v1:"
BACKOFF_SECONDS = 1.0


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal parameters give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def cache_key(tenant_id: str, route: str, params_json: str,
              versions: Mapping[str, int]) -> str:
    """The cache key of one answer (see the module docstring); `params_json` is the
    `canonical_json` of the parameters."""
    material = "\n".join([KEY_PREFIX, tenant_id, route, params_json,
                          canonical_json(dict(versions))])
    return KEY_PREFIX + hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class CachedAnswer:
    """A computed answer: its JSON `data`, the ETag and when it was computed."""

    data: bytes
    etag: str
    computed_at: str
    query_ms: float

    def encode(self) -> bytes:
        """Bytes as stored in the backend."""
        header = f"{self.etag}\n{self.computed_at}\n{self.query_ms}\n".encode()
        return header + self.data

    @classmethod
    def decode(cls, raw: bytes) -> CachedAnswer:
        """Inverse of `encode`."""
        etag, computed_at, query_ms, data = raw.split(b"\n", 3)
        return cls(data, etag.decode(), computed_at.decode(), float(query_ms))


class CacheBackend(Protocol):
    """Bytes by key with a TTL."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: int) -> None: ...


class MemoryBackend:
    """In-process TTL cache with LRU eviction, bounded by entries and by bytes (used when
    SIGHTLINE_REDIS_URL is unset, and as the hot path's local copy of Redis)."""

    def __init__(self, max_entries: int = 10_000, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[0] < time.monotonic():
            self._drop(key)
            return None
        self._items.move_to_end(key)
        return item[1]

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        if len(value) > self.max_bytes // 4:  # one answer may not empty the cache
            return
        self._drop(key)
        self._items[key] = (time.monotonic() + ttl, value)
        self._bytes += len(value)
        while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, evicted) = self._items.popitem(last=False)
            self._bytes -= len(evicted)

    @property
    def size_bytes(self) -> int:
        """Bytes held by the cached answers."""
        return self._bytes

    def _drop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= len(item[1])


class RedisBackend:
    """Redis GET/SET EX."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    async def get(self, key: str) -> bytes | None:
        return await self.client.get(key)

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self.client.set(key, value, ex=ttl)


def redis_client(url: str) -> aioredis.Redis:
    """An asyncio Redis client with short timeouts (the API fails open, never waits long)."""
    return aioredis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                   health_check_interval=0)


class FailOpen:
    """Runs backend calls, counting failures and backing off after one."""

    def __init__(self, metrics: ApiMetrics) -> None:
        self.metrics = metrics
        self._down_until = 0.0

    @property
    def available(self) -> bool:
        """False during the back-off after a failure."""
        return time.monotonic() >= self._down_until

    async def call(self, operation: Awaitable[Any], default: Any = None) -> Any:
        """Await `operation`; on a Redis/OS error count it, back off and return `default`."""
        try:
            return await operation
        except (TimeoutError, RedisError, OSError) as exc:
            self.metrics.cache.labels("error").inc()
            if self.available:
                log.warning("redis unavailable (%s); answering without it for %.0fs",
                            exc, BACKOFF_SECONDS)
            self._down_until = time.monotonic() + BACKOFF_SECONDS
            return default


class ResponseCache:
    """Lookup, store and single-flight around a backend, failing open."""

    def __init__(self, backend: CacheBackend, metrics: ApiMetrics, ttl: int,
                 guard: FailOpen | None = None, local: MemoryBackend | None = None) -> None:
        self.backend = backend
        self.local = local
        self.metrics = metrics
        self.ttl = ttl
        self.guard = guard or FailOpen(metrics)
        self._inflight: dict[str, asyncio.Future[CachedAnswer]] = {}

    async def get(self, key: str) -> CachedAnswer | None:
        """The stored answer, or None on a miss or a backend failure."""
        if self.local is not None:
            raw = await self.local.get(key)
            if raw:
                return CachedAnswer.decode(raw)
        if not self.guard.available:
            self.metrics.cache.labels("error").inc()
            return None
        raw = await self.guard.call(self.backend.get(key))
        if raw and self.local is not None:
            await self.local.set(key, raw, self.ttl)
        return CachedAnswer.decode(raw) if raw else None

    async def get_in_process(self, key: str) -> CachedAnswer | None:
        """The answer held in this process (the L1, or the whole cache without Redis)."""
        memory = self.local if self.local is not None else self.backend
        if not isinstance(memory, MemoryBackend):
            return None
        raw = await memory.get(key)
        return CachedAnswer.decode(raw) if raw else None

    async def put(self, key: str, answer: CachedAnswer) -> None:
        """Store an answer (best effort)."""
        raw = answer.encode()
        if self.local is not None:
            await self.local.set(key, raw, self.ttl)
        if self.guard.available:
            await self.guard.call(self.backend.set(key, raw, self.ttl))

    async def get_or_compute(
        self, key: str, compute: Callable[[], Awaitable[CachedAnswer]]
    ) -> tuple[CachedAnswer, bool]:
        """(answer, hit). Concurrent misses of one key await a single `compute()`."""
        cached = await self.get(key)
        if cached is not None:
            self.metrics.cache.labels("hit").inc()
            return cached, True
        pending = self._inflight.get(key)
        if pending is not None:
            self.metrics.cache.labels("hit").inc()
            return await asyncio.shield(pending), True
        self.metrics.cache.labels("miss").inc()
        future: asyncio.Future[CachedAnswer] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            answer = await compute()
            future.set_result(answer)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters (if any) re-raise it themselves
            raise
        finally:
            self._inflight.pop(key, None)
        await self.put(key, answer)
        return answer, False
