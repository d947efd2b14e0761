"""Dataset versions: a counter per (dataset, tenant) bumped on every publish.

The API puts the current version into its cache keys (DESIGN §9), so a publish makes
stale cache entries unreachable without deleting them. Writers run one at a time (the
embedded-store pool, or the publish asset's single run), so read-then-append is safe.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

log = logging.getLogger(__name__)


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


def redis_versions_key(tenant_id: str) -> str:
    """Redis hash holding `dataset -> version` for one tenant (the API's copy of the record)."""
    return f"sightline:dataset_versions:{tenant_id}"


# Every mirrored bump is also published here, so API processes that keep versions in
# memory update them at once: `{"dataset": ..., "versions": {tenant: version}}`.
VERSIONS_CHANNEL = "sightline:dataset_versions"


def versions_channel(db: int) -> str:
    """The channel of Redis database `db`: pub/sub ignores databases, so two stacks (or
    test sessions) sharing a Redis server on different databases must not hear each
    other's bumps."""
    return f"{VERSIONS_CHANNEL}:{db}"


def notify_versions(redis_url: str | None, dataset: str, versions: dict[str, int]) -> bool:
    """Mirror freshly bumped versions into Redis and announce them on the database's
    `versions_channel`,
    so API caches miss on the next request.

    ClickHouse stays the record; Redis is a fast copy. Returns False (and logs) when Redis
    is unset or unreachable: the API then falls back to reading ClickHouse.
    """
    if not redis_url or not versions:
        return False
    import redis

    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        with client.pipeline(transaction=False) as pipe:
            for tenant_id, version in versions.items():
                pipe.hset(redis_versions_key(tenant_id), dataset, version)
            db = client.connection_pool.connection_kwargs.get("db", 0)
            pipe.publish(versions_channel(int(db)), json.dumps({"dataset": dataset,
                                                                "versions": versions}))
            pipe.execute()
        client.close()
        return True
    except redis.RedisError as exc:
        log.warning("dataset versions of %s not mirrored to Redis (%s); the API will read "
                    "them from ClickHouse", dataset, exc)
        return False


def publish_versions(client: Client, redis_url: str | None, dataset: str,
                     rows_by_tenant: dict[str, int]) -> dict[str, int]:
    """Bump `dataset`'s version for each tenant in ClickHouse, mirror them to Redis, and
    return the new versions."""
    versions = {t: bump_version(client, dataset, t, rows) for t, rows in rows_by_tenant.items()}
    notify_versions(redis_url, dataset, versions)
    return versions
