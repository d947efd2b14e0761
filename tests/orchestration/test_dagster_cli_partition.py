"""`dagster asset materialize --partition D`, as any Dagster user runs one day: it
succeeds, and its checks run on that day's rows (its own home: chDB admits one process
per store, and this test process holds the session's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.runner import ensure_dagster_home
from warehouse.settings import load_settings

ROOT = Path(__file__).parents[2]
DAY = "2026-03-10"


def test_one_partition_through_the_dagster_cli(tmp_path) -> None:
    env = {**os.environ, "SIGHTLINE_HOME": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "dg"),
           "SIGHTLINE_PARTITION_START": "2026-03-01"}
    env.pop("SIGHTLINE_REDIS_URL", None)
    ensure_dagster_home(load_settings(env))
    dagster = Path(sys.executable).with_name("dagster")
    done = subprocess.run(
        [str(dagster), "asset", "materialize", "-m", "orchestration.definitions",
         "--select", "raw/demo", "--partition", DAY], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]

    rows = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "sql", "--format", "json",
         f"SELECT count() AS n FROM raw_events WHERE toDate(timestamp) = '{DAY}'"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    [[events]] = [[r["n"] for r in json.loads(rows.stdout)]]
    assert events > 1000

    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    [run] = instance.get_run_records()
    assert run.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    assert run.dagster_run.tags["dagster/partition"] == DAY
    key = dg.AssetCheckKey(dg.AssetKey(["raw", "demo"]), "raw_batch_valid")
    record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
    evaluation = record.event.dagster_event.event_specific_data
    metadata = {k: v.value for k, v in evaluation.metadata.items()}
    assert evaluation.passed and metadata["days"] == DAY
    assert metadata["rows_checked"] >= events
