"""Daily UTC partitions shared by every partitioned asset (start: SIGHTLINE_PARTITION_START)."""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

from warehouse.settings import load_settings

# end_offset=1: today is a partition too (in progress), so landed events and webhooks
# of today can be written and queried now; the schedule still runs complete days only.
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=load_settings().partition_start.isoformat(), timezone="UTC", end_offset=1
)

# Ranges run as one run: a backfill of 30 days opens the store once, not 30 times.
single_run = dg.BackfillPolicy.single_run()


def window_days(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> list[date]:
    """The UTC days of the run's partition: one key (schedule, sensor, UI, `--partition`)
    or a range (backfills, `sightline materialize`), for assets and checks alike.

    Raises ValueError when the run carries no partition at all.
    """
    if not (context.has_partition_key or context.has_partition_key_range):
        raise ValueError("this step runs per daily partition: launch it with a partition "
                         "key or a partition range")
    window = context.partition_time_window
    first, end = window.start.date(), window.end.date()
    return [first + timedelta(days=n) for n in range((end - first).days)]
