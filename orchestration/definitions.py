"""The Dagster code location: assembles assets, checks, jobs, schedules, sensors, resources.

Load it with `dagster dev -m orchestration.definitions` (or `sightline dev`).
"""

from __future__ import annotations

import dagster as dg

from orchestration.assets.ingest import ingest_assets
from orchestration.checks.raw_quality import raw_checks
from orchestration.jobs import daily_ingest_job, landing_intake_job, landing_load_job
from orchestration.resources import DemoResource, LandingZoneResource, WarehouseResource
from orchestration.schedules import daily_ingest_schedule
from orchestration.sensors import landing_files_sensor
from warehouse.settings import load_settings

# Embedded chDB admits one process at a time: run steps in the run's own process.
# Against a ClickHouse server, steps may run in parallel subprocesses.
_executor = dg.in_process_executor if load_settings().embedded else dg.multiprocess_executor

defs = dg.Definitions(
    assets=ingest_assets,
    asset_checks=raw_checks,
    jobs=[daily_ingest_job, landing_intake_job, landing_load_job],
    schedules=[daily_ingest_schedule],
    sensors=[landing_files_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "landing": LandingZoneResource(),
        "demo": DemoResource(),
    },
    executor=_executor,
)
