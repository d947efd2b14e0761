"""The Dagster code location: assembles assets, checks, jobs, schedules, sensors, resources.

Load it with `dagster dev -m orchestration.definitions` (or `sightline dev`).
"""

from __future__ import annotations

import dagster as dg

from orchestration.assets.enrich import social_mentions_scored
from orchestration.assets.ingest import ingest_assets
from orchestration.assets.load import load_assets
from orchestration.assets.publish import publish_assets
from orchestration.assets.simulate import simulate_assets
from orchestration.assets.transform import transform_assets
from orchestration.checks.raw_quality import raw_checks
from orchestration.checks.rollups import daily_actives_rollup_check
from orchestration.dbt_manifest import DBT_EXECUTABLE, DBT_PROJECT
from orchestration.jobs import (
    daily_ingest_job,
    daily_pipeline_job,
    landing_intake_job,
    landing_load_job,
    scenario_library_job,
)
from orchestration.report_runs import deliver_report_job, report_schedules_sensor
from orchestration.resources import (
    DbtResource,
    DemoResource,
    LandingZoneResource,
    TransformStoreResource,
    WarehouseResource,
)
from orchestration.schedules import daily_pipeline_schedule
from orchestration.sensors import dead_runs_sensor, landing_files_sensor
from warehouse.settings import load_settings

# Embedded chDB admits one process at a time: run steps in the run's own process.
# Against a ClickHouse server, steps may run in parallel subprocesses.
_executor = dg.in_process_executor if load_settings().embedded else dg.multiprocess_executor

defs = dg.Definitions(
    assets=[*ingest_assets, social_mentions_scored, *load_assets, *transform_assets,
            *publish_assets, *simulate_assets],
    asset_checks=[*raw_checks, daily_actives_rollup_check],
    jobs=[daily_ingest_job, daily_pipeline_job, landing_intake_job, landing_load_job,
          scenario_library_job, deliver_report_job],
    schedules=[daily_pipeline_schedule],
    sensors=[landing_files_sensor, dead_runs_sensor, report_schedules_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "landing": LandingZoneResource(),
        "demo": DemoResource(),
        "transform_store": TransformStoreResource(),
        "dbt": DbtResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_EXECUTABLE)),
    },
    executor=_executor,
)
