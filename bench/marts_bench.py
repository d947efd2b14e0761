"""dbt marts benchmark → the "dbt" key of bench/results/marts.json.

Figures (issue: marts):
- full `dbt build` (every model and test) over 30 days × ~200,000 events/day and
  ~20,000 mentions/day (3 tenants): wall time and peak memory of the dbt process;
- incremental rebuild of one day (`dbt build` with the window of the last day) as
  a ratio of the full build time (target ≤ 0.20);
- for scale, the same build over an empty window (a day after the data): what dbt costs
  for this project's nodes before any data is read.

The raw data goes straight into a temporary DuckDB file (`ingestion.demo.transform_seed`),
so the figures are dbt's alone. Run: `.venv/bin/python bench/marts_bench.py [--days 30]
[--events-per-day 200000] [--mentions-per-day 20000]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from warehouse.dbt_window import window_environment

RESULTS = Path(__file__).parent / "results" / "marts.json"
PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
TENANTS = ("acme", "globex", "initech")
FIRST_DAY = date(2026, 1, 5)  # a Monday
# Per-tenant demo knobs that give ~85k events and ~10.7k mentions per day for 3 tenants
# at 3,000 visitors / 3,600 mentions; scaled linearly to the requested volume.
EVENTS_PER_3000_VISITORS = 77_000  # measured over 30 days incl. weekends
POSTS_PER_3600_MENTIONS = 10_700

# Runs dbt in a child process and reports its wall time and peak memory (VmHWM: the
# child's own high-water mark, unlike ru_maxrss which Linux carries over fork+exec).
_CHILD = """
import json, sys, time
from dbt.cli.main import dbtRunner
started = time.perf_counter()
result = dbtRunner().invoke(sys.argv[1:])
seconds = time.perf_counter() - started
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))
print(json.dumps({"ok": bool(result.success), "seconds": seconds, "peak_mib": hwm / 1024}))
"""

console = Console()


def run_dbt(path: Path, target: Path, *args: str, window: dict[str, str] | None = None) -> dict:
    """`dbt <args>` on the DuckDB file `path` in a child process (with the partition
    `window` in its environment, as Dagster passes it); its seconds and peak MiB."""
    command = [sys.executable, "-c", _CHILD, *args, "--project-dir", str(PROJECT_DIR),
               "--profiles-dir", str(PROJECT_DIR), "--target-path", str(target),
               "--log-path", str(target / "logs"), "--quiet"]
    env = {**os.environ, "SIGHTLINE_DUCKDB_PATH": str(path), **(window or {})}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"dbt {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if not figures["ok"]:
        raise SystemExit(f"dbt {' '.join(args)} reported failures:\n{done.stdout}")
    total, slowest = node_times(target / "run_results.json")
    return {**figures, "slowest_nodes_seconds": slowest, "nodes_total_seconds": total}


def node_times(run_results: Path, limit: int = 12) -> tuple[float, dict[str, float]]:
    """Seconds spent inside models and tests (the rest of a run is dbt's own start-up),
    and the `limit` slowest of them, from the last run's run_results.json."""
    results = json.loads(run_results.read_text())["results"] if run_results.exists() else []
    timed = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:limit]
    return (sum(r["execution_time"] for r in results),
            {r["unique_id"].split(".", 2)[-1]: round(r["execution_time"], 2) for r in timed})


def seed(path: Path, days: int, events_per_day: int, mentions_per_day: int) -> dict:
    """Demo raw data for `days` days at the requested volume; returns what was written."""
    import duckdb

    from ingestion.demo import DemoConfig
    from ingestion.demo.transform_seed import seed_demo_days
    from ingestion.sentiment import default_scorer

    last = FIRST_DAY + timedelta(days=days - 1)
    config = DemoConfig.for_window(
        FIRST_DAY, last,
        new_visitors_per_day=round(3000 * events_per_day / EVENTS_PER_3000_VISITORS),
        mentions_per_day=round(3600 * mentions_per_day / POSTS_PER_3600_MENTIONS))
    with Progress(console=console) as progress:
        task = progress.add_task("generating + scoring demo days", total=days)
        seed_demo_days(path, FIRST_DAY, last, TENANTS, default_scorer(), config,
                       on_day=lambda _: progress.advance(task))
    with duckdb.connect(str(path), read_only=True) as con:
        events = con.execute("SELECT count(*) FROM raw.raw_events").fetchall()[0][0]
        mentions = con.execute("SELECT count(*) FROM raw.raw_social_mentions").fetchall()[0][0]
    return {"days": days, "events": events, "mentions": mentions,
            "events_per_day": round(events / days), "mentions_per_day": round(mentions / days)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--events-per-day", type=int, default=200_000)
    parser.add_argument("--mentions-per-day", type=int, default=20_000)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="sightline-marts-bench-"))
    path, target = folder / "transform.duckdb", folder / "target"
    data = seed(path, args.days, args.events_per_day, args.mentions_per_day)
    console.print(f"data: {data}")

    run_dbt(path, target, "parse")  # parse once so both builds reuse the partial parse
    console.print("full dbt build …")
    full = run_dbt(path, target, "build")
    console.print(f"full build: {full['seconds']:.1f}s, peak {full['peak_mib']:.0f} MiB")
    last = FIRST_DAY + timedelta(days=args.days - 1)
    console.print(f"incremental rebuild of {last} …")
    one_day = run_dbt(path, target, "build",
                      window=window_environment(last, last + timedelta(days=1)))
    ratio = one_day["seconds"] / full["seconds"]
    console.print(f"one-day rebuild: {one_day['seconds']:.1f}s = {ratio:.2f} of the full build")
    empty_day = last + timedelta(days=400)
    empty = run_dbt(path, target, "build",
                    window=window_environment(empty_day, empty_day + timedelta(days=1)))
    console.print(f"empty-window build: {empty['seconds']:.1f}s")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["dbt"] = {
        "data": data,
        "full_build_seconds": round(full["seconds"], 2),
        "full_build_peak_mib": round(full["peak_mib"]),
        "one_day_rebuild_seconds": round(one_day["seconds"], 2),
        "one_day_rebuild_peak_mib": round(one_day["peak_mib"]),
        "one_day_to_full_ratio": round(ratio, 3),
        "empty_window_build_seconds": round(empty["seconds"], 2),
        "empty_window_to_full_ratio": round(empty["seconds"] / full["seconds"], 3),
        "one_day_nodes_total_seconds": round(one_day["nodes_total_seconds"], 2),
        "one_day_slowest_nodes_seconds": one_day["slowest_nodes_seconds"],
        "full_build_slowest_nodes_seconds": full["slowest_nodes_seconds"],
        "target_ratio": 0.20,
        "meets_target": ratio <= 0.20,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
