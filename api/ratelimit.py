"""Per-tenant rate limit, and a limit on failed authentications per client.

Both are fixed windows (one minute by default) kept by the `limits` library: in Redis
when `SIGHTLINE_REDIS_URL` is set (one atomic INCR per request, shared by every API
process, so the limit is exact under any concurrency), else in process memory.
`check` returns None when the request may pass, else the seconds until the window
resets (the Retry-After value). Redis errors fail open: the request passes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from api.cache import FailOpen

WINDOW_SECONDS = 60
KEY_PREFIX = "sightline:ratelimit"


def limit_storage(redis_url: str | None) -> Storage:
    """Where counts live: Redis (shared by every API process) or this process's memory."""
    if redis_url is None:
        return MemoryStorage()
    return RedisStorage(f"async+{redis_url}", implementation="redispy",
                        key_prefix=KEY_PREFIX, wrap_exceptions=False)


class RateLimiter:
    """Allows `limit` hits per key per window (keys: tenants, or client addresses)."""

    def __init__(self, limit: int, storage: Storage, guard: FailOpen,
                 window_seconds: int = WINDOW_SECONDS, namespace: str = "tenant") -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.guard = guard
        self.namespace = namespace
        self.storage = storage
        self._item = RateLimitItemPerSecond(max(1, limit), window_seconds)
        self._strategy = FixedWindowRateLimiter(storage)

    async def _retry_after(self, key: str) -> int:
        stats = await self.guard.call(
            self._strategy.get_window_stats(self._item, self.namespace, key))
        reset = stats.reset_time if stats is not None else time.time() + self.window_seconds
        return max(1, math.ceil(reset - time.time()))

    async def check(self, key: str) -> int | None:
        """Count one hit for `key`: None if allowed, else Retry-After seconds."""
        return await self._ask(self._strategy.hit, key)

    async def blocked(self, key: str) -> int | None:
        """Retry-After seconds when `key` has used up the window, without counting a hit."""
        return await self._ask(self._strategy.test, key)

    async def _ask(self, method: Callable[..., Awaitable[bool]], key: str) -> int | None:
        if self.limit <= 0:
            return None
        allowed = await self.guard.call(method(self._item, self.namespace, key), default=True)
        return None if allowed else await self._retry_after(key)
