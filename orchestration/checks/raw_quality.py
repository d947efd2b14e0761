"""Data-quality checks on every raw source asset, run as partitioned multi-asset checks.

`raw_batch_valid` (blocking, ERROR): the Great Expectations suite of each table the
source writes — non-null keys, accepted values, ranges, unique ids per day. A failure
stops downstream assets of the same run. `raw_batch_volume` (WARN): row-count sanity —
days in the window where a source that should always produce rows wrote none.
"""


from collections.abc import Iterator

import dagster as dg

from orchestration.checks.raw_suites import read_batch, validate_frame
from orchestration.partitions import daily_partitions, window_days
from orchestration.resources import STORE_POOL, WarehouseResource
from orchestration.sources import RAW_SOURCES, RawSource


def _specs(asset: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec("raw_batch_valid", asset=asset, blocking=True,
                          partitions_def=daily_partitions,
                          description="GX suite: keys non-null, unique per day; values in range"),
        dg.AssetCheckSpec("raw_batch_volume", asset=asset, partitions_def=daily_partitions,
                          description="Row-count sanity: no empty day for always-on sources"),
    ]


def _raw_check(raw: RawSource) -> dg.AssetChecksDefinition:
    source, tables, always_on, key = raw.source, raw.tables, raw.always_on, raw.key

    @dg.multi_asset_check(specs=_specs(key), name=f"check_{raw.name}", pool=STORE_POOL)
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        days = window_days(context)
        with warehouse.open(f"checks {source}") as client:
            outcomes = [validate_frame(t, read_batch(client, t, source, days)) for t in tables]
        failures = [f"{o.table}: {f}" for o in outcomes for f in o.failures]
        checked_days = f"{days[0]} .. {days[-1]}" if len(days) > 1 else days[0].isoformat()
        yield dg.AssetCheckResult(
            asset_key=key, check_name="raw_batch_valid",
            passed=not failures, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"days": checked_days, "rows_checked": sum(o.rows for o in outcomes),
                      "failures": dg.MetadataValue.json(failures)},
        )
        empty = [d.isoformat() for d in days
                 if always_on and any(o.rows_per_day.get(d.isoformat(), 0) == 0 for o in outcomes)]
        yield dg.AssetCheckResult(
            asset_key=key, check_name="raw_batch_volume",
            passed=not empty, severity=dg.AssetCheckSeverity.WARN,
            metadata={"days": checked_days,
                      "rows_per_table": dg.MetadataValue.json({o.table: o.rows for o in outcomes}),
                      "empty_days": dg.MetadataValue.json(empty)},
        )

    return _check


raw_checks = [_raw_check(raw) for raw in RAW_SOURCES]
