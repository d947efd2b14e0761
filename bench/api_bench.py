"""API benchmark → the "api" key of bench/results/api.json.

Figures (issue: API), all in one run of one server process:
- cached `POST /v1/analytics/trends` (dau, daily, 30 days; every measured request a cache
  hit): requests/s and p50/p99 latency under a closed-loop load (bench/loadgen.py, a
  wrk stand-in), and the requests/s ratio to a bare FastAPI route of the same app that
  returns the same bytes (no auth, no cache) under the same load (target ≥ 0.6). Repeats
  are answered by the hot path (api/hot_path.py); rounds with it switched off ("routed")
  are measured too and reported beside it;
- uncached ad-hoc funnel (4 steps, ordered, 7-day window, 7 entry days) over 10,000,000
  events / 1,000,000 persons: HTTP p50, and its ratio to ClickHouse's own `windowFunnel`
  for the same steps, run directly in the same process (target ≤ 1.0);
- uncached daily trend (dau of every event, 30 days) over the same events: HTTP p50
  (target ≤ 200 ms). It is served by the daily actives rollup, which the bench refreshes
  for every day after generating the data, as the partition writer does after each write
  (its cost per day is recorded); the raw-events path is timed beside it and checked to
  give the same numbers.
Each uncached request differs from the others only in `breakdown_limit`, which a query
without a breakdown ignores: a fresh cache key, the same work. Where the time goes
(ClickHouse vs Python engine vs JSON vs HTTP/cache machinery) is measured by calling the
services directly, with a cProfile of the Python part, and written beside the figures.

The data (tenant `bench`) is generated inside chDB with one INSERT ... SELECT FROM numbers()
of deterministic expressions under a private SIGHTLINE_HOME (default /tmp/sightline-apibench)
and reused when it is already there (first run: about a minute). The private Redis db
(--redis-db, 14) is flushed at the start. When the cached ratio misses its target (or with
--always-profile) the cached path is broken down too: Redis/auth/validation pieces timed
in the server loop, and a cProfile of the loop under load next to one of the bare route.

Run: `.venv/bin/python bench/api_bench.py [--events 10000000] [--persons 1000000]
[--connections 8] [--workers 2] [--duration 10] [--rounds 2] [--runs 15]` (~4 minutes).
The 50M-event tier: `--events 50000000 --persons 5000000 --home /tmp/sightline-apibench-50m
--result-key api_50m` (~10 minutes, most of it generating). Other keys of api.json are
kept; `tiers` sets the uncached figures of every measured tier side by side.
Wall-clock figures: other load on the machine lowers them (the 1-minute load average at
the start and at each phase is recorded).
"""

from __future__ import annotations

import argparse
import calendar
import cProfile
import http.client
import io
import json
import math
import os
import platform
import pstats
import socket
import statistics
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from loadgen import http_request, percentile, run_load  # bench/ is sys.path[0] when run as a script
from rich.console import Console
from rich.progress import Progress

RESULTS = Path(__file__).parent / "results" / "api.json"
TENANT = "bench"
FIRST_DAY = date(2026, 3, 2)  # a Monday; 30 days of events to 2026-03-31
DAYS = 30
FUNNEL_STEPS = ("visit", "signup", "activate", "purchase")
FUNNEL_FROM, FUNNEL_TO = date(2026, 3, 9), date(2026, 3, 15)  # one week of entry days
FUNNEL_WINDOW_DAYS = 7
# Share of the persons reaching each funnel step for the first time (of everyone), and the
# extra (repeat) visits per person; every other event is spread over the other names.
STEP_SHARES = (1.0, 0.40, 0.20, 0.08)
REPEAT_VISITS_PER_PERSON = 0.5
# Upper bound of the delay before each later step (uniform), in days: some conversions
# fall outside the 7-day window.
STEP_DELAY_DAYS = (2, 3, 4)
OTHER_EVENTS = (("pageview", 50), ("click", 20), ("scroll", 10), ("search", 8),
                ("add_to_cart", 5), ("share", 3), ("logout", 4))
TARGET_CACHED_RATIO = 1.0  # issue: API core
TARGET_FUNNEL_RATIO = 1.0
TARGET_TREND_P50_MS = 200.0
UNCACHED_SALT = 200  # uncached requests use breakdown_limit UNCACHED_SALT + i (≤ 500)

console = Console()


# --- environment and data ----------------------------------------------------------------


def configure_environment(home: Path, redis_db: int) -> None:
    """Point Sightline at a private home and Redis db, before settings are loaded."""
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update({
        "SIGHTLINE_HOME": str(home),
        "SIGHTLINE_REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "SIGHTLINE_DATABASE_URL": f"sqlite:///{home / 'app.db'}",
        "DAGSTER_HOME": str(home / "dagster"),
        # The load test sends thousands of requests a second from one tenant.
        "SIGHTLINE_API_RATE_LIMIT": str(10**9),
        "SIGHTLINE_API_CACHE_TTL": "3600",
        # A busy server keeps the embedded store open; don't reopen it between phases.
        "SIGHTLINE_API_STORE_IDLE": "3600",
        "SIGHTLINE_API_STORE_WAIT": "60",
    })
    for name in ("SIGHTLINE_CLICKHOUSE_URL", "SIGHTLINE_CLICKHOUSE_CLUSTER"):
        os.environ.pop(name, None)


