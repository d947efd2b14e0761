"""Dagster resources: thin handles on the warehouse, landing zone and demo settings.

They hold no configuration of their own: everything comes from `warehouse.settings`,
read when a run uses the resource (never at import), so the UI, the CLI and tests see
the same environment.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from clickhouse_connect.driver.client import Client
from dagster_dbt import DbtCliResource
from packaging import version

from ingestion.demo import DemoConfig
from orchestration.run_liveness import record_run_process
from warehouse.clickhouse import open_clickhouse
from warehouse.migrate import migrate
from warehouse.settings import Settings, load_settings
from warehouse.transform_store import open_transform_store

STORE_POOL = "sightline_store"  # every step touching the embedded store: limit 1


class _RunResource(dg.ConfigurableResource):
    """Records, when a run sets it up, which process executes the run: an embedded run
    is in-process, so `orchestration.run_liveness` can tell a dead run from a live one."""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        settings = load_settings()
        if settings.embedded and context.dagster_run is not None:
            record_run_process(settings.dagster_home, context.run_id)


class DbtResource(DbtCliResource):
    """dagster-dbt's CLI resource, told the dbt-core version instead of asking for it.

    Upstream runs `dbt --version` in a subprocess once per run process (2.3 s here, a
    tenth of a one-day run) to learn whether the executable is dbt-core or dbt Fusion.
    The executable is this environment's dbt-core, whose version the package metadata
    already knows.

    Upstream also builds an in-process dbt adapter before every invocation (1.3 s here),
    used only to fetch row counts and column metadata, which these assets do not ask
    for; `adapter=None` is the path upstream already takes when that handle fails.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


class WarehouseResource(_RunResource):
    """The ClickHouse store (server or embedded chDB), opened per unit of work."""

    def settings(self) -> Settings:
        """Current settings."""
        return load_settings()

    @contextmanager
    def open(self, purpose: str) -> Iterator[Client]:
        """Open the store (taking the embedded lock), apply pending migrations, yield it."""
        settings = self.settings()
        with open_clickhouse(settings, purpose=purpose) as client:
            migrate(client, settings.clickhouse_cluster)
            yield client


class TransformStoreResource(_RunResource):
    """The DuckDB file dbt transforms run on (`SIGHTLINE_DUCKDB_PATH`)."""

    @property
    def path(self) -> Path:
        """The DuckDB file."""
        return load_settings().duckdb_path

    @contextmanager
    def open(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the DuckDB file for one unit of work; closed on exit so dbt can take it."""
        with open_transform_store(load_settings(), read_only=read_only) as con:
            yield con


class LandingZoneResource(_RunResource):
    """The landing-zone folder (`SIGHTLINE_LANDING_DIR`)."""

    @property
    def path(self) -> Path:
        """Landing folder, created if missing."""
        folder = load_settings().landing_dir
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def first_day(self) -> date:
        """The first daily partition: intake quarantines rows dated before it."""
        return load_settings().partition_start


class DemoResource(dg.ConfigurableResource):
    """Demo generator settings: tenants, and the crisis/launch days of the demo window.

    `sightline demo` records its window in `$SIGHTLINE_HOME/demo.json`, so materializing
    or backfilling any demo day later (UI, CLI, schedule) reproduces the same rows.
    """

    def tenants(self) -> tuple[str, ...]:
        """Tenants the demo generates."""
        return load_settings().demo_tenants

    def config(self) -> DemoConfig:
        """The generator config: from demo.json when a demo window was recorded."""
        state = demo_state_path(load_settings())
        if not state.exists():
            return DemoConfig()
        recorded = json.loads(state.read_text())
        return DemoConfig.for_window(
            date.fromisoformat(recorded["first_day"]), date.fromisoformat(recorded["last_day"])
        )


def demo_state_path(settings: Settings) -> Path:
    """Where `sightline demo` records its window."""
    return settings.home / "demo.json"
