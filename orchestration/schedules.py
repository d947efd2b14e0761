"""Schedules: yesterday's partition of the whole pipeline, once a day."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from orchestration.jobs import daily_pipeline_job


@dg.schedule(
    job=daily_pipeline_job, cron_schedule="15 1 * * *", execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_pipeline_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """The last complete UTC day (yesterday), once a day at 01:15 UTC.

    Written out rather than built from the job: the partitions include today (in
    progress), and a schedule built from them would target today.
    """
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return dg.RunRequest(run_key=day, partition_key=day, tags={"sightline/trigger": "schedule"})