def bench_context(home: Path, redis_db: int, events: int, persons: int):
    """(settings, the API's context, data summary) over the bench store: the private home
    and Redis db (flushed), the store migrated and its data generated when missing."""
    configure_environment(home, redis_db)
    import redis

    from api.context import build_context
    from warehouse.migrate import migrate
    from warehouse.settings import load_settings

    settings = load_settings()
    redis.Redis.from_url(settings.redis_url).flushdb()
    context = build_context(settings)
    with context.store.client() as client:  # the API's own store: one chDB per process
        migrate(client)
        data = ensure_data(client, events, persons)
    return settings, context, data


def _ms(day: date) -> int:
    return calendar.timegm(day.timetuple()) * 1000  # UTC midnight, in ms


def _coprime_multiplier(n: int) -> int:
    """A multiplier giving the bijection q -> q*m mod n of [0, n) (a deterministic shuffle)."""
    m = 611_953
    while math.gcd(m, n) != 1:
        m += 2
    return m


def generate_sql(events: int, persons: int) -> str:
    """INSERT ... SELECT FROM numbers(events): deterministic events of tenant `bench`.

    Rows come in stages: each person's first visit, then signup / activate / purchase for
    nested prefixes of a shuffled person order (each after a random delay from the
    previous step), then repeat visits and other events of random persons at random
    times over the 30 days. Timestamps past the last day are clamped to it.
    """
    counts = [round(persons * share) for share in STEP_SHARES]
    counts.append(round(persons * REPEAT_VISITS_PER_PERSON))
    bounds = [sum(counts[: i + 1]) for i in range(len(counts))]
    if bounds[-1] > events:
        raise SystemExit(f"{events} events are too few for {persons} persons' funnels")
    span = DAYS * 86_400_000
    first = _ms(FIRST_DAY)
    m = _coprime_multiplier(persons)
    d1, d2, d3 = (days * 86_400_000 for days in STEP_DELAY_DAYS)
    other, edge = [], 0
    for name, weight in OTHER_EVENTS:
        edge += weight
        other.append(f"r < {edge}, '{name}'")
    other_event = f"multiIf({', '.join(other)}, '{OTHER_EVENTS[-1][0]}')"

    def pick(values: list[str], seed: int, key: str = "p") -> str:
        items = ", ".join(f"'{v}'" for v in values)
        return f"arrayElement([{items}], 1 + cityHash64({key}, {seed}) % {len(values)})"

    b1, b2, b3, b4, b5 = bounds
    return f"""
INSERT INTO raw_events (tenant_id, event_id, event, person_id, session_id, timestamp,
    properties, url, referrer, utm_source, country, device, revenue, source, ingested_at)
SELECT
    '{TENANT}',
    concat('e', toString(n)),
    multiIf(stage = 0, 'visit', stage = 1, 'signup', stage = 2, 'activate',
            stage = 3, 'purchase', stage = 4, 'visit', {other_event}),
    concat('u', toString(p)),
    concat('u', toString(p), '-', toString(intDiv(offset_ms, 1800000))),
    fromUnixTimestamp64Milli(toInt64({first} + offset_ms), 'UTC'),
    map('browser', {pick(['Chrome', 'Safari', 'Firefox', 'Edge'], 21)},
        'plan', {pick(['free', 'pro', 'team'], 22)}),
    concat('https://example.com/', {pick(['', 'pricing', 'docs', 'blog', 'app'], 31, 'n')}),
    {pick(['', 'https://google.com/', 'https://twitter.com/', 'https://duckduckgo.com/'], 23)},
    {pick(['', 'google', 'twitter', 'newsletter', 'linkedin'], 24)},
    {pick(['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'CA'], 25)},
    {pick(['desktop', 'mobile', 'tablet'], 26)},
    if(stage = 3, toNullable(toFloat64(10 + cityHash64(p, 27) % 190)), NULL),
    'bench',
    toDateTime64('2026-04-01 00:00:00', 3, 'UTC')
FROM (
    SELECT
        number AS n,
        multiIf(n < {b1}, 0, n < {b2}, 1, n < {b3}, 2, n < {b4}, 3, n < {b5}, 4, 5) AS stage,
        multiIf(stage = 0, n, stage = 1, n - {b1}, stage = 2, n - {b2}, n - {b3}) AS q,
        if(stage <= 3, (q * {m}) % {persons}, cityHash64(n, 1) % {persons}) AS p,
        cityHash64(p, 11) % {span} AS t0,
        t0 + cityHash64(p, 12) % {d1} AS t1,
        t1 + cityHash64(p, 13) % {d2} AS t2,
        t2 + cityHash64(p, 14) % {d3} AS t3,
        least({span - 1}, multiIf(stage = 0, t0, stage = 1, t1, stage = 2, t2, stage = 3, t3,
                                  cityHash64(n, 2) % {span})) AS offset_ms,
        cityHash64(n, 3) % 100 AS r
    FROM numbers({events})
)
SETTINGS max_partitions_per_insert_block = 1000
"""


