"""A DuckDB transform store with demo raw data, and a way to run dbt on it in-process.

`demo_store` holds 21 demo days (2026-02-01 → 2026-02-21) for acme and globex with the
story of `DemoConfig.for_window`: launch on 02-08, crisis on 02-16. It is built once per
session with a full `dbt build`; tests that rebuild windows use their own copy.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from ingestion.sentiment import default_scorer
from warehouse.dbt_window import environment, window_environment
from ingestion.demo.transform_seed import seed_demo_days

PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
DEMO_FIRST, DEMO_LAST = date(2026, 2, 1), date(2026, 2, 21)
DEMO_TENANTS = ("acme", "globex")


@dataclass(frozen=True)
class TransformStore:
    """A DuckDB file and where dbt writes its artifacts for it."""

    path: Path
    target_dir: Path

    def dbt(self, *args: str, min_date: date | None = None, max_date: date | None = None,
            extra_vars: dict | None = None, window_as: str = "env") -> None:
        """Run a dbt command in-process on this store; fail the test if dbt fails."""
        run_dbt(self, *args, min_date=min_date, max_date=max_date, extra_vars=extra_vars,
                window_as=window_as)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Rows of a read-only query."""
        # dbt-duckdb keeps its database open in this process: connect with the same config.
        with duckdb.connect(str(self.path)) as con:
            return con.execute(sql, params).fetchall()

    def copy(self, folder: Path) -> TransformStore:
        """An independent copy of the store (for tests that rebuild windows)."""
        folder.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(self.path)) as con:  # flush the WAL into the file first
            con.execute("CHECKPOINT").fetchall()
        shutil.copy(self.path, folder / self.path.name)
        return TransformStore(folder / self.path.name, folder / "target")


def run_dbt(store: TransformStore, *args: str, min_date: date | None = None,
            max_date: date | None = None, extra_vars: dict | None = None,
            window_as: str = "env") -> None:
    """`dbt <args>` against `store`, with the partition window passed as Dagster does
    (`window_as="env"`: SIGHTLINE_WINDOW_MIN_DATE / _MAX_DATE) or as vars ("vars")."""
    command = [*args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
               "--target-path", str(store.target_dir), "--log-path",
               str(store.target_dir / "logs"), "--quiet"]
    dbt_vars = dict(extra_vars or {})
    variables = {"SIGHTLINE_DUCKDB_PATH": str(store.path)}
    if min_date is not None and max_date is not None:
        if window_as == "vars":
            dbt_vars.update(min_date=min_date.isoformat(), max_date=max_date.isoformat())
        else:
            variables.update(window_environment(min_date, max_date))
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    with environment(variables):
        result = dbtRunner().invoke(command)
    if not result.success:
        failures = [f"{r.node.name}: {r.message}" for r in (result.result or [])
                    if getattr(r, "status", None) not in ("success", "pass", None)]
        raise AssertionError(f"dbt {' '.join(args)} failed: {result.exception or failures}")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransformStore]:
    """21 demo days for acme and globex, fully built by dbt (read-only for tests)."""
    folder = tmp_path_factory.mktemp("demo-transform")
    store = TransformStore(folder / "transform.duckdb", folder / "target")
    # Scored as the pipeline scores them, so the crisis and quiet-day tests hold for the
    # default scorer (the trained model unless SIGHTLINE_SENTIMENT_MODEL says otherwise).
    seed_demo_days(store.path, DEMO_FIRST, DEMO_LAST, DEMO_TENANTS, default_scorer())
    store.dbt("build")
    yield store


def event_row(tenant: str, person: str, event: str, at: str, event_id: str,
              revenue: float | None = None, **columns: str) -> dict:
    """A raw_events row for hand-written fixtures (`at` is ISO, UTC)."""
    return {"tenant_id": tenant, "event_id": event_id, "event": event, "person_id": person,
            "session_id": f"{person}-s", "timestamp": datetime.fromisoformat(at).replace(
                tzinfo=UTC), "properties": [], "url": "", "referrer": "",
            "utm_source": columns.get("utm_source", ""), "country": columns.get("country", ""),
            "device": columns.get("device", ""), "revenue": revenue, "source": "test",
            "ingested_at": datetime(2026, 3, 1, tzinfo=UTC)}


def hand_store(folder: Path, events: list[dict], mentions: list[dict] | None = None,
               scores: list[dict] | None = None, records: list[dict] | None = None
               ) -> TransformStore:
    """A transform store whose raw tables hold exactly the given rows (others empty)."""
    import pyarrow as pa

    from warehouse.raw_schemas import RAW_CONNECTOR_RECORDS, RAW_EVENTS, RAW_SOCIAL_MENTIONS
    from ingestion.sentiment import SOCIAL_MENTIONS_SCORED

    folder.mkdir(parents=True, exist_ok=True)
    store = TransformStore(folder / "transform.duckdb", folder / "target")
    tables = {"raw_events": (RAW_EVENTS, events),
              "raw_social_mentions": (RAW_SOCIAL_MENTIONS, mentions or []),
              "social_mentions_scored": (SOCIAL_MENTIONS_SCORED, scores or []),
              "raw_connector_records": (RAW_CONNECTOR_RECORDS, records or [])}
    with duckdb.connect(str(store.path)) as con:
        con.execute("CREATE SCHEMA raw").fetchall()
        for name, (schema, rows) in tables.items():
            data = pa.Table.from_pylist(rows, schema=schema)  # noqa: F841 (read by DuckDB)
            con.execute(f"CREATE TABLE raw.{name} AS SELECT * FROM data").fetchall()
    return store
