"""Session-wide test environment: one SIGHTLINE_HOME and one embedded store per process.

chDB binds a process to one data directory for its whole life, so every test in a
process shares this store; tests isolate themselves by tenant and day instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

_HOME = Path(tempfile.mkdtemp(prefix="sightline-test-"))
os.environ["SIGHTLINE_HOME"] = str(_HOME)
os.environ["SIGHTLINE_PARTITION_START"] = "2026-01-01"
os.environ.pop("SIGHTLINE_CLICKHOUSE_URL", None)
os.environ.pop("SIGHTLINE_CLICKHOUSE_CLUSTER", None)
# Redis on loopback, database 9 (flushed per session): publishes mirror dataset versions
# there, as in a server deployment. Concurrent test sessions need their own database:
# SIGHTLINE_TEST_REDIS_DB=10 pytest ...
_REDIS_DB = os.environ.get("SIGHTLINE_TEST_REDIS_DB", "9")
os.environ["SIGHTLINE_REDIS_URL"] = f"redis://127.0.0.1:6379/{_REDIS_DB}"
redis.Redis.from_url(os.environ["SIGHTLINE_REDIS_URL"]).flushdb()
os.environ["DAGSTER_HOME"] = str(_HOME / "dagster")
# Dashboard warming re-evaluates viewed dashboards after every publish, in the
# background; on only in tests/api/test_dashboard_warming.py.
os.environ["SIGHTLINE_DASHBOARD_WARMING"] = "0"
(_HOME / "dagster").mkdir(parents=True, exist_ok=True)

from warehouse.clickhouse import open_clickhouse  # noqa: E402
from warehouse.migrate import migrate  # noqa: E402
from warehouse.settings import Settings, load_settings  # noqa: E402


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings of the test process (embedded chDB under a temporary home)."""
    return load_settings()


@pytest.fixture(scope="session")
def instance(settings, clickhouse):
    """A persistent Dagster instance under the test DAGSTER_HOME (store already migrated)."""
    import dagster as dg

    from orchestration.runner import ensure_dagster_home

    ensure_dagster_home(settings)
    return dg.DagsterInstance.get()


@pytest.fixture(scope="session")
def clickhouse(settings: Settings) -> Iterator:
    """The migrated embedded store, open for the whole session."""
    with open_clickhouse(settings, purpose="pytest session") as client:
        migrate(client)
        yield client
