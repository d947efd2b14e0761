"""The partitioned dbt asset hands the run's window to the dbt process in its environment
(warehouse.dbt_window), where dbt's models read it."""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.transform import dbt_models
from orchestration.dbt_manifest import DBT_EXECUTABLE, DBT_PROJECT
from orchestration.resources import TransformStoreResource

# (dbt args, SIGHTLINE_WINDOW_* variables) of each dbt process the asset would start
seen: list[tuple[list[str], dict[str, str]]] = []


class _RecordingDbt(DbtCliResource):
    """Records the environment a dbt process would start with, and runs nothing."""

    def cli(self, args, **kwargs):  # type: ignore[override]
        seen.append((list(args), {k: v for k, v in os.environ.items()
                                  if k.startswith("SIGHTLINE_WINDOW_")}))
        return _NoEvents()


class _NoEvents:
    def stream(self):
        return iter(())



def test_the_partition_window_goes_in_the_dbt_environment_only() -> None:
    before = {k: v for k, v in os.environ.items() if k.startswith("SIGHTLINE_WINDOW_")}
    context = dg.build_asset_context(partition_key="2026-03-14")
    dbt = _RecordingDbt(project_dir=DBT_PROJECT, dbt_executable=str(DBT_EXECUTABLE))
    list(dbt_models(context=context, dbt=dbt, transform_store=TransformStoreResource()))
    assert seen == [(["build"], {"SIGHTLINE_WINDOW_MIN_DATE": "2026-03-14",
                                 "SIGHTLINE_WINDOW_MAX_DATE": "2026-03-15"})]
    after = {k: v for k, v in os.environ.items() if k.startswith("SIGHTLINE_WINDOW_")}
    assert after == before  # restored once the dbt process has started
