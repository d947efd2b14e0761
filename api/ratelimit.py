"""Per-tenant rate limit: a fixed window (one minute by default) counted in Redis (or in-process).

`check` returns None when the request may pass, else the seconds until the window
resets (the Retry-After value). Redis errors fail open: the request passes.

Counting is pre-aggregated per process: a request adds to a local count, and the
process adds its pending count to Redis (one INCRBY) once it reaches 1% of the limit
(`SYNC_FRACTION`) or every `SYNC_SECONDS`, learning the other processes' total at the
same time. The decision uses the last known total plus the local pending count, so one
process is exact, and N processes may overshoot by about N% of the limit (plus what they
admit within `SYNC_SECONDS`) — the price of not paying a Redis round trip per request.
"""

from __future__ import annotations

import math
import time

import redis.asyncio as aioredis

from api.cache import FailOpen

WINDOW_SECONDS = 60
SYNC_FRACTION = 0.01
SYNC_SECONDS = 0.25


class RateLimiter:
    """Allows `limit` requests per tenant per window."""

    def __init__(self, limit: int, redis: aioredis.Redis | None, guard: FailOpen,
                 window_seconds: int = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.redis = redis
        self.guard = guard
        self.sync_every = max(1, int(limit * SYNC_FRACTION))
        self._counts: dict[tuple[str, int], int] = {}  # not yet added to Redis
        self._synced: dict[tuple[str, int], tuple[int, float]] = {}  # Redis total, when

    async def check(self, tenant_id: str) -> int | None:
        """None if allowed, else Retry-After seconds."""
        if self.limit <= 0:
            return None
        now = time.time()
        window = int(now // self.window_seconds)
        retry_after = max(1, math.ceil((window + 1) * self.window_seconds - now))
        key = (tenant_id, window)
        if len(self._counts) > 10_000:
            self._counts = {k: v for k, v in self._counts.items() if k[1] == window}
            self._synced = {k: v for k, v in self._synced.items() if k[1] == window}
        pending = self._counts[key] = self._counts.get(key, 0) + 1
        known, synced_at = self._synced.get(key, (0, 0.0))
        if self.redis is not None and self.guard.available and (
                pending >= self.sync_every or now - synced_at >= SYNC_SECONDS):
            total = await self.guard.call(
                self._add(f"sightline:ratelimit:{tenant_id}:{window}", pending))
            if total is not None:
                self._counts[key] = pending = 0
                known = total
                self._synced[key] = (total, now)
        return retry_after if known + pending > self.limit else None

    async def _add(self, key: str, count: int) -> int:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incrby(key, count)
            pipe.expire(key, self.window_seconds + 5)
            total, _ = await pipe.execute()
        return int(total)
