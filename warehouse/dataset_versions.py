"""Dataset versions: a counter per (dataset, tenant) bumped on every publish.

The API puts the current version into its cache keys (DESIGN §9), so a publish makes
stale cache entries unreachable without deleting them. Writers run one at a time (the
embedded-store pool, or the publish asset's single run), so read-then-append is safe.
"""

from __future__ import annotations

from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client


def current_version(client: Client, dataset: str, tenant_id: str) -> int:
    """The latest version of `dataset` for `tenant_id` (0 if never published)."""
    result = client.query(
        "SELECT max(version) FROM dataset_versions WHERE dataset = {d:String} "
        "AND tenant_id = {t:String}",
        parameters={"d": dataset, "t": tenant_id},
    )
    return int(result.result_rows[0][0] or 0)


def bump_version(client: Client, dataset: str, tenant_id: str, row_count: int) -> int:
    """Record a new version of `dataset` for `tenant_id` and return it."""
    version = current_version(client, dataset, tenant_id) + 1
    client.insert(
        "dataset_versions",
        [[dataset, tenant_id, version, datetime.now(UTC), row_count]],
        column_names=["dataset", "tenant_id", "version", "materialized_at", "row_count"],
    )
    return version


def all_versions(client: Client, tenant_id: str) -> dict[str, int]:
    """Current version of every dataset of `tenant_id`."""
    rows = client.query(
        "SELECT dataset, max(version) FROM dataset_versions WHERE tenant_id = {t:String} "
        "GROUP BY dataset ORDER BY dataset",
        parameters={"t": tenant_id},
    ).result_rows
    return {dataset: int(version) for dataset, version in rows}
