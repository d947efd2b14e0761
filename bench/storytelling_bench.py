"""Storytelling benchmark → bench/results/storytelling.json (issue: storytelling).

Over the API bench's store (10,000,000 events / 1,000,000 persons; run bench/api_bench.py
first), in-process through the query runners, in one run:
- a brief and a standard narrative (CEO, text) for the week 2026-03-23..29 against the
  week before: cold (right after a new version of raw_events is published, so every
  question is computed; target ≤ 2 s) and warm (the same again; target ≤ 200 ms);
- driver analysis of the week's change in signups over 5 breakdowns (utm_source,
  country, device, url, referrer): the 5 breakdown questions, cold, plus Adtributor
  (target ≤ 1 s).
The store is larger than the demo's (the issue's figures name the demo data): these are
upper bounds for it.

Run: `.venv/bin/python bench/storytelling_bench.py [--runs 5]` (~1 minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from datetime import date
from pathlib import Path

from api_bench import TENANT, bench_context, machine
from dashboards_bench import publish
from rich.console import Console

RESULTS = Path(__file__).parent / "results" / "storytelling.json"
WEEK = (date(2026, 3, 23), date(2026, 3, 29))
DIMENSIONS = ("utm_source", "country", "device", "url", "referrer")
console = Console()


async def narrative(context, length: str) -> float:
    from api.storytelling.claims import ClaimBook
    from api.storytelling.facts import gather_facts
    from api.storytelling.insights import find_insights
    from api.storytelling.narrative import Request, write

    started = time.perf_counter()
    facts = await gather_facts(context, TENANT, *WEEK)
    book = ClaimBook()
    write(Request(*WEEK, "CEO", "formal", "text", length), find_insights(facts, book), book)
    return time.perf_counter() - started


async def driver_analysis(context) -> tuple[float, str]:
    from api.analytics.trends import TRENDS
    from api.storytelling.detectors.drivers import drivers

    started = time.perf_counter()
    answers = await asyncio.gather(*(TRENDS.run(context, TENANT, {
        "series": [{"event": "signup"}], "date_from": WEEK[0].isoformat(),
        "date_to": WEEK[1].isoformat(), "compare": True, "breakdown": dimension,
        "breakdown_limit": 25}) for dimension in DIMENSIONS))
    dimensions = {}
    for dimension, answer in zip(DIMENSIONS, answers, strict=True):
        cells: dict[str, list[float]] = {}
        for result in answer.data["results"]:
            pair = cells.setdefault(result["breakdown_value"], [0.0, 0.0])
            pair[0 if result["compare"] == "previous" else 1] += sum(result["data"])
        dimensions[dimension] = {k: (v[0], v[1]) for k, v in cells.items() if k != "Other"}
    found = drivers(dimensions)
    took = time.perf_counter() - started
    return took, found[0].dimension if found else "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/sightline-apibench"))
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]

    async def measure() -> dict:
        settings, context, data = bench_context(args.home, args.redis_db, 10_000_000,
                                                1_000_000)
        try:
            figures: dict = {"data": {k: data[k] for k in ("events", "persons")}}
            for length in ("brief", "standard"):
                cold, warm = [], []
                for _ in range(args.runs):
                    publish(context, settings)
                    cold.append(await narrative(context, length))
                    warm.append(await narrative(context, length))
                figures[f"{length}_narrative"] = {
                    "cold_p50_s": round(statistics.median(cold), 3),
                    "warm_p50_ms": round(statistics.median(warm) * 1000, 1),
                    "target_cold_s_max": 2.0, "target_warm_ms_max": 200.0,
                    "meets_target": statistics.median(cold) <= 2.0
                    and statistics.median(warm) <= 0.2}
            runs = []
            for _ in range(args.runs):
                publish(context, settings)
                runs.append(await driver_analysis(context))
            seconds = statistics.median(t for t, _ in runs)
            figures["driver_analysis"] = {
                "dimensions": list(DIMENSIONS), "p50_s": round(seconds, 3),
                "top_dimension": runs[0][1], "target_s_max": 1.0,
                "meets_target": seconds <= 1.0}
            return figures
        finally:
            await context.aclose()

    results = asyncio.run(measure())
    results["machine"] = machine(load_at_start)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.write_text(json.dumps({"storytelling": results}, indent=2) + "\n")
    console.print_json(json.dumps(results))


if __name__ == "__main__":
    main()
