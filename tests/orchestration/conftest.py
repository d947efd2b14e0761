"""Fixtures for running the real Dagster definitions in-process against the test store."""

from __future__ import annotations

import dagster as dg
import pytest


@pytest.fixture(scope="session")
def instance(settings, clickhouse) -> dg.DagsterInstance:
    """A persistent Dagster instance under the test DAGSTER_HOME (store already migrated)."""
    from orchestration.runner import ensure_dagster_home

    ensure_dagster_home(settings)
    return dg.DagsterInstance.get()
