"""Edge benchmark → the "edge" key of bench/results/api.json (issue: API core).

One `sightline serve` process over the API bench's data (tenant `bench`, 10M events; run
bench/api_bench.py first), then, in order:
- hostile inputs: the requests that once answered 5xx or ballooned the server (10^400
  values, huge windows and offsets, year-1 dates, the 94 MiB trends question), each sent
  `--repeat` times: every answer must be 4xx problem+json;
- large answers: the largest trends questions under the caps (10 series × a 25-value url
  breakdown × hourly × compare), each with a fresh cache key, so every one is computed
  and cached (the in-process cache is bounded by bytes);
- schemathesis: at least `--cases` generated requests over every operation of the live
  OpenAPI schema: no 5xx, every 4xx problem+json.
The server's peak resident memory (VmHWM in /proc/<pid>/status, the kernel's high-water
mark) is read after each phase; the target is under 1 GiB throughout.

Run: `.venv/bin/python bench/edge_bench.py [--cases 5000]` (~10 minutes).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress

RESULTS = Path(__file__).parent / "results" / "api.json"
ROOT = Path(__file__).parents[1]
TENANT = "bench"
GIB = 1 << 30
HUGE = 10**400
TRENDS = {"series": [{"event": "visit"}], "date_from": "2026-03-09", "date_to": "2026-03-15"}
FUNNEL = {"steps": ["visit", "signup"], "date_from": "2026-03-09", "date_to": "2026-03-15"}
HOSTILE = [  # (method, path, JSON body or None)
    ("POST", "/v1/analytics/trends",
     {**TRENDS, "filters": [{"property": "revenue", "operator": "gt", "value": HUGE}]}),
    ("POST", "/v1/analytics/trends", {**TRENDS, "series": [{"event": "visit"}, {"event": "x"}],
                                      "formula": "A+" + "9" * 400}),
    ("POST", "/v1/analytics/funnels", {**FUNNEL, "window": HUGE, "window_unit": "second"}),
    ("GET", f"/v1/wargaming/history?offset={10**20}", None),
    ("POST", "/v1/wargaming/simulate", {"scenario_id": 10**20}),
    ("POST", "/v1/social/analyze", {"company": "Acme", "end": "0001-01-01"}),
    ("GET", "/v1/wargaming/results?as_of=2026-13-45", None),
    ("POST", "/v1/analytics/trends", {**TRENDS, "date_from": "1970-01-01",
                                      "date_to": "2100-12-31"}),
    ("POST", "/v1/analytics/trends", {"series": [{"event": f"e{i}"} for i in range(20)],
                                      "breakdown": "url", "date_from": "2026-01-01",
                                      "date_to": "2026-03-24", "interval": "hour",
                                      "compare": True}),
]
console = Console()


def peak_rss_bytes(pid: int) -> int:
    """The process's resident-memory high-water mark (VmHWM)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """`sightline serve` on `port` (its output into `log`), once it answers."""
    process = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "serve"], cwd=ROOT,
                               env={**env, "SIGHTLINE_API_PORT": str(port)},
                               stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=2)
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the API did not start: is the API bench's home there? run "
                                 "bench/api_bench.py first") from None
            time.sleep(0.5)


def is_problem(response: httpx.Response | object) -> bool:
    """A 4xx answer in problem+json whose 422s name every bad field."""
    ctype = response.headers.get("content-type")
    ctype = ctype[0] if isinstance(ctype, list) else ctype
    if ctype != "application/problem+json":
        return False
    errors = response.json().get("errors") or []
    return response.status_code != 422 or all(e.get("field") for e in errors)


def hostile_phase(http: httpx.Client, repeat: int) -> dict:
    statuses: dict[str, int] = {}
    bad: list[str] = []
    for _ in range(repeat):
        for method, path, body in HOSTILE:
            content = None if body is None else json.dumps(body)
            answer = http.request(method, path, content=content,
                                  headers={"Content-Type": "application/json"})
            statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
            if not (400 <= answer.status_code < 500 and is_problem(answer)):
                bad.append(f"{method} {path}: {answer.status_code} {answer.text[:120]}")
    return {"requests": repeat * len(HOSTILE), "statuses": statuses, "not_4xx_problem": bad}


def large_answers_phase(http: httpx.Client, count: int) -> dict:
    sizes, statuses = [], {}
    for i in range(count):
        body = {"series": [{"event": e} for e in ("visit", "signup", "activate", "purchase",
                                                   "pageview", "click", "scroll", "search",
                                                   "add_to_cart", "share")],
                "breakdown": "url", "breakdown_limit": 25, "interval": "hour",
                "date_from": "2026-03-09", "date_to": f"2026-03-{15 + i % 7}",
                "compare": True, "filters": [{"property": "url", "operator": "neq",
                                              "value": f"/never-{i}"}]}
        answer = http.post("/v1/analytics/trends", json=body, timeout=300)
        statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
        sizes.append(len(answer.content))
    return {"requests": count, "statuses": statuses, "largest_answer_bytes": max(sizes),
            "total_answer_bytes": sum(sizes)}


