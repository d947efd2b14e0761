"""Schedules: yesterday's partition of the whole pipeline, once a day."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import daily_pipeline_job

# For a daily partitioned job the schedule targets the last complete day: yesterday (UTC).
daily_pipeline_schedule = dg.build_schedule_from_partitioned_job(
    daily_pipeline_job, hour_of_day=1, minute_of_hour=15,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
