"""Dashboards answered before anyone asks: when the daily run publishes new dataset
versions, the dashboards a tenant opened lately are evaluated again in the background,
so the first view after the run reads cached answers — as PostHog refreshes the insights
of recently viewed dashboards and Metabase refreshes cached questions ahead of time.

- Every data request of a dashboard records it as viewed (`DashboardWarmer.viewed`): a
  Redis sorted set per tenant, dashboard id → time of its last view.
- The version book tells the warmer which tenants a published update concerns. One run
  publishes several datasets in a burst, so a tenant is warmed `quiet_seconds` after its
  last update, once.
- Warming evaluates each dashboard viewed in the last `WARM_DAYS` days as its data
  endpoint does with no overrides (default filters, today), through the query runners:
  the same cache entries. One tenant at a time, so the server keeps answering.
- `SIGHTLINE_DASHBOARD_WARMING=0` turns it off. A failure is logged, never raised.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

import anyio
from fastapi import FastAPI, Request
from redis.exceptions import RedisError

from api.context import ApiContext
from api.dashboards.data import dashboard_data
from api.dashboards.store import shown_spec

log = logging.getLogger(__name__)
WARM_DAYS = 7
QUIET_SECONDS = 2.0


def _viewed_key(tenant_id: str) -> str:
    return f"sightline:dashboards:viewed:{tenant_id}"


class DashboardWarmer:
    """Re-evaluates recently viewed dashboards after their tenant's data changes."""

    def __init__(self, context: ApiContext, quiet_seconds: float = QUIET_SECONDS) -> None:
        self.context = context
        self.quiet_seconds = quiet_seconds
        self.warmed = 0  # dashboards evaluated so far (the bench and tests read it)
        self._local: dict[str, dict[int, float]] = {}  # views, when there is no Redis
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._queue: list[str] = []
        self._worker: asyncio.Task | None = None

    @property
    def busy(self) -> bool:
        """Whether a warm is waiting or running."""
        return bool(self._timers or self._queue
                    or (self._worker is not None and not self._worker.done()))

    async def viewed(self, tenant_id: str, dashboard_id: int) -> None:
        """Record a view of a dashboard's data (kept for WARM_DAYS)."""
        now = time.time()
        redis = self.context.redis
        if redis is None:
            self._local.setdefault(tenant_id, {})[dashboard_id] = now
            return
        key = _viewed_key(tenant_id)
        try:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.zadd(key, {str(dashboard_id): now})
                pipe.zremrangebyscore(key, "-inf", now - WARM_DAYS * 86400)
                pipe.expire(key, WARM_DAYS * 86400)
                await pipe.execute()
        except (RedisError, OSError) as exc:  # a view is not worth failing a request for
            log.warning("could not record a dashboard view (%s)", exc)

    async def recent(self, tenant_id: str) -> list[int]:
        """Dashboards of the tenant viewed in the last WARM_DAYS days, latest first."""
        since = time.time() - WARM_DAYS * 86400
        redis = self.context.redis
        if redis is None:
            views = self._local.get(tenant_id, {})
            return sorted((d for d, at in views.items() if at >= since),
                          key=lambda d: -views[d])
        members = await redis.zrevrangebyscore(_viewed_key(tenant_id), "+inf", since)
        return [int(m) for m in members]

    def versions_changed(self, tenant_ids: Iterable[str]) -> None:
        """Schedule a warm of each tenant `quiet_seconds` after its last update (call on
        the event loop)."""
        loop = asyncio.get_running_loop()
        for tenant_id in tenant_ids:
            timer = self._timers.pop(tenant_id, None)
            if timer is not None:
                timer.cancel()
            self._timers[tenant_id] = loop.call_later(self.quiet_seconds, self._enqueue,
                                                      tenant_id)

    def _enqueue(self, tenant_id: str) -> None:
        self._timers.pop(tenant_id, None)
        if tenant_id not in self._queue:
            self._queue.append(tenant_id)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(
                self._drain(), name="dashboard-warming")

    async def _drain(self) -> None:
        while self._queue:
            tenant_id = self._queue.pop(0)
            try:
                await self.warm(tenant_id)
            except Exception:
                log.exception("warming the dashboards of tenant %s failed", tenant_id)

    async def warm(self, tenant_id: str) -> int:
        """Evaluate the tenant's recently viewed dashboards now; how many were."""
        count = 0
        for dashboard_id in await self.recent(tenant_id):
            spec = await anyio.to_thread.run_sync(shown_spec, self.context.db, tenant_id,
                                                  dashboard_id)
            if spec is None:
                continue
            await dashboard_data(self.context, tenant_id, spec)
            count += 1
            self.warmed += 1
        if count:
            log.info("warmed %d dashboard(s) of tenant %s", count, tenant_id)
        return count


def install(app: FastAPI, context: ApiContext) -> DashboardWarmer:
    """Hook a warmer into `app` and its context's version book (the app's startup)."""
    warmer = DashboardWarmer(context)
    app.state.warmer = warmer
    context.versions.on_update.append(warmer.versions_changed)
    return warmer


def uninstall(app: FastAPI, context: ApiContext) -> None:
    """Unhook the app's warmer (shutdown)."""
    warmer: DashboardWarmer | None = getattr(app.state, "warmer", None)
    if warmer is not None:
        context.versions.on_update.remove(warmer.versions_changed)
        app.state.warmer = None


async def record_view(request: Request, tenant_id: str, dashboard_id: int) -> None:
    """Note that a dashboard's data was asked for (when the app warms dashboards)."""
    warmer: DashboardWarmer | None = getattr(request.app.state, "warmer", None)
    if warmer is not None:
        await warmer.viewed(tenant_id, dashboard_id)
