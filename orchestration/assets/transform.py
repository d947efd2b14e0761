"""dbt models as assets (DESIGN §5): one `dbt build` per run, over the run's window.

`dbt_models` builds every model — the staging views and the incremental models that
read them — for the run's window, half-open [min_date, max_date), passed in the dbt
process's environment (`warehouse.dbt_window`: unlike --vars, a new window keeps dbt's
partial parse); each model adds its own lookback. One invocation, not one for the views
and one for the models: dbt's start-up is most of a one-day build (docs/benchmarks.md),
and the views are partitioned assets only in name (re-creating a view costs nothing).
dbt tests arrive as asset checks; a failing error-severity test fails the step, so
nothing downstream (the publish assets) runs on a bad build.
"""

import os
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.dbt_manifest import DBT_PROJECT, ensure_manifest
from orchestration.partitions import daily_partitions, single_run
from orchestration.resources import STORE_POOL, TransformStoreResource
from warehouse.dbt_window import environment, window_environment


class SightlineTranslator(DagsterDbtTranslator):
    """Keys models by schema (`staging/…`, `intermediate/…`, `marts/…`); one group each."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # meta.dagster.asset_key
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return None
        return "transform"


translator = SightlineTranslator()


def _point_dbt_at_store(transform_store: TransformStoreResource) -> None:
    """dbt's profile reads SIGHTLINE_DUCKDB_PATH; hand it the settings' path."""
    os.environ["SIGHTLINE_DUCKDB_PATH"] = str(transform_store.path)


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    name="dbt_models",
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    dagster_dbt_translator=translator,
    pool=STORE_POOL,
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource,
    transform_store: TransformStoreResource,
) -> Iterator:
    """Every dbt model (views and incremental models) over the run's partition window."""
    window = context.partition_time_window
    _point_dbt_at_store(transform_store)
    # the dbt process copies the environment when it starts, inside cli()
    with environment(window_environment(window.start.date(), window.end.date())):
        invocation = dbt.cli(["build"], context=context)
    yield from invocation.stream()


transform_assets = [dbt_models]
