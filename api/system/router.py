"""Liveness, readiness and Prometheus metrics (no API key needed)."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Response

from api.answers import envelope
from api.deps import Context

router = APIRouter(tags=["system"])


@router.get("/health", summary="Liveness: the process answers")
async def health() -> Response:
    return envelope({"status": "ok"})


@router.get("/ready", summary="Readiness: ClickHouse, Redis and the app database answer")
async def ready(context: Context) -> Response:
    checks: dict[str, str] = {}

    def clickhouse() -> None:
        with context.store.client() as client, context.store.serialized():
            client.query("SELECT 1")

    for name, probe in (("clickhouse", clickhouse), ("app_db", context.db.ping)):
        try:
            await anyio.to_thread.run_sync(probe)
            checks[name] = "ok"
        except Exception as exc:  # report, don't raise: readiness lists every failure
            checks[name] = f"error: {type(exc).__name__}"
    if context.redis is None:
        checks["redis"] = "not configured (in-process cache)"
    else:
        try:
            await context.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    ok = all(v == "ok" or v.startswith("not configured") for v in checks.values())
    return envelope({"status": "ready" if ok else "unavailable", "checks": checks},
                    status=200 if ok else 503)


# At the root (GET /metrics, where scrapers look), not under /v1: /v1/metrics are the
# tenants' custom metrics.
prometheus_router = APIRouter()


@prometheus_router.get("/metrics", summary="Prometheus metrics", response_class=Response,
                       tags=["system"])
async def metrics(context: Context) -> Response:
    return Response(context.metrics.render(), media_type="text/plain; version=0.0.4")
