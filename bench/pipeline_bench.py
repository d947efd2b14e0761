"""The daily run benchmark → bench/results/pipeline.json.

Figure (issue: unattended operation): the one-day end-to-end run that the schedule
launches (`daily_pipeline` for yesterday: every source, checks, sentiment, the DuckDB
load, dbt, the publish and the wargame), on the demo data; target ≤ 15 s. Reported with
its parts: Dagster start-up (process start to the run's start), each step, and the dbt
invocations; and, as the same-run baseline, a bare `dbt build` of the same window and a
bare `python -c "import orchestration.definitions"` (what any run pays before its
first step).

Setup (not measured): `sightline demo --days 30 --no-serve` in a fresh home. Then the last
demo day is run `--repeat` times with `sightline materialize --from D --to D` (one
partition, as the schedule launches it). Run: `.venv/bin/python bench/pipeline_bench.py
[--repeat 3] [--home DIR]` (a given home with a demo is reused).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
from rich.console import Console

from warehouse.dbt_window import window_environment

RESULTS = Path(__file__).parent / "results" / "pipeline.json"
ROOT = Path(__file__).resolve().parents[1]
console = Console()


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "SIGHTLINE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"),
           "SIGHTLINE_DUCKDB_PATH": str(home / "transform.duckdb")}
    env.pop("SIGHTLINE_REDIS_URL", None)
    return env


def _timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Seconds each step of a run took (STEP_START to its end)."""
    starts, seconds = {}, {}
    ends = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    for record in instance.get_records_for_run(
            run_id, of_type={dg.DagsterEventType.STEP_START, *ends}).records:
        entry = record.event_log_entry
        if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            starts[entry.step_key] = entry.timestamp
        else:
            seconds[entry.step_key] = round(entry.timestamp - starts[entry.step_key], 3)
    return seconds


def _group(step: str) -> str:
    for prefix, name in (("raw__", "ingest"), ("check_", "checks"), ("enriched__", "sentiment"),
                         ("duckdb__", "load"), ("dbt_", "dbt"), ("publish_", "publish"),
                         ("simulations__", "wargame")):
        if step.startswith(prefix):
            return name
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="sightline-bench-pipeline-"))
    env = _env(home)
    cli = [sys.executable, "-m", "orchestration.cli"]
    if not (home / "demo.json").exists():
        console.print(f"setup: `sightline demo --days 30 --no-serve` in {home}")
        subprocess.run([*cli, "demo", "--days", "30", "--no-serve"], env=env, cwd=ROOT,
                       check=True, capture_output=True)
    day = date.fromisoformat(json.loads((home / "demo.json").read_text())["last_day"])
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    instance = dg.DagsterInstance.get()

    walls, starts, steps = [], [], defaultdict(list)
    for n in range(args.repeat):
        before = {r.dagster_run.run_id for r in instance.get_run_records()}
        wall = _timed([*cli, "materialize", "--from", str(day), "--to", str(day)], env)
        [record] = [r for r in instance.get_run_records() if r.dagster_run.run_id not in before]
        seconds = step_seconds(instance, record.dagster_run.run_id)
        run_seconds = record.end_time - record.start_time
        walls.append(wall)
        starts.append(wall - run_seconds)
        for step, s in seconds.items():
            steps[step].append(s)
        console.print(f"run {n + 1}: {wall:.1f}s (run {run_seconds:.1f}s, "
                      f"{len(seconds)} steps)")

    dbt_window = {**env, **window_environment(day, day + timedelta(days=1))}
    dbt_alone = [_timed([str(Path(sys.executable).with_name("dbt")), "build", "--select",
                         "config.materialized:incremental", "--quiet"], dbt_window,
                        cwd=ROOT / "dbt_project") for _ in range(args.repeat)]
    imports = [_timed([sys.executable, "-c", "import orchestration.definitions"], env)
               for _ in range(args.repeat)]

    median_steps = {s: statistics.median(v) for s, v in sorted(steps.items())}
    groups: dict[str, float] = defaultdict(float)
    for step, s in median_steps.items():
        groups[_group(step)] += s
    wall = statistics.median(walls)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "day": day.isoformat(),
        "repeat": args.repeat,
        "one_day_run_seconds": round(wall, 2),
        "one_day_run_seconds_all": [round(w, 2) for w in walls],
        "target_seconds": 15,
        "dagster_startup_seconds": round(statistics.median(starts), 2),
        "steps": len(median_steps),
        "seconds_by_group": {g: round(s, 2) for g, s in sorted(groups.items())},
        "seconds_by_step": {s: round(v, 2) for s, v in median_steps.items()},
        "baseline": {
            "dbt_build_same_window_seconds": round(statistics.median(dbt_alone), 2),
            "import_definitions_seconds": round(statistics.median(imports), 2),
        },
        "ratio_run_to_dbt_alone": round(wall / statistics.median(dbt_alone), 2),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    console.print_json(json.dumps({k: v for k, v in result.items() if k != "seconds_by_step"}))


if __name__ == "__main__":
    main()