def ensure_data(client, events: int, persons: int) -> dict:
    """The bench tenant's events, generated unless exactly this data is already there."""
    def facts() -> dict:
        row = client.query(
            "SELECT count(), uniqExact(person_id), min(timestamp), max(timestamp), "
            "countIf(event IN ('visit', 'signup', 'activate', 'purchase')) "
            f"FROM raw_events WHERE tenant_id = '{TENANT}'").result_rows[0]
        return {"events": int(row[0]), "persons": int(row[1]), "first": str(row[2]),
                "last": str(row[3]), "funnel_events": int(row[4])}

    found = facts()
    if found["events"] == events and found["persons"] == persons:
        data = {**found, "generated": False, "generate_seconds": None}
    else:
        console.print(f"generating {events:,} events / {persons:,} persons in chDB …")
        started = time.perf_counter()
        with Progress(console=console, transient=True) as progress:
            progress.add_task("INSERT … SELECT FROM numbers() + OPTIMIZE FINAL", total=None)
            client.command("TRUNCATE TABLE raw_events")
            client.command(generate_sql(events, persons))
            client.command("OPTIMIZE TABLE raw_events FINAL")
        seconds = time.perf_counter() - started
        data = {**facts(), "generated": True, "generate_seconds": round(seconds, 1)}
    return {**data, "daily_rollups": ensure_rollup(client)}


def ensure_rollup(client) -> dict:
    """Refresh the daily rollups (actives and counts) of every bench day, as the partition
    writer does after each raw_events swap (the generator inserts directly); timed per
    day — the cost the rollups add to writing a day."""
    from warehouse.daily_actives import refresh_daily_actives

    days = [FIRST_DAY + timedelta(days=i) for i in range(DAYS)]
    seconds = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("daily rollups", total=len(days))
        for day in days:
            started = time.perf_counter()
            refresh_daily_actives(client, [TENANT], day)
            seconds.append(time.perf_counter() - started)
            progress.advance(task)
    return {"days": len(days), "refresh_seconds_per_day_p50": round(p50(seconds), 3),
            "refresh_seconds_total": round(sum(seconds), 2)}


# --- the server --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(app):
    """uvicorn serving `app` on a free loopback port in a thread; (server, thread, port)."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("uvicorn did not start")
        time.sleep(0.05)
    return server, thread, port


class Client:
    """Sequential requests from this process (for the uncached figures)."""

    def __init__(self, port: int, key: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict) -> tuple[float, int, dict, bytes]:
        """(seconds, status, headers, body) of one POST. Each request gets a connection
        opened before the clock starts (uvicorn drops keep-alives idle for 5 s)."""
        payload = json.dumps(body).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            conn.connect()
            started = time.perf_counter()
            conn.request("POST", path, payload, self.headers)
            response = conn.getresponse()
            data = response.read()
            seconds = time.perf_counter() - started
        finally:
            conn.close()
        return seconds, response.status, {k.lower(): v for k, v in response.getheaders()}, data


# --- the questions -----------------------------------------------------------------------


def trend_body(salt: int | None = None) -> dict:
    """Daily active persons (any event) over the 30 days."""
    body = {"series": [{"event": "$any", "math": "dau"}], "date_from": FIRST_DAY.isoformat(),
            "date_to": (FIRST_DAY + timedelta(days=DAYS - 1)).isoformat(), "interval": "day"}
    if salt is not None:
        body["breakdown_limit"] = UNCACHED_SALT + salt
    return body


def funnel_body(salt: int | None = None) -> dict:
    """The 4-step ordered funnel, 7-day window, one week of entry days."""
    body = {"steps": list(FUNNEL_STEPS), "window": FUNNEL_WINDOW_DAYS, "window_unit": "day",
            "order": "ordered", "date_from": FUNNEL_FROM.isoformat(),
            "date_to": FUNNEL_TO.isoformat()}
    if salt is not None:
        body["breakdown_limit"] = UNCACHED_SALT + salt
    return body


def window_funnel_sql() -> tuple[str, dict]:
    """ClickHouse's own windowFunnel for the same funnel: persons by furthest step
    (entry = a visit inside the entry days; ms timestamps, inclusive window)."""
    steps = ", ".join(f"event = {{s{i}:String}}" for i in range(1, len(FUNNEL_STEPS)))
    sql = (
        "SELECT level, count() AS persons FROM ("
        " SELECT windowFunnel({window:UInt64})("
        "  toUInt64(toUnixTimestamp64Milli(timestamp)),"
        "  event = {s0:String} AND timestamp >= {start:DateTime64(3, 'UTC')}"
        "   AND timestamp < {end:DateTime64(3, 'UTC')},"
        f"  {steps}) AS level"
        " FROM raw_events"
        " WHERE tenant_id = {tenant_id:String} AND timestamp >= {start:DateTime64(3, 'UTC')}"
        "  AND timestamp <= {stop:DateTime64(3, 'UTC')} AND event IN {names:Array(String)}"
        " GROUP BY cityHash64(person_id))"
        " GROUP BY level ORDER BY level")
    from datetime import UTC, datetime

    start = datetime(FUNNEL_FROM.year, FUNNEL_FROM.month, FUNNEL_FROM.day, tzinfo=UTC)
    end = start + timedelta(days=(FUNNEL_TO - FUNNEL_FROM).days + 1)
    window_ms = FUNNEL_WINDOW_DAYS * 86_400_000
    params = {"window": window_ms, "start": start, "end": end,
              "stop": end + timedelta(milliseconds=window_ms),
              "names": list(FUNNEL_STEPS), **{f"s{i}": s for i, s in enumerate(FUNNEL_STEPS)}}
    return sql, params


def reached(levels: dict[int, int], steps: int) -> list[int]:
    """Persons reaching at least each step, from persons by furthest level (0 = none)."""
    return [sum(n for level, n in levels.items() if level >= k + 1) for k in range(steps)]


# --- measurements ------------------------------------------------------------------------


def p50(values: list[float]) -> float:
    return statistics.median(values)


def summary_ms(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"runs": len(ms), "p50_ms": round(p50(ms), 1), "min_ms": round(ms[0], 1),
            "max_ms": round(ms[-1], 1)}


def uncached_http(client: Client, path: str, make_body, runs: int,
                  paired: Callable[[], float] | None = None) -> dict:
    """`runs` timed cache misses of `path` (after one untimed); HTTP and server times.
    `paired()` (a baseline returning its seconds) runs right after each request, so both
    see the same conditions on the machine; its times are returned as `paired`."""
    seconds, query_ms, pair, last = [], [], [], None
    for i in range(runs + 1):
        took, status, headers, data = client.post(path, make_body(i))
        if status != 200:
            raise SystemExit(f"{path} answered {status}: {data[:500]!r}")
        if "fwd=miss" not in headers.get("cache-status", ""):
            raise SystemExit(f"{path} request {i} was not a cache miss: {headers}")
        answer = json.loads(data)
        paired_seconds = paired() if paired is not None else None
        if i == 0:
            continue  # warm-up: first use of the query plan and the data's pages
        seconds.append(took)
        query_ms.append(answer["meta"]["query_ms"])
        if paired_seconds is not None:
            pair.append(paired_seconds)
        last = answer
    figures = summary_ms(seconds)
    figures["server_compute_p50_ms"] = round(p50(query_ms), 1)
    figures["http_and_cache_overhead_p50_ms"] = round(
        figures["p50_ms"] - figures["server_compute_p50_ms"], 1)
    figures["response_bytes"] = len(json.dumps(last, separators=(",", ":")))
    return {"figures": figures, "last": last, "seconds": seconds, "paired": pair}


def timed_scope(scope):
    """A TenantScope that adds up the time of its ClickHouse calls (incl. transfer to
    Python) and remembers the last query it ran (method, sql, parameters, settings,
    options)."""
    from api.store import TenantScope

    class Timed(TenantScope):
        seconds = 0.0
        queries = 0
        last: tuple = ()

        def _run(self, method, sql, parameters, settings, **options):
            self.last = (method, sql, parameters, settings, options)
            started = time.perf_counter()
            try:
                return super()._run(method, sql, parameters, settings, **options)
            finally:
                self.seconds += time.perf_counter() - started
                self.queries += 1

    return Timed(scope.store, scope.tenant_id)


def top_functions(profile: cProfile.Profile, limit: int = 12) -> list[str]:
    """The `limit` functions with the most own time, as 'own cum calls where'."""
    stats = pstats.Stats(profile, stream=io.StringIO())
    rows = []
    for (file, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        rows.append((tottime, cumtime, calls, f"{Path(file).name}:{line}({name})"))
    rows.sort(reverse=True)
    return [f"{tt * 1000:8.1f} ms own {ct * 1000:8.1f} ms cum {calls:>7} calls  {where}"
            for tt, ct, calls, where in rows[:limit]]


def replacing(old: str, new: str) -> Callable[[str], str | None]:
    """A SQL variant maker: every `old` replaced by `new` (None when `old` is absent)."""
    return lambda sql: sql.replace(old, new) if old in sql else None


def sql_variants(scope, last: tuple, variants: dict[str, Callable[[str], str | None]],
                 runs: int) -> dict:
    """p50 ms of the service's own query (`last`, as recorded by `timed_scope`) and of
    variants of it (made from its SQL text); shows what costs what inside ClickHouse and
    in the transfer. A variant that no longer applies to the service's SQL is 'n/a'."""
    method, sql, parameters, settings, options = last
    out = {}
    for name, make in {"as_the_service_runs_it": lambda text: text, **variants}.items():
        text = make(sql)
        if text is None:
            out[name] = "n/a (the service's SQL changed)"
            continue
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            scope._run(method, text, parameters, settings, **options)
            seconds.append(time.perf_counter() - started)
        out[name] = round(p50(seconds) * 1000, 1)
    return out


