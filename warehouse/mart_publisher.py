"""Publish marts from DuckDB to ClickHouse `mart_*` tables, a (tenant, month) at a time.

Mart tables are partitioned by (tenant_id, toYYYYMM(<date column>)). A publish stages
every row of the months its window touches, then swaps each (tenant, month) partition
in with `REPLACE PARTITION` (or drops it when the tenant has no rows left there): a
reader sees a month before or after the publish, never half of it, and publishing the
same window twice leaves the same rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
from clickhouse_connect.driver.client import Client

# ClickHouse column type (LowCardinality/Nullable stripped) -> Arrow type to send.
_ARROW_TYPES: dict[str, pa.DataType] = {
    "String": pa.string(), "Date": pa.date32(), "Bool": pa.bool_(),
    "Int32": pa.int32(), "Int64": pa.int64(), "UInt32": pa.uint32(), "UInt64": pa.uint64(),
    "Float64": pa.float64(), "Array(String)": pa.list_(pa.string()),
    "DateTime64(3, 'UTC')": pa.timestamp("ms", tz="UTC"),
}


class MartSchemaError(ValueError):
    """The mart's columns differ from its ClickHouse table (a migration is missing)."""


def next_month(day: date) -> date:
    """First day of the month after the one holding `day`."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_starts(first: date, last: date) -> list[date]:
    """First days of the months from the one holding `first` to the one holding `last`."""
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = next_month(current)
    return months


def _bare_type(ch_type: str) -> tuple[str, bool]:
    """('String', True) for 'LowCardinality(Nullable(String))'."""
    nullable = False
    while ch_type.startswith(("Nullable(", "LowCardinality(")):
        nullable = nullable or ch_type.startswith("Nullable(")
        ch_type = ch_type[ch_type.index("(") + 1:-1]
    return ch_type, nullable


def conform(rows: pa.Table, client: Client, table: str) -> pa.Table:
    """`rows` with the table's column order and Arrow types matching its ClickHouse types.

    Raises MartSchemaError naming the missing or unexpected columns.
    """
    described = client.query(f"DESCRIBE TABLE {table}").result_rows
    columns = {name: ch_type for name, ch_type, *_ in described}
    missing, extra = set(columns) - set(rows.column_names), set(rows.column_names) - set(columns)
    if missing or extra:
        raise MartSchemaError(
            f"{table}: mart columns differ from ClickHouse (missing {sorted(missing)}, "
            f"unexpected {sorted(extra)}); add a migration in warehouse/migrations/")
    arrays, fields = [], []
    for name, ch_type in columns.items():
        bare, nullable = _bare_type(ch_type)
        arrow_type = _ARROW_TYPES.get(bare)
        if arrow_type is None:
            raise MartSchemaError(f"{table}.{name}: unsupported ClickHouse type {ch_type}")
        arrays.append(rows[name].cast(arrow_type))
        fields.append(pa.field(name, arrow_type, nullable=nullable))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def publish_months(client: Client, table: str, rows: pa.Table, tenants: Sequence[str],
                   months: Sequence[date]) -> dict[str, int]:
    """Replace the (tenant, month) partitions of `table` with `rows`; return rows per tenant.

    `rows` must hold every row of those months for those tenants (a tenant-month without
    rows is dropped). Raises MartSchemaError when the columns don't match the table.
    """
    conformed = conform(rows, client, table)
    counts = dict.fromkeys(tenants, 0)
    for item in pc.value_counts(conformed["tenant_id"]).to_pylist():
        counts[item["values"]] = item["counts"]
    stage = f"_stage_{table}_{uuid.uuid4().hex[:12]}"
    client.command(f"CREATE TABLE {stage} AS {table}")
    try:
        if conformed.num_rows:
            client.insert_arrow(stage, conformed)
        present = {(t, int(m)) for t, m in client.query(
            f"SELECT DISTINCT tenant_id, toUInt32(partition_month) FROM "
            f"(SELECT tenant_id, toYYYYMM({_date_column(client, table)}) AS partition_month "
            f"FROM {stage})").result_rows}
        for tenant in counts:
            for month in months:
                key = month.year * 100 + month.month
                partition = f"('{_quote(tenant)}', {key})"
                if (tenant, key) in present:
                    client.command(
                        f"ALTER TABLE {table} REPLACE PARTITION {partition} FROM {stage}")
                else:
                    client.command(f"ALTER TABLE {table} DROP PARTITION {partition}")
    finally:
        client.command(f"DROP TABLE IF EXISTS {stage}")
    return counts


def _date_column(client: Client, table: str) -> str:
    """The date column of the table's partition key `(tenant_id, toYYYYMM(col))`."""
    key = client.query("SELECT partition_key FROM system.tables WHERE database = currentDatabase() "
                       "AND name = {t:String}", parameters={"t": table}).result_rows[0][0]
    return key.split("toYYYYMM(", 1)[1].split(")", 1)[0]


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")
