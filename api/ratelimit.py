"""Per-tenant rate limit: a fixed window (one minute by default) counted in Redis (or in-process).

`check` returns None when the request may pass, else the seconds until the window
resets (the Retry-After value). Redis errors fail open: the request passes.
"""

from __future__ import annotations

import math
import time

import redis.asyncio as aioredis

from api.cache import FailOpen

WINDOW_SECONDS = 60


class RateLimiter:
    """Allows `limit` requests per tenant per window."""

    def __init__(self, limit: int, redis: aioredis.Redis | None, guard: FailOpen,
                 window_seconds: int = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.redis = redis
        self.guard = guard
        self._counts: dict[tuple[str, int], int] = {}

    async def check(self, tenant_id: str) -> int | None:
        """None if allowed, else Retry-After seconds."""
        if self.limit <= 0:
            return None
        now = time.time()
        window = int(now // self.window_seconds)
        retry_after = max(1, math.ceil((window + 1) * self.window_seconds - now))
        count = None
        if self.redis is not None and self.guard.available:
            count = await self.guard.call(self._incr(f"sightline:ratelimit:{tenant_id}:{window}"))
        if count is None:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] == window}
            count = self._counts[(tenant_id, window)] = self._counts.get((tenant_id, window), 0) + 1
        return retry_after if count > self.limit else None

    async def _incr(self, key: str) -> int:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window_seconds + 5)
            count, _ = await pipe.execute()
        return int(count)
