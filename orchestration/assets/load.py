"""Load assets: copy each table's partition window from ClickHouse into DuckDB `raw`.

The explicit hop between the system of record and the transform engine (DESIGN §1):
each run replaces exactly its window in DuckDB, day by day from ClickHouse, so dbt sees
what ClickHouse holds and a re-run changes nothing.
"""

import time
from datetime import timedelta

import dagster as dg

from orchestration.partitions import daily_partitions, single_run, window_days
from orchestration.resources import STORE_POOL, TransformStoreResource, WarehouseResource
from warehouse.transform_store import replace_window

# DuckDB raw table -> (ClickHouse table, time column, upstream asset keys)
LOADED_TABLES: dict[str, tuple[str, list[dg.AssetKey]]] = {
    "raw_events": ("timestamp", [dg.AssetKey(["raw", "demo"]),
                                 dg.AssetKey(["raw", "landing_events"])]),
    "raw_social_mentions": ("created_at", [dg.AssetKey(["raw", "demo"]),
                                           dg.AssetKey(["raw", "landing_mentions"]),
                                           *(dg.AssetKey(["raw", f"{p}_api"])
                                             for p in ("x", "reddit", "linkedin"))]),
    "social_mentions_scored": ("created_at", [dg.AssetKey(["enriched",
                                                           "social_mentions_scored"])]),
    "raw_connector_records": ("occurred_at", [dg.AssetKey(["raw", "demo"]),
                                              dg.AssetKey(["raw", "landing_revenue"]),
                                              dg.AssetKey(["raw", "ga4_api"])]),
}


def _load_asset(table: str, time_column: str, deps: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=["duckdb", table],
        deps=deps,
        partitions_def=daily_partitions,
        backfill_policy=single_run,
        pool=STORE_POOL,
        group_name="load",
        kinds={"clickhouse", "duckdb"},
        description=f"ClickHouse {table} → DuckDB raw.{table}, replacing the run's window.",
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
               transform_store: TransformStoreResource) -> dg.MaterializeResult:
        started = time.monotonic()
        days = window_days(context)
        start, end = days[0], days[-1] + timedelta(days=1)
        with warehouse.open(f"load {table} {start}..{days[-1]}") as client, \
                transform_store.open() as con:
            batches = (client.query_arrow(
                f"SELECT * FROM {table} WHERE toDate({time_column}) = {{d:Date}}",
                parameters={"d": day}) for day in days)
            rows = replace_window(con, table, time_column, start, end, batches)
        return dg.MaterializeResult(metadata={
            "partitions": f"{start} .. {days[-1]} ({len(days)} days)",
            "rows_loaded": dg.MetadataValue.int(rows),
            "seconds": round(time.monotonic() - started, 2),
        })

    return _asset


load_assets = [_load_asset(table, column, deps)
               for table, (column, deps) in LOADED_TABLES.items()]