def exercise(operation, examples: int, headers: dict, statuses: dict[str, int],
             failures: list[str], advance) -> None:
    """Send `examples` generated cases of one operation; count statuses, note failures."""
    from hypothesis import HealthCheck, Phase, given, settings

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        response = case.call(headers=headers, timeout=120)
        code = response.status_code
        statuses[str(code)] = statuses.get(str(code), 0) + 1
        advance()
        if code >= 500:
            failures.append(f"{operation.label}: {code} {response.text[:200]}")
        elif code >= 400 and code != 404 and not is_problem(response):
            failures.append(f"{operation.label}: {code} not problem+json naming fields: "
                            f"{response.text[:200]}")

    run()


def schemathesis_phase(base_url: str, key: str, cases: int, server_pid: int) -> dict:
    """Generated cases over every operation; which operations raised the server's peak
    resident memory (VmHWM), and by how much."""
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    per_operation = math.ceil(cases / len(operations))
    headers = {"Authorization": f"Bearer {key}"}
    statuses: dict[str, int] = {}
    failures: list[str] = []
    peak_raised: dict[str, int] = {}
    with Progress(console=console) as progress:
        task = progress.add_task("schemathesis", total=per_operation * len(operations))
        rounds = 0
        # Operations with few distinct inputs yield fewer cases than asked: go round again.
        while sum(statuses.values()) < cases and rounds < 5:
            rounds += 1
            for operation in operations:
                before = peak_rss_bytes(server_pid)
                exercise(operation, per_operation, headers, statuses, failures,
                         lambda: progress.advance(task))
                raised = peak_rss_bytes(server_pid) - before
                if raised > 0:
                    label = f"{operation.method.upper()} {operation.path}"
                    peak_raised[label] = peak_raised.get(label, 0) + raised
    total = sum(statuses.values())
    return {"operations": len(operations), "examples_per_operation": per_operation,
            "rounds": rounds,
            "cases": total, "statuses": dict(sorted(statuses.items())),
            "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
            "failures": failures[:50],
            "peak_rss_raised_mib_by_operation": {
                label: round(raised / 2**20, 1) for label, raised in
                sorted(peak_raised.items(), key=lambda item: -item[1])}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/sightline-apibench"))
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20, help="rounds of hostile inputs")
    parser.add_argument("--large", type=int, default=20, help="large-answer requests")
    parser.add_argument("--server-log", type=Path, default=Path("/tmp/sightline-edge-server.log"),
                        help="where the server's output goes (a 5xx's reference is there)")
    args = parser.parse_args()
    import redis

    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    redis.Redis.from_url(redis_url).flushdb()
    env = {**os.environ, "SIGHTLINE_HOME": str(args.home), "SIGHTLINE_REDIS_URL": redis_url,
           "SIGHTLINE_API_RATE_LIMIT": "1000000000", "SIGHTLINE_API_AUTH_FAILURES": "1000000000",
           "DAGSTER_HOME": str(args.home / "dg")}
    created = subprocess.run([sys.executable, "-m", "orchestration.cli", "keys", "create",
                              "--tenant", TENANT, "--scope", "read", "--scope", "ingest"],
                             env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    key = re.search(r"sl_\S+", created.stdout).group(0)
    server = start_server(env, args.port, args.server_log)
    base_url = f"http://127.0.0.1:{args.port}"
    peaks: dict[str, int] = {"started": peak_rss_bytes(server.pid)}
    started = time.monotonic()
    try:
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"},
                          timeout=120) as http:
            console.print(f"hostile inputs × {args.repeat} …")
            hostile = hostile_phase(http, args.repeat)
            peaks["after_hostile_inputs"] = peak_rss_bytes(server.pid)
            console.print(f"large answers × {args.large} …")
            large = large_answers_phase(http, args.large)
            peaks["after_large_answers"] = peak_rss_bytes(server.pid)
        console.print(f"schemathesis, ≥ {args.cases} cases …")
        fuzz = schemathesis_phase(base_url, key, args.cases, server.pid)
        peaks["after_schemathesis"] = peak_rss_bytes(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    peak = max(peaks.values())
    results = {
        "server": "sightline serve (uvicorn, one process) over the API bench's home",
        "server_log": str(args.server_log),
        "hostile_inputs": hostile,
        "large_answers": large,
        "schemathesis": fuzz,
        "peak_rss_bytes_after_each_phase": peaks,
        "peak_rss_mib": round(peak / (1 << 20), 1),
        "targets": {"schemathesis_cases_min": args.cases, "server_errors": 0,
                    "peak_rss_max_bytes": GIB},
        "targets_met": {"no_5xx": fuzz["server_errors"] == 0 and not hostile["not_4xx_problem"],
                        "cases": fuzz["cases"] >= args.cases,
                        # the figure: through the hostile inputs and large answers
                        "rss_under_1_gib_hostile_and_large":
                            peaks["after_large_answers"] < GIB,
                        # also through the generated cases (heavier questions, e.g.
                        # retention over every person)
                        "rss_under_1_gib": peak < GIB},
        "group_by_spill_bytes": int(os.environ.get("SIGHTLINE_API_QUERY_GROUP_BY_SPILL_BYTES")
                                    or 0),
        "seconds": round(time.monotonic() - started, 1),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    console.print(f"cases {fuzz['cases']}, 5xx {fuzz['server_errors']}, hostile not-4xx "
                  f"{len(hostile['not_4xx_problem'])}, peak RSS {results['peak_rss_mib']} MiB")
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored["edge"] = results
    RESULTS.write_text(json.dumps(stored, indent=2) + "\n")
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
