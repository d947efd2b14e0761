"""Jobs the schedule, the sensor and the CLI launch."""

from __future__ import annotations

import dagster as dg

from orchestration.partitions import daily_partitions
from orchestration.sources import LANDING_SOURCES

LANDING_KEYS = [source.key for source in LANDING_SOURCES]

# Every partitioned ingestion asset (the landing intake is unpartitioned and file-driven).
partitioned_ingest = dg.AssetSelection.groups("ingest") - dg.AssetSelection.assets(
    ["landing", "intake"]
)

daily_ingest_job = dg.define_asset_job(
    "daily_ingest", selection=partitioned_ingest, partitions_def=daily_partitions,
    description="Every source's partition for one day (the schedule runs yesterday).",
)
# The whole day: sources → sentiment → DuckDB → dbt → ClickHouse marts → wargame.
pipeline_selection = (dg.AssetSelection.groups("ingest", "enrich", "load", "transform", "publish",
                                              "simulate")
                      - dg.AssetSelection.assets(["landing", "intake"],
                                                 ["simulations", "scenario_library"]))

daily_pipeline_job = dg.define_asset_job(
    "daily_pipeline", selection=pipeline_selection, partitions_def=daily_partitions,
    description="Every source, sentiment, the DuckDB load, dbt, the mart publish and the "
    "wargame simulations for one day.",
)
scenario_library_job = dg.define_asset_job(
    "scenario_library_job", selection=dg.AssetSelection.assets(["simulations", "scenario_library"]),
    description="Validate the wargame scenario library.",
)
landing_intake_job = dg.define_asset_job(
    "landing_intake_job", selection=dg.AssetSelection.assets(["landing", "intake"]),
    description="Validate and stage new landing files.",
)
landing_load_job = dg.define_asset_job(
    "landing_load_job", selection=dg.AssetSelection.assets(*LANDING_KEYS),
    partitions_def=daily_partitions,
    description="Write staged landing days into ClickHouse.",
)