def funnel_breakdown(scope, runs: int) -> dict:
    """Where an uncached funnel's time goes, by calling the service pieces directly."""
    from api.analytics.funnel_events import fetch_funnel_events
    from api.analytics.funnels import compute_funnels, funnel_spec
    from api.analytics.schemas import FunnelQuery
    from api.answers import dumps
    from warehouse.semantics.funnels import compute_funnel

    query = FunnelQuery.model_validate(funnel_body())
    spec = funnel_spec(query)
    fetch, engine, encode, total = [], [], [], []
    timed = timed_scope(scope)
    for _ in range(runs):
        started = time.perf_counter()
        # as the service reads them first: without event_id (read again only for persons
        # whose events tie; the bench data has no ties)
        read = fetch_funnel_events(timed, spec, query.date_from, query.date_to, query)
        fetched = time.perf_counter()
        compute_funnel(read.events, spec, query.date_from, query.date_to, None,
                       read.step0_only)
        fetch.append(fetched - started)
        engine.append(time.perf_counter() - fetched)
        started = time.perf_counter()
        result = compute_funnels(scope, query)
        computed = time.perf_counter()
        dumps(result)
        encode.append(time.perf_counter() - computed)
        total.append(computed - started)
    profile = cProfile.Profile()
    profile.enable()
    compute_funnel(read.events, spec, query.date_from, query.date_to, None, read.step0_only)
    profile.disable()
    fetch_variants = sql_variants(scope, timed.last, {
        "sizes_only (same SQL, only the count and array lengths transferred)":
            lambda sql: f"SELECT step0_only, length(persons), length(elements) FROM ({sql})",
    }, runs)
    return {
        "runs": runs,
        "entrants_counted_in_clickhouse_step0_only": read.step0_only,
        "entrants_read": len(set(read.events["person_id"].to_pylist())),
        "rows_fetched": read.events.num_rows,
        "arrow_bytes_unpacked": read.events.nbytes,
        "clickhouse_fetch_to_arrow_p50_ms": round(p50(fetch) * 1000, 1),
        "python_engine_p50_ms": round(p50(engine) * 1000, 1),
        "json_encode_p50_ms": round(p50(encode) * 1000, 2),
        "service_compute_funnels_p50_ms": round(p50(total) * 1000, 1),
        "fetch_sql_variants_p50_ms": fetch_variants,
        "engine_profile_top_own_time": top_functions(profile),
    }


