"""Load assets: copy each table's partition window from ClickHouse into DuckDB `raw`.

The explicit hop between the system of record and the transform engine (DESIGN §1):
each run replaces exactly its window in DuckDB, day by day from ClickHouse, so dbt sees
what ClickHouse holds and a re-run changes nothing.
"""

import time
from datetime import timedelta

import dagster as dg

from orchestration.assets.enrich import social_mentions_scored
from orchestration.partitions import daily_partitions, single_run, window_days
from orchestration.resources import STORE_POOL, TransformStoreResource, WarehouseResource
from orchestration.sources import writers_of
from warehouse.transform_store import replace_window

# Table copied into DuckDB `raw` -> (time column, upstream asset keys)
LOADED_TABLES: dict[str, tuple[str, list[dg.AssetKey]]] = {
    "raw_events": ("timestamp", writers_of("raw_events")),
    "raw_social_mentions": ("created_at", writers_of("raw_social_mentions")),
    "social_mentions_scored": ("created_at", [social_mentions_scored.key]),
    "raw_connector_records": ("occurred_at", writers_of("raw_connector_records")),
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
