"""Routes of scheduled reports (DESIGN §12): a dashboard's schedules and the delivery log.
See docs/dashboards.md#scheduled-reports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import anyio
from fastapi import APIRouter, Path, Query, Response

from api.answers import envelope
from api.dashboards.store import Caller
from api.deps import Context, Reader
from api.reports import schedules

schedules_router = APIRouter(prefix="/dashboards", tags=["reports"])
router = APIRouter(prefix="/reports", tags=["reports"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@schedules_router.post("/{dashboard_id}/schedules", status_code=201,
                       summary="Deliver the dashboard's export on a local-time cadence")
async def create_schedule(dashboard_id: Id, body: schedules.ScheduleIn, context: Context,
                          principal: Reader) -> Response:
    made = await anyio.to_thread.run_sync(
        schedules.create_schedule, context.db, Caller.of(principal), principal.key_id,
        dashboard_id, body, datetime.now(UTC), context.settings.reports.smtp_url is not None)
    return envelope(made, status=201)


@schedules_router.get("/{dashboard_id}/schedules", summary="The dashboard's schedules")
async def list_schedules(dashboard_id: Id, context: Context, principal: Reader) -> Response:
    return envelope(await anyio.to_thread.run_sync(
        schedules.list_schedules, context.db, Caller.of(principal), dashboard_id))


@schedules_router.delete("/{dashboard_id}/schedules/{schedule_id}", status_code=204,
                         summary="Delete a schedule (its owner or the dashboard's owner)")
async def delete_schedule(dashboard_id: Id, schedule_id: Id, context: Context,
                          principal: Reader) -> Response:
    await anyio.to_thread.run_sync(schedules.delete_schedule, context.db, Caller.of(principal),
                                   dashboard_id, schedule_id)
    return Response(status_code=204)


@router.get("/deliveries", summary="Every firing of the tenant's schedules, newest first")
async def deliveries(context: Context, principal: Reader,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Response:
    return envelope(await anyio.to_thread.run_sync(
        schedules.list_deliveries, context.db, Caller.of(principal), limit))
