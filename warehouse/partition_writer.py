"""Atomic, idempotent daily partition writes (DESIGN §4).

A source's rows for one UTC day are inserted into a private staging table, then each
(tenant, source, day) partition of the target is swapped in with one
`REPLACE PARTITION` — or dropped with `DROP PARTITION` when the source produced nothing
for that tenant. Readers see the old day or the new day, never half of one, and running
the same day twice leaves exactly one copy. Tables derived from a written day (the daily
actives rollup of raw_events) are refreshed right after the swap.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from clickhouse_connect.driver.client import Client

from warehouse.daily_actives import refresh_daily_actives
from warehouse.raw_schemas import RAW_TABLES
from warehouse.source_batch import SourceBatch

# Tables written per (tenant, source, UTC day) -> the column that decides the day.
PARTITION_TIME_COLUMNS: dict[str, str] = {
    **{table: column for table, (_, column) in RAW_TABLES.items()},
    "social_mentions_scored": "created_at",  # enrichment output, partitioned like its input
    "sim_wargame_results": "as_of_date",  # one simulation run per tenant and day
}


# Derived tables refreshed for (tenants, day) right after a table's partitions are swapped.
DERIVED_REFRESHES = {"raw_events": (refresh_daily_actives,)}


class PartitionMismatchError(ValueError):
    """Rows do not belong to the partitions being replaced (they would leak or duplicate)."""


@dataclass(frozen=True)
class PartitionWrite:
    """What one table write did."""

    table: str
    source: str
    day: date
    rows_by_tenant: dict[str, int]

    @property
    def rows(self) -> int:
        """Total rows written across tenants."""
        return sum(self.rows_by_tenant.values())


def _check_rows(table: str, batch: pa.Table, source: str, day: date, tenants: set[str]) -> None:
    """Raise PartitionMismatchError unless every row is (tenant in tenants, source, day)."""
    if batch.num_rows == 0:
        return
    time_column = PARTITION_TIME_COLUMNS[table]
    stray_tenants = set(pc.unique(batch["tenant_id"]).to_pylist()) - tenants
    if stray_tenants:
        raise PartitionMismatchError(f"{table}: rows for undeclared tenants {stray_tenants}")
    sources = set(pc.unique(batch["source"]).to_pylist())
    if sources != {source}:
        raise PartitionMismatchError(f"{table}: rows carry sources {sources}, expected {source!r}")
    column = batch[time_column]
    if pa.types.is_date(column.type):
        bad = pc.sum(pc.not_equal(column, pa.scalar(day, pa.date32()))).as_py()
    else:
        start = datetime.combine(day, time(), tzinfo=None)
        low = pa.scalar(start, pa.timestamp("ms")).cast(column.type)
        high = pa.scalar(start + timedelta(days=1), pa.timestamp("ms")).cast(column.type)
        bad = pc.sum(pc.or_(pc.less(column, low), pc.greater_equal(column, high))).as_py()
    if bad:
        raise PartitionMismatchError(f"{table}: {bad} rows fall outside {day.isoformat()} (UTC)")


def write_partition(
    client: Client,
    table: str,
    source: str,
    day: date,
    tenants: Sequence[str],
    batches: Iterable[pa.Table],
) -> PartitionWrite:
    """Replace the (tenant, source, day) partitions of `table` with `batches`.

    `tenants` are the tenants this write speaks for: a tenant with no rows has its
    partition dropped. `batches` may be a generator, so a large day streams through the
    staging table without being held in memory. Returns row counts per tenant.
    Raises PartitionMismatchError for rows outside the declared partitions.
    """
    tenant_set = set(tenants)
    counts = dict.fromkeys(tenants, 0)
    stage = f"_stage_{table}_{uuid.uuid4().hex[:12]}"
    client.command(f"CREATE TABLE {stage} AS {table}")
    try:
        for batch in batches:
            _check_rows(table, batch, source, day, tenant_set)
            if batch.num_rows == 0:
                continue
            for item in pc.value_counts(batch["tenant_id"]).to_pylist():
                counts[item["values"]] += item["counts"]
            client.insert_arrow(stage, batch)
        for tenant in tenants:
            partition = f"('{_quote(tenant)}', '{_quote(source)}', '{day.isoformat()}')"
            if counts[tenant]:
                client.command(f"ALTER TABLE {table} REPLACE PARTITION {partition} FROM {stage}")
            else:
                client.command(f"ALTER TABLE {table} DROP PARTITION {partition}")
    finally:
        client.command(f"DROP TABLE IF EXISTS {stage}")
    for refresh in DERIVED_REFRESHES.get(table, ()):
        refresh(client, list(tenants), day)
    return PartitionWrite(table, source, day, counts)


def write_batch(client: Client, batch: SourceBatch, tenants: Sequence[str]) -> list[PartitionWrite]:
    """Write every table of a SourceBatch, and its quarantine rows, for `tenants`."""
    writes = [
        write_partition(client, table, batch.source, batch.day, tenants, [rows])
        for table, rows in batch.tables.items()
    ]
    writes.append(
        write_partition(client, "quarantine", batch.source, batch.day, tenants, [batch.quarantine])
    )
    return writes


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")
