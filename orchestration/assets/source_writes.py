"""The one loop every partitioned source asset runs: produce a day, write it, report."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date

import dagster as dg

from orchestration.partitions import window_days
from orchestration.resources import WarehouseResource
from warehouse.dataset_versions import publish_versions
from warehouse.partition_writer import write_batch
from warehouse.source_batch import SourceBatch

# day -> (batch, tenants the batch speaks for); None means "nothing to write that day"
DayProducer = Callable[[date], tuple[SourceBatch, Sequence[str]] | None]


def write_source_days(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    source: str,
    produce: DayProducer,
    after_write: Callable[[date], None] | None = None,
) -> dg.MaterializeResult:
    """Write each day of the run's window for one source; return rows per table as metadata."""
    started = time.monotonic()
    days = window_days(context)
    rows: Counter[str] = Counter()
    # Ad-hoc API answers over raw tables are cached per dataset version, like the marts.
    rows_by_table_tenant: dict[str, Counter[str]] = defaultdict(Counter)
    with warehouse.open(f"{source} {days[0]}..{days[-1]}") as client:
        for day in days:
            produced = produce(day)
            if produced is None:
                continue
            batch, tenants = produced
            for write in write_batch(client, batch, tenants):
                rows[write.table] += write.rows
                rows_by_table_tenant[write.table].update(
                    {t: 0 for t in tenants} | write.rows_by_tenant)
            if after_write:
                after_write(day)
            context.log.info(f"{source} {day}: {dict(batch.row_counts())}")
        redis_url = warehouse.settings().redis_url
        for table, by_tenant in rows_by_table_tenant.items():
            publish_versions(client, redis_url, table, dict(by_tenant))
    quarantined = rows.pop("quarantine", 0)
    return dg.MaterializeResult(
        metadata={
            "source": source,
            "partitions": f"{days[0]} .. {days[-1]} ({len(days)} days)",
            "rows_written": dg.MetadataValue.int(sum(rows.values())),
            "rows_by_table": dg.MetadataValue.json(dict(rows)),
            "rows_quarantined": dg.MetadataValue.int(quarantined),
            "seconds": round(time.monotonic() - started, 2),
        }
    )
