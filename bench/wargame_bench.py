"""Wargame benchmark → bench/results/wargame.json.

Figures, on the "Price War Response" template (5 competitors) at depth 3:
- `simulate()` on 1,000,000 paths, end to end (tree, path payoffs, sampling with shocks,
  statistics, recommendations), best of `--runs` after a warm-up, in paths/s;
- the reference per-simulation Python loop (simulations/reference.py) on 10,000 paths in
  the same run, and the ratio of the two rates;
- agreement: the exact expectation (tree walk) against both Monte Carlo means;
- peak memory of a child process running the 1,000,000-path simulation (its own VmHWM:
  ru_maxrss would carry the parent's peak over fork+exec), of an idle child with numpy
  imported, and the tracemalloc peak of the simulate() call (numpy reports its buffers).

Run: `.venv/bin/python bench/wargame_bench.py [--simulations 1000000]
[--reference-simulations 10000] [--runs 3]`. Wall-clock figures: other load on the machine
lowers them (the 1-minute load average at the start is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from timing import best_of  # bench/ is sys.path[0] when run as a script

ROOT = Path(__file__).parents[1]
RESULTS = Path(__file__).parent / "results" / "wargame.json"
TEMPLATE = "Price War Response"
DEPTH = 3
SEED = 7
TARGET_SECONDS = 2.0
TARGET_PEAK_MIB = 1024

# Child processes report their own high-water mark (VmHWM, kB) from /proc/self/status.
_HWM = (
    "def hwm_mib():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            return int(line.split()[1]) / 1024\n"
)
_REPORT = "import json; print(json.dumps({'rss_mib': hwm_mib()}))\n"
IDLE_CHILD = "import numpy\n" + _HWM + _REPORT
IDLE_ENGINE_CHILD = "import numpy, simulations\n" + _HWM + _REPORT
RUN_CHILD = (
    _HWM
    + """
import json, sys, tracemalloc
from simulations import SimulationConfig, get_template, simulate
scenario = get_template(sys.argv[1])
depth, simulations, seed = map(int, sys.argv[2:5])
config = SimulationConfig(depth=depth, simulations=simulations, seed=seed)
simulate(scenario, config)
peak_rss = hwm_mib()
tracemalloc.start()
simulate(scenario, config)
traced = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
print(json.dumps({"rss_mib": peak_rss, "tracemalloc_peak_mib": traced}))
"""
)


def child(code: str, *args: object) -> dict:
    """Run `code` in a fresh interpreter at the repo root; return its JSON line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def reference_run(scenario, simulations: int, progress):
    """The reference loop on `simulations` paths, in 1,000-path batches (seeds SEED + i)
    so progress shows; returns (mean, standard error, seconds)."""
    import math

    from simulations import SimulationConfig
    from simulations.reference import simulate_reference

    task = progress.add_task("reference loop (1 core)", total=simulations)
    profits: list[float] = []
    seconds = 0.0
    for i, start in enumerate(range(0, simulations, 1_000)):
        n = min(1_000, simulations - start)
        config = SimulationConfig(depth=DEPTH, simulations=max(n, 100), seed=SEED + i)
        started = time.perf_counter()
        run = simulate_reference(scenario, config)
        seconds += time.perf_counter() - started
        profits += run.outcomes["profit_change"][:n]
        progress.advance(task, n)
    mean = math.fsum(profits) / len(profits)
    variance = math.fsum((p - mean) ** 2 for p in profits) / (len(profits) - 1)
    return mean, math.sqrt(variance / len(profits)), seconds


