"""Read-only summaries of the warehouse for the CLI: rows per table, partitions, quarantine."""

from __future__ import annotations

from datetime import date

from clickhouse_connect.driver.client import Client

from warehouse.raw_schemas import RAW_TABLES


def table_counts(client: Client, first: date | None = None, last: date | None = None
                 ) -> list[tuple[str, str, int, int, str, str]]:
    """(table, source, rows, days, first day, last day) for every raw table and source."""
    out = []
    for table, (_, time_column) in RAW_TABLES.items():
        where = ""
        params: dict[str, object] = {}
        if first and last:
            where = f"WHERE toDate({time_column}) BETWEEN {{a:Date}} AND {{b:Date}}"
            params = {"a": first, "b": last}
        rows = client.query(
            f"SELECT source, count(), uniqExact(toDate({time_column})), "
            f"toString(min(toDate({time_column}))), toString(max(toDate({time_column}))) "
            f"FROM {table} {where} GROUP BY source ORDER BY source", parameters=params,
        ).result_rows
        out.extend((table, *row) for row in rows)
    return out


def quarantine_counts(client: Client) -> list[tuple[str, str, str, int]]:
    """(tenant, source, target table, rows) in quarantine."""
    return [tuple(r) for r in client.query(
        "SELECT tenant_id, source, target_table, count() FROM quarantine "
        "GROUP BY tenant_id, source, target_table ORDER BY tenant_id, source").result_rows]


def mart_counts(client: Client) -> list[tuple[str, str, int, int]]:
    """(mart table, tenant, rows, current dataset version) for every published mart."""
    tables = [name for (name,) in client.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() "
        "AND name LIKE 'mart\\_%' ORDER BY name").result_rows]
    versions = {(d, t): int(v) for d, t, v in client.query(
        "SELECT dataset, tenant_id, max(version) FROM dataset_versions "
        "GROUP BY dataset, tenant_id").result_rows}
    out = []
    for table in tables:
        for tenant, rows in client.query(
                f"SELECT tenant_id, count() FROM {table} GROUP BY tenant_id ORDER BY tenant_id"
        ).result_rows:
            out.append((table, tenant, int(rows), versions.get((table, tenant), 0)))
    return out
