"""Routes of custom metrics (DESIGN §12): save, list, replace, delete and preview formulas.
See docs/dashboards.md#custom-metrics."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Request, Response

from api.answers import envelope
from api.custom_metrics import store
from api.custom_metrics.series import METRIC_RUNNERS, MetricDefinition, MetricSeriesQuery
from api.deps import Context, Reader

router = APIRouter(prefix="/metrics", tags=["metrics"])
MetricId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/preview", summary="Evaluate a formula over a range without saving it")
async def preview(body: MetricSeriesQuery, request: Request, context: Context,
                  principal: Reader) -> Response:
    return await METRIC_RUNNERS[body.source].answer(request, context, principal, body)


@router.post("", status_code=201, summary="Save a custom metric")
async def create(body: MetricDefinition, context: Context, principal: Reader) -> Response:
    saved = await anyio.to_thread.run_sync(store.create_metric, context.db,
                                           principal.tenant_id, principal.actor, body)
    return envelope(saved, status=201, headers={"Location": f"/v1/metrics/{saved['id']}"})


@router.get("", summary="The tenant's custom metrics")
async def list_all(context: Context, principal: Reader) -> Response:
    return envelope(await anyio.to_thread.run_sync(store.list_metrics, context.db,
                                                   principal.tenant_id))


@router.get("/{metric_id}", summary="One custom metric")
async def get_one(metric_id: MetricId, context: Context, principal: Reader) -> Response:
    return envelope(await anyio.to_thread.run_sync(store.get_metric, context.db,
                                                   principal.tenant_id, metric_id))


@router.put("/{metric_id}", summary="Replace a custom metric's definition")
async def replace(metric_id: MetricId, body: MetricDefinition, context: Context,
                  principal: Reader) -> Response:
    return envelope(await anyio.to_thread.run_sync(store.replace_metric, context.db,
                                                   principal.tenant_id, metric_id, body))


@router.delete("/{metric_id}", status_code=204, summary="Delete a custom metric")
async def delete(metric_id: MetricId, context: Context, principal: Reader) -> Response:
    await anyio.to_thread.run_sync(store.delete_metric, context.db, principal.tenant_id,
                                   metric_id)
    return Response(status_code=204)
