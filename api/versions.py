"""Current dataset versions per tenant, read on every cacheable request.

ClickHouse's `dataset_versions` table is the record; the writers mirror each bump into a
Redis hash per tenant and publish it on the database's `versions_channel`
(`warehouse.dataset_versions.notify_versions`). This book answers from one of three
places, fastest first:

1. **Memory, kept current by pub/sub.** While the book's listener is subscribed, versions
   read from Redis are kept in process and every published bump updates them the moment
   it arrives (well under a millisecond on one host), so a cached request costs no Redis
   round trip. Entries are re-read from Redis every `ttl` seconds all the same, which
   bounds the damage of a lost message. Versions only grow, so every update keeps the
   larger value and a late reply can never roll one back.
2. **Redis, per request.** Until the listener is subscribed (or after it lost Redis), each
   request reads the hash (HMGET). A missing field is loaded from ClickHouse and written
   with HSETNX, which never overwrites a newer value a publish wrote meanwhile.
3. **ClickHouse**, when Redis is unset or down, remembered for `ttl` seconds: a publish
   from another process shows within it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence

import anyio
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from api.cache import BACKOFF_SECONDS, FailOpen
from warehouse.dataset_versions import redis_versions_key, versions_channel

log = logging.getLogger(__name__)

# tenant -> {dataset: version}, read from ClickHouse (runs in a worker thread)
VersionLoader = Callable[[str], dict[str, int]]


class VersionBook:
    """Answers "which version of these datasets does this tenant see now?"."""

    def __init__(self, load: VersionLoader, redis: aioredis.Redis | None, guard: FailOpen,
                 ttl: float) -> None:
        self.load = load
        self.redis = redis
        self.guard = guard
        self.ttl = ttl
        self._memo: dict[str, tuple[float, dict[str, int]]] = {}  # from ClickHouse
        self._known: dict[str, dict[str, int]] = {}  # from Redis, updated by pub/sub
        self._read_at: dict[str, float] = {}  # tenant -> when _known was last read
        self._listener: asyncio.Task | None = None
        self._listener_loop: asyncio.AbstractEventLoop | None = None
        self._subscribed = False
        # Told the tenants of each published update, on the event loop (dashboard warming).
        self.on_update: list[Callable[[list[str]], None]] = []

    # --- reading -------------------------------------------------------------------------

    async def versions(self, tenant_id: str, datasets: Sequence[str]) -> dict[str, int]:
        """{dataset: version} for `datasets` (0 for a dataset never written)."""
        if not datasets:
            return {}
        if self.redis is None or not self.guard.available:
            known = await self._from_clickhouse(tenant_id)
            return {d: known.get(d, 0) for d in datasets}
        live = self._listening()
        if live:
            known = self._known.get(tenant_id)
            fresh = time.monotonic() - self._read_at.get(tenant_id, -self.ttl) < self.ttl
            if fresh and known is not None and all(d in known for d in datasets):
                return {d: known[d] for d in datasets}
        found = await self._from_redis(tenant_id, datasets, remember=live)
        if found is None:  # Redis failed just now
            known = await self._from_clickhouse(tenant_id)
            return {d: known.get(d, 0) for d in datasets}
        return found

    @property
    def listening(self) -> bool:
        """True while versions are kept in memory, updated by pub/sub."""
        return self._subscribed

    def known(self, tenant_id: str, dataset: str) -> int | None:
        """The version held in memory (None when not held): for tests and diagnostics."""
        return self._known.get(tenant_id, {}).get(dataset)

    async def _from_redis(self, tenant_id: str, datasets: Sequence[str],
                          remember: bool) -> dict[str, int] | None:
        key = redis_versions_key(tenant_id)
        started = time.monotonic()
        if remember:  # read the whole hash: the next requests may ask for other datasets
            raw = await self.guard.call(self.redis.hgetall(key))
            if raw is None:
                return None
            stored = {name.decode(): int(value) for name, value in raw.items()}
        else:
            values = await self.guard.call(self.redis.hmget(key, list(datasets)))
            if values is None:
                return None
            stored = {d: int(v) for d, v in zip(datasets, values, strict=True) if v is not None}
        missing = [d for d in datasets if d not in stored]
        if missing:
            loaded = await self._from_clickhouse(tenant_id)
            filled = {d: loaded.get(d, 0) for d in missing}
            await self.guard.call(self._fill(key, filled))
            stored.update(filled)
        if remember:
            self._merge(tenant_id, stored)
            self._read_at[tenant_id] = started
            stored = self._known[tenant_id]
        return {d: stored[d] for d in datasets}

    async def _from_clickhouse(self, tenant_id: str) -> dict[str, int]:
        hit = self._memo.get(tenant_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        versions = await anyio.to_thread.run_sync(self.load, tenant_id)
        self._memo[tenant_id] = (time.monotonic(), versions)
        return versions

    async def _fill(self, key: str, found: dict[str, int]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for dataset, version in found.items():
                pipe.hsetnx(key, dataset, version)
            await pipe.execute()

    def _merge(self, tenant_id: str, versions: Mapping[str, int]) -> None:
        known = self._known.setdefault(tenant_id, {})
        for dataset, version in versions.items():
            if version > known.get(dataset, -1):
                known[dataset] = version

    # --- listening -----------------------------------------------------------------------

    def _listening(self) -> bool:
        """True when the listener of this event loop is subscribed; starts it if needed."""
        loop = asyncio.get_running_loop()
        if self._listener is None or self._listener.done() or self._listener_loop is not loop:
            # A new event loop (a restarted server) needs its own listener and forgets
            # what the old one heard.
            self._subscribed = False
            self._known.clear()
            self._read_at.clear()
            self._listener_loop = loop
            self._listener = loop.create_task(self._listen(), name="dataset-versions")
        return self._subscribed

    async def _listen(self) -> None:
        """Follow the database's versions channel for as long as the loop runs,
        reconnecting after errors."""
        warned = False
        while True:
            pubsub = self.redis.pubsub()
            try:
                db = int(self.redis.connection_pool.connection_kwargs.get("db", 0))
                await pubsub.subscribe(versions_channel(db))
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self._start_listening()
                        warned = False
                    elif message["type"] == "message":
                        self._apply(message["data"])
            except (TimeoutError, RedisError, OSError) as exc:
                if self._subscribed or not warned:
                    log.warning("dataset-version updates unavailable (%s); reading versions "
                                "per request until Redis answers again", exc)
                    warned = True
            finally:
                self._subscribed = False
                with contextlib.suppress(TimeoutError, RedisError, OSError):
                    await pubsub.aclose()
            await asyncio.sleep(BACKOFF_SECONDS)

    def _start_listening(self) -> None:
        # Bumps published before the subscription are not in memory: read everything
        # again (the next request per tenant goes to Redis).
        self._read_at.clear()
        self._known.clear()
        self._subscribed = True

    def _apply(self, data: bytes) -> None:
        try:
            update = json.loads(data)
            dataset = str(update["dataset"])
            for tenant_id, version in update["versions"].items():
                # Kept even for a tenant not read yet: a read in flight merges with it.
                self._merge(tenant_id, {dataset: int(version)})
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("ignoring a malformed dataset-version update: %r", data[:200])
            return
        for listener in self.on_update:
            listener(list(update["versions"]))

    def listen(self) -> None:
        """Start following published updates now (rather than at the first read); call on
        the event loop. Without Redis there is nothing to follow."""
        if self.redis is not None and self.guard.available:
            self._listening()

    async def aclose(self) -> None:
        """Stop the listener (app shutdown)."""
        if self._listener is not None and self._listener_loop is asyncio.get_running_loop():
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, RedisError, OSError):
                await self._listener
        self._listener = None
        self._subscribed = False

    def forget(self) -> None:
        """Drop versions held in memory (tests, or after an in-process publish)."""
        self._memo.clear()
        self._known.clear()
        self._read_at.clear()

