"""Scheduled reports in Dagster: the sensor finds due schedules in the app database and
requests one run per firing; the run's op renders and delivers it through the API's
own code (`api.reports.firing`), with the tenant scope, runners and caches of the API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import cache

import dagster as dg

from api.appdb import AppDatabase
from api.context import build_context
from api.reports.firing import fire
from api.reports.schedules import due_schedules
from orchestration.resources import STORE_POOL
from warehouse.settings import load_settings

REPORT_TAG = "sightline/report_schedule"


@cache
def _app_database(url: str) -> AppDatabase:
    db = AppDatabase(url)
    db.migrate()
    return db


def deliver_scheduled_report(schedule_id: int, due: datetime) -> dict | None:
    """Fire one schedule for one due time (see api.reports.firing.fire)."""
    async def run() -> dict | None:
        context = build_context(load_settings())
        try:
            return await fire(context, schedule_id, due)
        finally:
            await context.aclose()

    return asyncio.run(run())


@dg.op(pool=STORE_POOL, config_schema={"schedule_id": int, "scheduled_for": str})
def deliver_report(context) -> dg.Output:
    """Render and deliver one firing of a report schedule; a failed hand-over fails the run
    (the delivery log says why)."""
    config = context.op_config
    outcome = deliver_scheduled_report(config["schedule_id"],
                                       datetime.fromisoformat(config["scheduled_for"]))
    if outcome is None:
        return dg.Output(None, metadata={"status": "schedule deleted"})
    if outcome["status"] == "failed":
        raise dg.Failure(description=outcome["reason"], metadata=outcome)
    return dg.Output(None, metadata={k: str(v) for k, v in outcome.items()})


@dg.job(description="Render and deliver one firing of a dashboard report schedule.")
def deliver_report_job() -> None:
    deliver_report()


def report_run_requests(now: datetime) -> list[dg.RunRequest]:
    """One run request per due firing; its run key makes a repeated tick a no-op."""
    db = _app_database(load_settings().database_url)
    return [dg.RunRequest(
        run_key=f"report:{schedule_id}:{due.isoformat()}",
        run_config={"ops": {"deliver_report": {"config": {
            "schedule_id": schedule_id, "scheduled_for": due.isoformat()}}}},
        tags={REPORT_TAG: str(schedule_id)}) for schedule_id, due in due_schedules(db, now)]


@dg.sensor(job=deliver_report_job, minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING)
def report_schedules_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Every minute: request a delivery run for each report schedule that is due."""
    requests = report_run_requests(datetime.now(UTC))
    if not requests:
        return dg.SensorResult(skip_reason="no report schedule is due")
    return dg.SensorResult(run_requests=requests)
