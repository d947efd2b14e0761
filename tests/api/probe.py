"""A private app with one cached probe route, for the cache and hot-path tests."""

from __future__ import annotations

import dataclasses
import threading
import time

from fastapi import APIRouter, Request

from api.answers import cached_answer
from api.context import build_context
from api.deps import Context, Reader
from api.main import create_app

PROBE_DATASET = "mart_cache_probe"


class Probe:
    """Counts computations of the probe route."""

    def __init__(self) -> None:
        self.calls = 0  # computations
        self.routed = 0  # requests that reached the route (not answered by the hot path)
        self.lock = threading.Lock()
        self.delay = 0.0


def probe_app(settings, probe: Probe, **api_overrides):
    """An app over `settings` with one cached probe route at GET /v1/probe."""
    if api_overrides:
        settings = dataclasses.replace(settings,
                                       api=dataclasses.replace(settings.api, **api_overrides))
    context = build_context(settings)
    app = create_app(settings, context)
    router = APIRouter()

    @router.get("/v1/probe")
    async def probe_route(request: Request, context: Context, principal: Reader, n: int = 1):
        probe.routed += 1

        def compute(scope):
            with probe.lock:
                probe.calls += 1
            time.sleep(probe.delay)
            rows = scope.scalar("SELECT count() FROM numbers({n:UInt32})", {"n": n})
            return {"n": n, "rows": int(rows)}

        return await cached_answer(request, context, principal, "probe", {"n": n},
                                   [PROBE_DATASET], compute)

    app.include_router(router)
    return app, context


def wait_for_version(context, tenant_id: str, dataset: str, version: int,
                     timeout: float = 5.0) -> None:
    """Block until the server's version book holds `version` (when it keeps versions in
    memory, a published bump reaches it over pub/sub a moment after the publish)."""
    deadline = time.monotonic() + timeout
    while context.versions.listening and (context.versions.known(tenant_id, dataset) or 0) \
            < version:
        assert time.monotonic() < deadline, f"{dataset} v{version} never reached the API"
        time.sleep(0.005)
