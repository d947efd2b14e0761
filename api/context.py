"""Everything a request may need, built once per app: settings, app database, key auth,
serving store, cache, dataset versions, rate limiter, metrics, hot-path replays, web
sessions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis.asyncio as aioredis

from api.appdb import AppDatabase
from api.cache import FailOpen, MemoryBackend, RedisBackend, ResponseCache, redis_client
from api.hot_path import ReplayBook
from api.keys import KeyAuthenticator
from api.metrics import ApiMetrics
from api.ratelimit import RateLimiter, limit_storage
from api.sessions import WebSessions, web_secret
from api.store import ServingStore
from api.versions import VersionBook
from warehouse.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class ApiContext:
    """The app's shared services (one per app; see `build_context`)."""

    settings: Settings
    db: AppDatabase
    auth: KeyAuthenticator
    store: ServingStore
    cache: ResponseCache
    versions: VersionBook
    limiter: RateLimiter
    auth_failures: RateLimiter  # failed authentications per client address
    metrics: ApiMetrics
    redis: aioredis.Redis | None
    replays: ReplayBook
    web_sessions: WebSessions  # web app sign-ins (api/web/)

    async def aclose(self) -> None:
        """Release the store, the database pool and the Redis connection."""
        self.store.close()
        self.db.dispose()
        await self.versions.aclose()
        if self.redis is not None:
            await self.redis.aclose()


def build_context(settings: Settings) -> ApiContext:
    """Wire the services from settings. Opens nothing yet (connections are lazy)."""
    metrics = ApiMetrics()
    db = AppDatabase(settings.database_url)
    db.migrate()
    store = ServingStore(settings, on_query=metrics.observe_query)
    redis = redis_client(settings.redis_url) if settings.redis_url else None
    if redis is None:
        log.warning("SIGHTLINE_REDIS_URL is unset: caching and rate limits are per process")
    guard = FailOpen(metrics)
    limits = limit_storage(settings.redis_url)
    memory_bytes = settings.api.memory_cache_bytes
    backend = RedisBackend(redis) if redis is not None else MemoryBackend(max_bytes=memory_bytes)
    return ApiContext(
        settings=settings,
        db=db,
        auth=KeyAuthenticator(db),
        store=store,
        cache=ResponseCache(backend, metrics, settings.api.cache_ttl_seconds, guard,
                            local=MemoryBackend(2_048, memory_bytes) if redis is not None
                            else None),
        versions=VersionBook(lambda tenant: store.scope(tenant).dataset_versions(), redis,
                             guard, settings.api.version_ttl_seconds),
        limiter=RateLimiter(settings.api.rate_limit_per_minute, limits, guard),
        auth_failures=RateLimiter(settings.api.auth_failures_per_minute, limits, guard,
                                  namespace="auth-failures"),
        metrics=metrics,
        redis=redis,
        replays=ReplayBook(enabled=settings.api.hot_path),
        web_sessions=WebSessions(db, web_secret(settings.api.web_secret, settings.home),
                                 settings.api.web_session_hours),
    )