def trend_breakdown(scope, runs: int) -> dict:
    """Where an uncached trend's time goes, by calling the service directly; and the
    same numbers counted from raw events (the path without the daily actives rollup),
    timed for comparison and checked to agree."""
    from api.analytics.schemas import TrendsQuery
    from api.analytics.trends import compute_trends
    from api.answers import dumps
    from warehouse.daily_actives import PERSONS_SQL

    query = TrendsQuery.model_validate(trend_body())
    clickhouse, python, encode, queries = [], [], [], 0
    for _ in range(runs):
        timed = timed_scope(scope)
        started = time.perf_counter()
        result = compute_trends(timed, query)
        took = time.perf_counter() - started
        clickhouse.append(timed.seconds)
        python.append(took - timed.seconds)
        queries = timed.queries
        started = time.perf_counter()
        dumps(result)
        encode.append(time.perf_counter() - started)
    end = FIRST_DAY + timedelta(days=DAYS)
    raw_sql = ("SELECT toDate(timestamp) AS day, " + PERSONS_SQL + " AS persons "
               "FROM raw_events WHERE tenant_id = {tenant_id:String} AND timestamp >= "
               "{start:DateTime64(3, 'UTC')} AND timestamp < {end:DateTime64(3, 'UTC')} "
               "GROUP BY day ORDER BY day")
    bounds = {"start": f"{FIRST_DAY} 00:00:00", "end": f"{end} 00:00:00"}
    raw_seconds, raw_rows = [], []
    for _ in range(runs):
        started = time.perf_counter()
        raw_rows = scope.rows(raw_sql, bounds)
        raw_seconds.append(time.perf_counter() - started)
    return {
        "runs": runs,
        "clickhouse_queries": queries,
        "clickhouse_p50_ms": round(p50(clickhouse) * 1000, 1),
        "python_p50_ms": round(p50(python) * 1000, 2),
        "json_encode_p50_ms": round(p50(encode) * 1000, 2),
        "served_from": "daily actives rollup (raw_events_daily_actives) for the days whose "
                       "fingerprint matches raw_events; raw events for the others",
        "raw_path_sql": raw_sql,
        "raw_path_p50_ms": round(p50(raw_seconds) * 1000, 1),
        "agrees_with_raw_path": result["results"][0]["data"]
        == [int(r["persons"]) for r in raw_rows],
    }


def install_probe_routes(app, context, shared: dict) -> None:
    """Bench-only routes that run inside the server's event loop: a cProfile switch for
    that thread, and per-call timings of the pieces a cached answer goes through."""
    import anyio
    from fastapi import Response

    @app.post("/bench/profile/{action}", include_in_schema=False)
    async def profile_switch(action: str) -> Response:
        if action == "start":
            shared["profile"] = cProfile.Profile()
            shared["profile"].enable()
        else:
            shared["profile"].disable()
        return Response(b"{}", media_type="application/json")

    @app.get("/bench/components", include_in_schema=False)
    async def components() -> Response:
        from api.analytics.schemas import TrendsQuery
        from api.cache import cache_key, canonical_json

        calls, key, body = 2000, shared["key"], json.dumps(trend_body()).encode()
        query = TrendsQuery.model_validate_json(body)
        versions = await context.versions.versions(TENANT, ["raw_events"])
        params_json = canonical_json(query.model_dump(mode="json"))
        answer_key = cache_key(TENANT, "analytics.trends", params_json, versions)
        pieces = {
            "auth (context.auth.authenticate)": lambda: context.auth.authenticate(key),
            "redis_ping_round_trip": context.redis.ping,
            "rate_limit (context.limiter.check)":
                lambda: context.limiter.check(TENANT),
            "dataset_versions (context.versions.versions)":
                lambda: context.versions.versions(TENANT, ["raw_events"]),
            "body_parse_and_validate (TrendsQuery)":
                lambda: TrendsQuery.model_validate_json(body),
            "cache_key (canonical JSON + sha256)":
                lambda: cache_key(TENANT, "analytics.trends",
                                  canonical_json(query.model_dump(mode="json")), versions),
            "cache_get_hit (context.cache.get)": lambda: context.cache.get(answer_key),
            "threadpool_hop (what FastAPI does for each sync dependency)":
                lambda: anyio.to_thread.run_sync(lambda: None),
        }
        out = {}
        for name, piece in pieces.items():
            started = time.perf_counter()
            for _ in range(calls):
                result = piece()
                if hasattr(result, "__await__"):
                    await result
            out[name] = round((time.perf_counter() - started) / calls * 1e6, 1)
        return Response(json.dumps(out).encode(), media_type="application/json")


