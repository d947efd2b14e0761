"""Current dataset versions per tenant, read on every cacheable request.

With Redis, versions come from the hash the publish assets mirror into
(`warehouse.dataset_versions.notify_versions`); a missing field is loaded from ClickHouse
and written with HSETNX, which never overwrites a newer value a publish wrote meanwhile.
Without Redis (or while it is down), versions are read from ClickHouse and remembered for
`version_ttl_seconds` (1 s by default): a publish from another process shows within it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import anyio
import redis.asyncio as aioredis

from api.cache import FailOpen
from warehouse.dataset_versions import redis_versions_key

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
        self._memo: dict[str, tuple[float, dict[str, int]]] = {}

    async def _from_clickhouse(self, tenant_id: str) -> dict[str, int]:
        hit = self._memo.get(tenant_id)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        versions = await anyio.to_thread.run_sync(self.load, tenant_id)
        self._memo[tenant_id] = (time.monotonic(), versions)
        return versions

    async def versions(self, tenant_id: str, datasets: Sequence[str]) -> dict[str, int]:
        """{dataset: version} for `datasets` (0 for a dataset never written)."""
        if not datasets:
            return {}
        if self.redis is not None and self.guard.available:
            key = redis_versions_key(tenant_id)
            values = await self.guard.call(self.redis.hmget(key, list(datasets)))
            if values is not None and all(v is not None for v in values):
                return {d: int(v) for d, v in zip(datasets, values, strict=True)}
            if values is not None:
                known = await self._from_clickhouse(tenant_id)
                found = {d: known.get(d, 0) for d in datasets}
                await self.guard.call(self._fill(key, found))
                return found
        known = await self._from_clickhouse(tenant_id)
        return {d: known.get(d, 0) for d in datasets}

    async def _fill(self, key: str, found: dict[str, int]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for dataset, version in found.items():
                pipe.hsetnx(key, dataset, version)
            await pipe.execute()

    def forget(self) -> None:
        """Drop memoized versions (tests, or after an in-process publish)."""
        self._memo.clear()
