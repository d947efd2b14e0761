"""Ingest benchmark → bench/results/ingest.json.

Figures (issue: foundation):
- our product-event path — generate, validate and write one day's partition (stage +
  REPLACE PARTITION) — in events/s, and as a ratio to a bare `insert_arrow` of the same
  Arrow table into a table of the same schema, measured in the same run;
- peak RSS of ingesting a 5,000,000-event day in batches, in a child process.

Run: `.venv/bin/python bench/ingest_bench.py [--events 1000000] [--big-events 5000000]`.
It uses its own temporary SIGHTLINE_HOME, never the project's.
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
from datetime import date
from pathlib import Path

from timing import best_of  # bench/ is sys.path[0] when run as a script

DAY = date(2026, 1, 7)  # a Wednesday
BIG_DAY_BATCH = 100_000  # rows per insert when streaming the big day
RESULTS = Path(__file__).parent / "results" / "ingest.json"


def _setup_home() -> None:
    home = tempfile.mkdtemp(prefix="sightline-bench-")
    os.environ["SIGHTLINE_HOME"] = home
    os.environ.pop("SIGHTLINE_CLICKHOUSE_URL", None)


def _visitors(events: int) -> int:
    """New visitors that make about `events` events on DAY (calibrated on a sample)."""
    from ingestion.demo import DemoConfig, iter_event_batches

    sample = 20_000
    made = sum(b.num_rows for b in iter_event_batches("acme", DAY, DemoConfig(), sample))
    return max(1, round(events * sample / made))


def throughput(events: int, runs: int) -> dict:
    """Our path vs a bare insert_arrow of the same table, in this process."""
    import pyarrow as pa

    from ingestion.demo import DemoConfig, iter_event_batches
    from warehouse.clickhouse import open_clickhouse
    from warehouse.migrate import migrate
    from warehouse.partition_writer import write_partition
    from warehouse.settings import load_settings

    config = DemoConfig()
    visitors = _visitors(events)

    def batches():
        return iter_event_batches("acme", DAY, config, visitors, batch_size=250_000)

    table = pa.concat_tables(list(batches()))
    with open_clickhouse(load_settings(), purpose="bench") as client:
        migrate(client)
        client.command("DROP TABLE IF EXISTS bench_bare")
        client.command("CREATE TABLE bench_bare AS raw_events")

        def bare() -> None:
            client.command("TRUNCATE TABLE bench_bare")
            client.insert_arrow("bench_bare", table)

        def ours() -> None:
            write_partition(client, "raw_events", "demo", DAY, ["acme"], batches())

        bare_s = best_of(runs, bare)
        ours_s = best_of(runs, ours)
        generate_s = best_of(runs, lambda: sum(b.num_rows for b in batches()))
        stored = client.query("SELECT count() FROM raw_events").result_rows[0][0]
    assert stored == table.num_rows, (stored, table.num_rows)
    return {
        "events": table.num_rows,
        "runs": runs,
        "bare_insert_arrow_seconds": round(bare_s, 3),
        "bare_insert_arrow_events_per_s": round(table.num_rows / bare_s),
        "our_path_seconds": round(ours_s, 3),
        "our_path_events_per_s": round(table.num_rows / ours_s),
        "generation_only_events_per_s": round(table.num_rows / generate_s),
        "ratio_ours_to_bare": round(bare_s / ours_s, 3),
    }


def big_day_child(events: int) -> None:
    """Child process: ingest one big day in batches, print rows and peak RSS as JSON."""
    from ingestion.demo import DemoConfig, iter_event_batches
    from warehouse.clickhouse import open_clickhouse
    from warehouse.migrate import migrate
    from warehouse.partition_writer import write_partition
    from warehouse.settings import load_settings

    started = time.perf_counter()
    with open_clickhouse(load_settings(), purpose="bench big day") as client:
        migrate(client)
        batches = iter_event_batches("acme", DAY, DemoConfig(), _visitors(events),
                                     batch_size=BIG_DAY_BATCH)
        write = write_partition(client, "raw_events", "demo", DAY, ["acme"], batches)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec from the parent, which
    # would report the parent's peak; the high-water mark belongs to this address space.
    status = Path("/proc/self/status").read_text()
    peak_kib = int(status.split("VmHWM:")[1].split()[0])
    print(json.dumps({"events": write.rows, "seconds": round(time.perf_counter() - started, 2),
                      "peak_rss_mib": round(peak_kib / 1024, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--big-events", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child-big-day", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_big_day:
        big_day_child(args.child_big_day)
        return
    from rich.console import Console

    console = Console()
    _setup_home()
    with console.status(f"throughput: {args.events:,} events, best of {args.runs}…"):
        speed = throughput(args.events, args.runs)
    console.print(speed)
    _setup_home()  # a fresh store for the child (chDB binds one path per process)
    with console.status(f"peak memory: one {args.big_events:,}-event day in a child process…"):
        child = subprocess.run(
            [sys.executable, __file__, "--child-big-day", str(args.big_events)],
            capture_output=True, text=True, check=True, env=os.environ,
            cwd=Path(__file__).parents[1])
    memory = json.loads(child.stdout.strip().splitlines()[-1])
    console.print(memory)
    result = {
        "benchmark": "ingest",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "throughput": speed,
        "big_day": memory,
        "targets": {
            "our_path_events_per_s >= 500000": speed["our_path_events_per_s"] >= 500_000,
            "ratio_ours_to_bare >= 0.5": speed["ratio_ours_to_bare"] >= 0.5,
            "big_day_peak_rss_mib <= 2048": memory["peak_rss_mib"] <= 2048,
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parents[1]))
    main()