def _call(port: int, method: str, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
        return data
    finally:
        conn.close()


def profiled_load(port: int, request: bytes, shared: dict, duration: float, load: dict) -> dict:
    """cProfile of the server's event-loop thread under load: CPU per request in total,
    in each function of our `api` package (cumulative) and in the top functions (own)."""
    _call(port, "POST", "/bench/profile/start")
    result = run_load("127.0.0.1", port, [request], duration=duration, **load)
    _call(port, "POST", "/bench/profile/stop")
    stats = pstats.Stats(shared["profile"], stream=io.StringIO())
    per_request = 1e6 / max(1, result.requests)
    own, ours = [], []
    api_dir = str(Path(__file__).resolve().parents[1] / "api")
    for (file, line, name), (_, _, tottime, cumtime, _) in stats.stats.items():
        where = f"{Path(file).name}:{line}({name})"
        own.append((tottime * per_request, where))
        if file.startswith(api_dir):
            ours.append((cumtime * per_request, f"api/{Path(file).relative_to(api_dir)}:"
                         f"{line}({name})"))
    own.sort(reverse=True)
    ours.sort(reverse=True)
    return {
        "requests": result.requests, "rps_while_profiled": round(result.rps, 1),
        "loop_cpu_us_per_request": round(stats.total_tt * per_request, 1),
        "api_package_cum_us_per_request": {w: round(t, 1) for t, w in ours[:12]},
        "top_own_us_per_request": {w: round(t, 1) for t, w in own[:15]},
    }


def cached_breakdown(port: int, trend_request: bytes, bare_request: bytes, shared: dict,
                     duration: float, load: dict) -> dict:
    """Where a cached answer's time goes beyond the bare route's."""
    components = json.loads(_call(port, "GET", "/bench/components"))
    trends = profiled_load(port, trend_request, shared, duration, load)
    bare = profiled_load(port, bare_request, shared, duration, load)
    return {
        "component_us_per_call (timed alone in the server loop, 2000 calls each)": components,
        "profile_note": "cProfile of the event-loop thread (profiling slows it ~2x; read the "
                        "figures relative to each other); coroutine times are CPU while "
                        "running, not time spent awaiting Redis",
        "profiled_trends": trends,
        "profiled_bare": bare,
        "extra_loop_cpu_us_per_request_vs_bare": round(
            trends["loop_cpu_us_per_request"] - bare["loop_cpu_us_per_request"], 1),
    }


def cache_counts(context) -> dict[str, float]:
    counts = {event: context.metrics.cache.labels(event)._value.get()
              for event in ("hit", "miss", "error")}
    return {**counts, "hot_path": context.metrics.hot_path._value.get()}


def machine(load_at_start: float) -> dict:
    import chdb
    import fastapi
    import uvicorn

    def has(module: str) -> bool:
        try:
            __import__(module)
            return True
        except ImportError:
            return False

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_1m_at_start": round(load_at_start, 2),
        "chdb": chdb.__version__,
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "uvicorn_loop": "uvloop" if has("uvloop") else "asyncio",
        "uvicorn_http": "httptools" if has("httptools") else "h11",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/sightline-apibench"))
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=8,
                        help="keep-alive connections of the load generator (closed loop)")
    parser.add_argument("--workers", type=int, default=2, help="load generator processes")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds of one measured load round")
    parser.add_argument("--rounds", type=int, default=2,
                        help="load rounds per route, interleaved bare/trends/trends/bare")
    parser.add_argument("--runs", type=int, default=15, help="timed uncached requests")
    parser.add_argument("--profile-runs", type=int, default=5,
                        help="direct service calls for the time breakdown")
    parser.add_argument("--result-key", default="api",
                        help="key of api.json to write (api_50m for the 50M-event tier)")
    parser.add_argument("--always-profile", action="store_true",
                        help="write the cached-path breakdown even when its target is met")
    args = parser.parse_args()
    if not 1 <= args.runs <= 500 - UNCACHED_SALT - 1:
        raise SystemExit(f"--runs must be 1..{500 - UNCACHED_SALT - 1}")
    load_at_start = os.getloadavg()[0]
    settings, context, data = bench_context(args.home, args.redis_db, args.events,
                                            args.persons)
    from fastapi import Response

    from api.keys import create_key
    from api.main import create_app

    app = create_app(settings, context)
    bare = {"body": b"{}"}

    @app.get("/bare", include_in_schema=False)
    async def bare_route() -> Response:  # the baseline: no auth, no cache, same bytes
        return Response(bare["body"], media_type="application/json")

    install_probe_routes(app, context, bare)
    console.print(f"data: {data}")
    key, _ = create_key(context.db, TENANT, ["read"], "api bench")
    bare["key"] = key
    server, thread, port = start_server(app)
    client = Client(port, key)
    scope = context.store.scope(TENANT)
    try:
        results = measure(args, context, scope, client, port, key, bare, data)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        context.store.close()
    results["machine"] = machine(load_at_start)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored[args.result_key] = results
    stored["tiers"] = tiers(stored)
    RESULTS.write_text(json.dumps(stored, indent=2) + "\n")
    console.print(f"wrote {RESULTS}")


