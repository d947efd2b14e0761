"""kill -9 in the middle of a run: readers see each table's day old or new, never a mix;
the next run reaps the dead one (no wait on its store slot) and converges.

Runs `sightline` as users do, in its own home (chDB admits one process per store, and
this test process holds the session's): a clean run of one day, then landing events for
that day so the next run changes the marts, then three runs killed with SIGKILL —
during a source write, during dbt, during the publish — and a last run to completion.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

ROOT = Path(__file__).parents[2]
DAY = "2026-03-10"
TENANT = "acme"
# table -> (date column, volatile columns left out of the comparison)
TABLES = {
    "raw_events": ("timestamp", "ingested_at"),
    "raw_social_mentions": ("created_at", "ingested_at"),
    "raw_connector_records": ("occurred_at", "ingested_at"),
    "social_mentions_scored": ("created_at", "scored_at"),
    "mart_event_trends_daily": ("event_date", ""),
    "mart_active_persons_daily": ("activity_date", ""),
    "mart_brand_sentiment_daily": ("mention_date", ""),
    "mart_share_of_voice_daily": ("mention_date", ""),
    "mart_funnel_conversions_daily": ("entry_date", ""),
    "sim_wargame_results": ("as_of_date", "computed_at, result_json"),
}


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> dict[str, str]:
    """Environment of a fresh Sightline home (no Redis: its versions stay its own)."""
    path = tmp_path_factory.mktemp("crash-home")
    env = {**os.environ, "SIGHTLINE_HOME": str(path), "DAGSTER_HOME": str(path / "dagster"),
           "SIGHTLINE_PARTITION_START": "2026-03-01"}
    env.pop("SIGHTLINE_REDIS_URL", None)
    return env


def sightline(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def snapshot(env: dict[str, str]) -> dict[str, tuple[int, str]]:
    """(rows, content hash) of the tenant's day in every table."""
    parts = []
    for table, (column, volatile) in TABLES.items():
        columns = f"* EXCEPT ({volatile})" if volatile else "*"
        parts.append(
            f"SELECT '{table}' AS t, count() AS n, "
            f"toString(sum(cityHash64(toString(tuple({columns}))))) AS h FROM {table} "
            f"WHERE tenant_id = '{TENANT}' AND toDate({column}) = '{DAY}'")
    rows = json.loads(sightline(env, "sql", "--format", "json", " UNION ALL ".join(parts)))
    return {r["t"]: (r["n"], r["h"]) for r in rows}


def _holder_purpose(env: dict[str, str]) -> str:
    try:
        return json.loads((Path(env["SIGHTLINE_HOME"]) / "clickhouse.lock").read_text()
                          or "{}").get("purpose", "")
    except (OSError, ValueError):
        return ""


def _dbt_running(group: int) -> bool:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        command, rest = text.split(" (", 1)[1].rsplit(") ", 1)
        if command == "dbt" and int(rest.split()[2]) == group:
            return True
    return False


KILL_POINTS: dict[str, Callable[[dict[str, str], int], bool]] = {
    "source write": lambda env, group: _holder_purpose(env).startswith("demo "),
    "dbt": lambda env, group: _dbt_running(group),
    "publish": lambda env, group: _holder_purpose(env).startswith("publish "),
}


def run_and_kill(env: dict[str, str], point: str) -> None:
    """Start `sightline materialize` for DAY and SIGKILL its process group at `point`."""
    run = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "materialize", "--from", DAY, "--to", DAY],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while not KILL_POINTS[point](env, run.pid):
            assert run.poll() is None, f"the run ended before reaching {point}"
            assert time.monotonic() < deadline, f"never reached {point}"
            time.sleep(0.02)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()


def test_killed_runs_leave_old_or_new_days_and_the_next_run_converges(home) -> None:
    sightline(home, "materialize", "--from", DAY, "--to", DAY)
    events = Path(home["SIGHTLINE_HOME"]) / "landing" / "events" / TENANT
    events.mkdir(parents=True, exist_ok=True)
    (events / "late.jsonl").write_text("".join(
        f'{{"event_id":"late-{i}","event":"signup","person_id":"late-p{i}",'
        f'"timestamp":"{DAY}T12:{i:02d}:00Z"}}\n' for i in range(40)))
    sightline(home, "ingest")
    old = snapshot(home)

    middles = {}
    for point in KILL_POINTS:
        run_and_kill(home, point)
        middles[point] = snapshot(home)

    started = time.monotonic()
    output = sightline(home, "materialize", "--from", DAY, "--to", DAY)
    assert "marked failed" in output  # the last killed run, reaped before this one began
    new = snapshot(home)

    changed = [t for t in TABLES if old[t] != new[t]]
    assert {"mart_event_trends_daily", "mart_active_persons_daily"} <= set(changed)
    for point, middle in middles.items():
        for table in TABLES:
            assert middle[table] in (old[table], new[table]), (point, table)
    # The run after the kills did not wait on the dead runs' slots.
    assert time.monotonic() - started < 240

    instance = dg.DagsterInstance.from_config(home["DAGSTER_HOME"])
    statuses = [r.dagster_run.status for r in instance.get_run_records()]
    assert statuses.count(dg.DagsterRunStatus.FAILURE) == len(KILL_POINTS)
    assert dg.DagsterRunStatus.STARTED not in statuses

    # Converged: the same day run once more gives the same rows.
    sightline(home, "materialize", "--from", DAY, "--to", DAY)
    assert snapshot(home) == new
