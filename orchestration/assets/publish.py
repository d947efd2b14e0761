"""Publish assets: each dbt mart's window → its ClickHouse `mart_*` table, then a new
dataset version per tenant (the API's cache keys change with it, DESIGN §9)."""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import dagster as dg

from orchestration.dbt_manifest import ensure_manifest
from orchestration.partitions import daily_partitions, single_run, window_days
from orchestration.resources import STORE_POOL, TransformStoreResource, WarehouseResource
from warehouse.dataset_versions import publish_versions
from warehouse.mart_publisher import month_starts, next_month, publish_months
from warehouse.transform_store import MARTS_SCHEMA, read_window


@dataclass(frozen=True)
class PublishedMart:
    """A dbt mart and the ClickHouse table it is published to."""

    model: str  # dbt model name, e.g. fct_event_trends_daily
    date_column: str  # its window column
    lookback_days: int  # days before the window the model rewrites

    @property
    def table(self) -> str:
        """ClickHouse table (and dataset name): `mart_` + the model name without `fct_`."""
        return "mart_" + self.model.removeprefix("fct_")


@cache  # read the manifest once per process
def published_marts() -> tuple[PublishedMart, ...]:
    """Every model in the `marts` schema, from the dbt manifest."""
    manifest = json.loads(ensure_manifest().read_text())
    marts = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"].get("schema") != MARTS_SCHEMA:
            continue
        marts.append(PublishedMart(node["name"], node["config"]["window_column"],
                                   int(node["config"].get("window_lookback_days", 0))))
    return tuple(sorted(marts, key=lambda m: m.model))


@dg.multi_asset(
    name="publish_marts",
    specs=[dg.AssetSpec(
        ["clickhouse", mart.table], deps=[dg.AssetKey([MARTS_SCHEMA, mart.model])],
        group_name="publish", kinds={"duckdb", "clickhouse"},
        description=f"dbt {mart.model} → ClickHouse {mart.table} (+ dataset version bump)",
        ) for mart in published_marts()],
    can_subset=True,
    partitions_def=daily_partitions,
    backfill_policy=single_run,
    pool=STORE_POOL,
)
def publish_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                  transform_store: TransformStoreResource) -> Iterator[dg.MaterializeResult]:
    """Each selected mart's months touched by the window → its ClickHouse table, then a new
    dataset version per tenant. One step for every mart: the DuckDB file and the store are
    opened once, not once per mart."""
    days = window_days(context)
    marts = [m for m in published_marts()
             if dg.AssetKey(["clickhouse", m.table]) in context.selected_asset_keys]
    with transform_store.open(read_only=True) as con, \
            warehouse.open(f"publish marts {days[0]}..{days[-1]}") as client:
        for mart in marts:
            started = time.monotonic()
            months = month_starts(days[0] - timedelta(days=mart.lookback_days), days[-1])
            rows = read_window(con, f"{MARTS_SCHEMA}.{mart.model}", mart.date_column,
                               months[0], next_month(days[-1]))
            known = [t for (t,) in client.query(f"SELECT DISTINCT tenant_id FROM {mart.table}")
                     .result_rows]
            tenants = sorted(set(rows["tenant_id"].to_pylist()) | set(known))
            counts = publish_months(client, mart.table, rows, tenants, months)
            versions = publish_versions(client, warehouse.settings().redis_url, mart.table,
                                        {t: counts[t] for t in tenants})
            yield dg.MaterializeResult(asset_key=["clickhouse", mart.table], metadata={
                "table": mart.table,
                "months": ", ".join(m.strftime("%Y-%m") for m in months),
                "rows_by_tenant": dg.MetadataValue.json(counts),
                "dataset_versions": dg.MetadataValue.json(versions),
                "seconds": round(time.monotonic() - started, 2),
            })


publish_assets = [publish_marts]
