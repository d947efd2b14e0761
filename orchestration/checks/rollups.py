"""The daily actives rollup is refreshed inside the partition writer, right after each
`raw_events` swap (warehouse/daily_actives.py), not by an asset of its own. This check
makes that hidden refresh visible: after the run's writes it compares, for the run's
days, each tenant's newest rollup batch with raw events' fingerprint (count, first and
last timestamp). WARN: readers already fall back to raw events for a stale day."""

from collections.abc import Iterator

import dagster as dg

from orchestration.partitions import daily_partitions, window_days
from orchestration.resources import STORE_POOL, WarehouseResource
from warehouse.daily_actives import stale_days

# Checked on the DuckDB load of raw_events: it runs after every writer of the table.
CHECKED_ASSET = dg.AssetKey(["duckdb", "raw_events"])


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(
        "daily_actives_rollup_fresh", asset=CHECKED_ASSET, partitions_def=daily_partitions,
        description="raw_events_daily_actives describes raw_events for the run's days")],
    name="check_daily_actives_rollup", pool=STORE_POOL,
)
def daily_actives_rollup_check(context: dg.AssetCheckExecutionContext,
                               warehouse: WarehouseResource) -> Iterator[dg.AssetCheckResult]:
    """WARN when a (tenant, day) of the run's window has a stale rollup."""
    days = window_days(context)
    with warehouse.open(f"check rollup {days[0]}..{days[-1]}") as client:
        stale = stale_days(client, days)
    yield dg.AssetCheckResult(
        asset_key=CHECKED_ASSET, check_name="daily_actives_rollup_fresh", passed=not stale,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"days": f"{days[0]} .. {days[-1]}" if len(days) > 1 else str(days[0]),
                  "stale": dg.MetadataValue.json([f"{t} {d}" for t, d in stale])})