def tiers(stored: dict) -> list[dict]:
    """The uncached figures of each measured tier (10M in `api`, 50M in `api_50m`), side by
    side, so the growth of cost with the data is visible."""
    rows = []
    for key in ("api", "api_50m"):
        if key not in stored:
            continue
        tier = stored[key]
        funnel, trend = tier["uncached_funnel"], tier["uncached_trend"]
        rows.append({
            "result_key": key, "events": tier["data"]["events"],
            "persons": tier["data"]["persons"],
            "funnel_http_p50_ms": funnel["http"]["p50_ms"],
            "window_funnel_p50_ms": funnel["window_funnel"]["p50_ms"],
            "funnel_ratio_to_window_funnel": funnel["p50_ratio_to_window_funnel"],
            "funnel_persons_agree": funnel["persons_agree"],
            "dau_trend_http_p50_ms": trend["http"]["p50_ms"],
            "cached_trends_ratio_to_bare": tier["cached_trends"]["rps_ratio_to_bare"],
            "measured_at": tier.get("measured_at"),
        })
    return rows


def measure(args, context, scope, client: Client, port: int, key: str, bare: dict,
            data: dict) -> dict:
    """Every figure; returns the results dict (without machine info)."""
    # --- cached trends vs the bare route ---
    loads = {"cached_trends": round(os.getloadavg()[0], 2)}
    path = "/v1/analytics/trends"
    for expected in ("miss", "hit"):
        _, status, headers, body = client.post(path, trend_body())
        if status != 200 or expected not in headers.get("cache-status", ""):
            raise SystemExit(f"warm-up of {path}: {status} {headers} {body[:500]!r}")
    bare["body"] = body  # the very bytes of a cached answer: the same size
    host = f"127.0.0.1:{port}"
    trend_request = http_request("POST", path, host, {
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        json.dumps(trend_body()).encode())
    bare_request = http_request("GET", "/bare", host)
    load = {"connections": args.connections, "workers": args.workers}
    console.print(f"load: {args.connections} connections, {args.workers} worker processes, "
                  f"{args.rounds}×{args.duration:g}s per route")
    for request in (bare_request, trend_request):  # warm both paths, unmeasured
        run_load("127.0.0.1", port, [request], duration=2, **load)
    before = cache_counts(context)
    # "routed": the same cached request with the hot path off (every request routed
    # through FastAPI's dependencies and validation), for comparison.
    runs: dict[str, list] = {"bare": [], "trends": [], "routed": []}
    order = ["bare", "trends", "routed", "routed", "trends", "bare"] * math.ceil(args.rounds / 2)
    order = order[: 3 * args.rounds]
    hot_path_answers = 0.0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("load rounds", total=len(order))
        for name in order:
            request = bare_request if name == "bare" else trend_request
            context.replays.enabled = name != "routed"
            started_hot = context.metrics.hot_path._value.get()
            runs[name].append(run_load("127.0.0.1", port, [request], duration=args.duration,
                                       **load))
            if name == "trends":
                hot_path_answers += context.metrics.hot_path._value.get() - started_hot
            progress.advance(task)
    context.replays.enabled = True
    after = cache_counts(context)
    trend_loads, bare_loads, routed_loads = runs["trends"], runs["bare"], runs["routed"]
    for result in trend_loads + bare_loads + routed_loads:
        if set(result.statuses) != {"200"}:
            raise SystemExit(f"non-200 answers under load: {result.statuses}")
    if "cache-status: sightline; hit" not in trend_loads[0].sample_headers.lower():
        raise SystemExit(f"a sampled trends answer was no cache hit:\n"
                         f"{trend_loads[0].sample_headers}")
    if after["miss"] != before["miss"] or after["error"] != before["error"]:
        raise SystemExit(f"cache misses/errors during the load: {before} -> {after}")

    def pooled(results) -> dict:
        total = sum(r.requests for r in results)
        seconds = sum(r.seconds for r in results)
        latencies = sorted(v for r in results for v in r.latencies_ms)
        return {"rps": round(total / seconds, 1), "requests": total,
                "p50_ms": round(percentile(latencies, 0.5), 2),
                "p99_ms": round(percentile(latencies, 0.99), 2),
                "rounds": [r.figures() for r in results]}

    cached, baseline, routed = pooled(trend_loads), pooled(bare_loads), pooled(routed_loads)
    ratio = cached["rps"] / baseline["rps"]
    console.print(f"cached trends: {cached['rps']:.0f} req/s, p50 {cached['p50_ms']:.2f} ms, "
                  f"p99 {cached['p99_ms']:.2f} ms; bare: {baseline['rps']:.0f} req/s "
                  f"→ ratio {ratio:.2f} (hot path off: {routed['rps']:.0f} req/s, "
                  f"{routed['rps'] / baseline['rps']:.2f})")
    cached_figures = {
        "route": "POST /v1/analytics/trends",
        "request": trend_body(),
        "response_bytes": len(bare["body"]),
        "bare_route": "GET /bare (same app and server; plain Response of the same bytes; "
                      "no auth, rate limit, versions or cache)",
        **{k: cached[k] for k in ("rps", "p50_ms", "p99_ms", "requests")},
        "bare_rps": baseline["rps"], "bare_p50_ms": baseline["p50_ms"],
        "bare_p99_ms": baseline["p99_ms"],
        "rps_ratio_to_bare": round(ratio, 3),
        "target_ratio_min": TARGET_CACHED_RATIO,
        "meets_target": ratio >= TARGET_CACHED_RATIO,
        "hot_path_answers_during_load": int(hot_path_answers),
        "routed": {
            "what": "the same cached request with the hot path off (SIGHTLINE_API_HOT_PATH=0):"
                    " routed through FastAPI, its dependencies and body validation",
            **{k: routed[k] for k in ("rps", "p50_ms", "p99_ms", "requests")},
            "rps_ratio_to_bare": round(routed["rps"] / baseline["rps"], 3)},
        "cache_hits_during_load": int(after["hit"] - before["hit"]),
        "cache_misses_during_load": int(after["miss"] - before["miss"]),
        "sample_cache_status": next(
            (line.split(":", 1)[1].strip() for line in trend_loads[0].sample_headers.split("\r\n")
             if line.lower().startswith("cache-status:")), None),
        "load": {**load, "duration_s_per_round": args.duration, "rounds_per_route": args.rounds,
                 "order": order, "generator": "bench/loadgen.py (closed loop, keep-alive, "
                 "raw HTTP/1.1 over loopback)",
                 "percentiles_over": "every request of every round of the route"},
        "rounds": {"trends": cached["rounds"], "bare": baseline["rounds"],
                   "routed": routed["rounds"]},
    }
    if ratio < TARGET_CACHED_RATIO or args.always_profile:
        console.print("cached trends: time breakdown (components + cProfile) …")
        cached_figures["time_breakdown"] = cached_breakdown(
            port, trend_request, bare_request, bare, args.duration, load)

    # --- uncached funnel vs windowFunnel ---
    loads["uncached_funnel"] = round(os.getloadavg()[0], 2)
    console.print(f"uncached funnel × {args.runs} over HTTP, each followed by windowFunnel …")
    sql, params = window_funnel_sql()
    levels: dict[int, int] = {}

    def window_funnel() -> float:
        started = time.perf_counter()
        rows = scope.rows(sql, params)
        took = time.perf_counter() - started
        levels.update({int(r["level"]): int(r["persons"]) for r in rows})
        return took

    funnel = uncached_http(client, "/v1/analytics/funnels", funnel_body, args.runs,
                           paired=window_funnel)
    wf = summary_ms(funnel["paired"])
    api_persons = [s["persons"] for s in funnel["last"]["data"]["results"][0]["steps"]]
    wf_persons = reached(levels, len(FUNNEL_STEPS))
    funnel_ratio = funnel["figures"]["p50_ms"] / wf["p50_ms"]
    console.print(f"funnel: HTTP p50 {funnel['figures']['p50_ms']:.0f} ms, windowFunnel p50 "
                  f"{wf['p50_ms']:.0f} ms → ratio {funnel_ratio:.2f}; persons API "
                  f"{api_persons} vs windowFunnel {wf_persons}")
    console.print("funnel time breakdown (direct service calls) …")
    funnel_parts = funnel_breakdown(scope, args.profile_runs)
    funnel_figures = {
        "route": "POST /v1/analytics/funnels",
        "request": funnel_body(),
        "cache_defeated_by": f"breakdown_limit = {UNCACHED_SALT} + i (ignored without a "
                             "breakdown: a new cache key, the same work)",
        "http": funnel["figures"],
        "window_funnel": {**wf, "sql": sql.strip(), "run": "directly in the server process "
                          "through the API's TenantScope (same chDB store), not over HTTP, "
                          "right after each timed HTTP funnel (interleaved)"},
        "p50_ratio_to_window_funnel": round(funnel_ratio, 3),
        "median_of_per_pair_ratios": round(p50(
            [a / b for a, b in zip(funnel["seconds"], funnel["paired"], strict=True)]), 3),
        "target_ratio_max": TARGET_FUNNEL_RATIO,
        "meets_target": funnel_ratio <= TARGET_FUNNEL_RATIO,
        "persons_per_step_api": api_persons,
        "persons_per_step_window_funnel": wf_persons,
        "persons_agree": api_persons == wf_persons,
        "time_breakdown": funnel_parts,
    }

    # --- uncached daily trend ---
    loads["uncached_trend"] = round(os.getloadavg()[0], 2)
    console.print(f"uncached trend × {args.runs} over HTTP …")
    trend = uncached_http(client, path, trend_body, args.runs)
    trend_parts = trend_breakdown(scope, args.profile_runs)
    trend_p50 = trend["figures"]["p50_ms"]
    console.print(f"trend: HTTP p50 {trend_p50:.0f} ms (ClickHouse "
                  f"{trend_parts['clickhouse_p50_ms']:.0f} ms)")
    trend_figures = {
        "route": "POST /v1/analytics/trends",
        "request": trend_body(),
        "cache_defeated_by": funnel_figures["cache_defeated_by"],
        "http": trend["figures"],
        "target_p50_ms_max": TARGET_TREND_P50_MS,
        "meets_target": trend_p50 <= TARGET_TREND_P50_MS,
        "time_breakdown": trend_parts,
    }
    return {
        "data": {**data, "tenant": TENANT, "days": DAYS, "first_day": FIRST_DAY.isoformat(),
                 "funnel_steps": list(FUNNEL_STEPS)},
        "cached_trends": cached_figures,
        "uncached_funnel": funnel_figures,
        "uncached_trend": trend_figures,
        "server": {"process": "uvicorn in a thread of the bench process (the one holding "
                   "the embedded chDB store)", "redis": context.settings.redis_url,
                   "rate_limit_per_minute": context.settings.api.rate_limit_per_minute},
        "load_average_1m_at_each_phase": loads,
        "targets_met": {
            "cached_trends_ratio": cached_figures["meets_target"],
            "uncached_funnel_ratio": funnel_figures["meets_target"],
            "uncached_trend_p50": trend_figures["meets_target"],
        },
    }


if __name__ == "__main__":
    main()
