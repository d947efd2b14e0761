"""Daily UTC partitions shared by every partitioned asset (start: SIGHTLINE_PARTITION_START)."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from warehouse.settings import load_settings

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=load_settings().partition_start.isoformat(), timezone="UTC"
)

# Ranges run as one run: a backfill of 30 days opens the store once, not 30 times.
single_run = dg.BackfillPolicy.single_run()


def window_days(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> list[date]:
    """The UTC days covered by the run's partition key or range."""
    if isinstance(context, dg.AssetCheckExecutionContext):
        keys = daily_partitions.get_partition_keys_in_range(
            context.partition_key_range) if context.has_partition_key_range else []
        return [date.fromisoformat(k) for k in keys]
    window = context.partition_time_window
    first, end = window.start.date(), window.end.date()
    return [first + timedelta(days=n) for n in range((end - first).days)]