def breakdown(scenario, config) -> dict[str, float]:
    """Seconds of each stage of one simulate() call."""
    import numpy as np

    from simulations.monte_carlo import run_tree, sample_paths
    from simulations.results import summarize

    started = time.perf_counter()
    tree, payoffs = run_tree(scenario, config)
    built = time.perf_counter()
    samples = sample_paths(
        tree.leaf_probability, payoffs, scenario.assumptions, config.simulations,
        np.random.default_rng(config.seed), chunk_size=config.chunk_size,
    )  # fmt: skip
    sampled = time.perf_counter()
    summarize(tree, payoffs, samples, config)
    done = time.perf_counter()
    return {
        "tree_and_path_payoffs": round(built - started, 4),
        "sampling": round(sampled - built, 4),
        "statistics_and_recommendations": round(done - sampled, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulations", type=int, default=1_000_000)
    parser.add_argument("--reference-simulations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress, TimeElapsedColumn

    from simulations import SimulationConfig, get_template, simulate

    console = Console()
    load_1m = os.getloadavg()[0]
    scenario = get_template(TEMPLATE)
    config = SimulationConfig(depth=DEPTH, simulations=args.simulations, seed=SEED)

    with console.status("warm-up (imports, first allocations)…"):
        simulate(scenario, config.model_copy(update={"simulations": 10_000}))
    with console.status(f"simulate(): {args.simulations:,} paths, best of {args.runs}…"):
        ours_s = best_of(args.runs, lambda: simulate(scenario, config))
        result = simulate(scenario, config)
        stages = breakdown(scenario, config)
    console.print(f"simulate(): {args.simulations / ours_s:,.0f} paths/s ({ours_s:.3f} s)")

    columns = (*Progress.get_default_columns()[:3], MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        ref_mean, ref_se, reference_s = reference_run(
            scenario, args.reference_simulations, progress
        )
    console.print(f"reference loop: {args.reference_simulations / reference_s:,.0f} paths/s")

    with console.status("peak memory in child processes…"):
        idle = child(IDLE_CHILD)
        idle_engine = child(IDLE_ENGINE_CHILD)
        run = child(RUN_CHILD, TEMPLATE, DEPTH, args.simulations, SEED)

    summary = result.summary
    our_rate = args.simulations / ours_s
    reference_rate = args.reference_simulations / reference_s
    exact = summary.exact_expected_profit_impact
    figures = {
        "scenario": TEMPLATE,
        "depth": DEPTH,
        "competitors": len(scenario.competitors),
        "node_count": summary.node_count,
        "path_count": summary.path_count,
        "simulations": args.simulations,
        "seconds": round(ours_s, 4),
        "paths_per_s": round(our_rate),
        "target_seconds": TARGET_SECONDS,
        "meets_time_target": ours_s <= TARGET_SECONDS,
        "stage_seconds": stages,
        "reference": {
            "simulations": args.reference_simulations,
            "seconds": round(reference_s, 3),
            "paths_per_s": round(reference_rate),
        },
        "speedup_vs_reference": round(our_rate / reference_rate, 1),
        "agreement": {
            "exact_expected_profit_impact": round(exact, 2),
            "monte_carlo_mean": round(summary.expected_profit_impact, 2),
            "monte_carlo_se": round(summary.expected_profit_impact_se, 2),
            "reference_mean": round(ref_mean, 2),
            "reference_se": round(ref_se, 2),
            "reference_z": round((ref_mean - exact) / ref_se, 2),
            "monte_carlo_z": round(
                (summary.expected_profit_impact - exact) / summary.expected_profit_impact_se, 2
            ),
        },
        "memory": {
            "peak_rss_mib": round(run["rss_mib"], 1),
            "idle_numpy_rss_mib": round(idle["rss_mib"], 1),
            "idle_numpy_and_engine_rss_mib": round(idle_engine["rss_mib"], 1),
            "peak_above_idle_engine_mib": round(run["rss_mib"] - idle_engine["rss_mib"], 1),
            "tracemalloc_peak_mib": round(run["tracemalloc_peak_mib"], 1),
            "target_peak_mib": TARGET_PEAK_MIB,
            "meets_memory_target": run["rss_mib"] <= TARGET_PEAK_MIB,
        },
        "runs": args.runs,
        "cpu_count": os.cpu_count(),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1m_at_start": round(load_1m, 2),
        },
    }
    console.print(figures)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    console.print(f"wrote {RESULTS}")
    if not (figures["meets_time_target"] and figures["memory"]["meets_memory_target"]):
        console.print("[red]a target is not met[/red]")
        sys.exit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
