"""Web app benchmark → bench/results/web.json (issue: web app).

On the demo data (`sightline demo --no-serve` into --home; made on the first run, ~4
minutes), served by `sightline serve` in its own process, measured in headless Chromium
(Playwright driving /usr/bin/chromium), all in one run:
- home page and a 12-widget dashboard fully drawn (navigation start → the last chart
  drawn), warm API (each page opened once before), fresh browser context per run (no
  browser cache: every script is fetched again), beside the baselines of the same run:
  the dashboard's data endpoint over HTTP (warm) and the sign-in page (no data) loaded the
  same way (target: each page ≤ 1.5 s);
- total page weight: every response body the page loads, uncompressed (target ≤ 1.5 MB).

Run: `.venv/bin/python bench/web_bench.py [--runs 5]` (~1 minute with the demo made).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from api_bench import machine
from playwright.sync_api import Browser, sync_playwright
from rich.console import Console

RESULTS = Path(__file__).parent / "results" / "web.json"
ROOT = Path(__file__).resolve().parent.parent
SIGHTLINE = ROOT / ".venv" / "bin" / "sightline"
console = Console()


def widgets() -> list[dict]:
    """The 12 widgets: the executive overview's 7 and 5 more an analyst adds."""
    def trend(wid, title, kind, series, **extra):
        return {"id": wid, "title": title, "kind": kind, "source": "trends",
                "params": {"series": series, **extra}}
    return [
        trend("actives", "Daily active people", "kpi", [{"event": "$any", "math": "dau"}]),
        trend("signups", "Signups per week", "bar", [{"event": "signup"}], interval="week"),
        {"id": "funnel", "title": "Visit → purchase", "kind": "funnel",
         "source": "funnel_mart", "params": {"funnel_id": "visit_to_purchase"}},
        {"id": "sentiment", "title": "Sentiment of Acme", "kind": "line", "source": "sentiment",
         "params": {"brand": ["Acme"]}},
        {"id": "sov", "title": "Share of voice", "kind": "pie", "source": "share_of_voice",
         "params": {"metric": "mentions"}},
        {"id": "pulse", "title": "Growth pulse insights", "kind": "table",
         "source": "pulse_insights", "params": {"page_size": 10}},
        {"id": "wargame", "title": "Wargame outcomes", "kind": "table",
         "source": "wargame_results", "params": {}},
        trend("steps", "Visits, signups, purchases", "line",
              [{"event": "visit"}, {"event": "signup"}, {"event": "purchase"}]),
        trend("countries", "Visits by country", "area", [{"event": "visit"}],
              breakdown="country", breakdown_limit=5),
        trend("devices", "Events by device", "pie", [{"event": "$any"}], breakdown="device",
              interval="month"),
        {"id": "adhoc_funnel", "title": "Visit → signup → purchase", "kind": "funnel",
         "source": "funnels", "params": {"steps": ["visit", "signup", "purchase"]}},
        {"id": "retention", "title": "Daily retention", "kind": "retention_grid",
         "source": "retention", "params": {"target_event": "signup", "intervals": 7}},
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_demo(env: dict[str, str]) -> None:
    """Make the demo data into the home unless it is there."""
    if (Path(env["SIGHTLINE_HOME"]) / "demo.json").exists():
        return
    console.print("making the demo data (sightline demo --no-serve, ~4 minutes)…")
    subprocess.run([str(SIGHTLINE), "demo", "--no-serve"], env=env, check=True, cwd=ROOT)


def new_key(env: dict[str, str]) -> str:
    out = subprocess.run([str(SIGHTLINE), "keys", "create", "--tenant", "acme", "--scope",
                          "read", "--name", "web bench"], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True).stdout
    return next(word for word in out.split() if word.startswith("sl_"))


def page_load(browser: Browser, base: str, cookies: list, path: str,
              charts: int) -> tuple[float, int]:
    """(seconds from navigation start to the page drawn, bytes of every response body)
    in a fresh context (no browser cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(cookies)
    page = context.new_page()
    sizes: list[int] = []
    page.on("response", lambda response: sizes.append(len(response.body())))
    page.goto(base + path, wait_until="load")
    if charts:
        page.wait_for_function(f"Number(document.body.dataset.chartsDrawn || 0) >= {charts}")
    took = page.evaluate("performance.now()") / 1000  # since navigation start
    page.wait_for_load_state("networkidle")
    context.close()
    return took, sum(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/sightline-webbench"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load_at_start = os.getloadavg()[0]
    port = free_port()
    env = {**os.environ, "SIGHTLINE_HOME": str(args.home), "SIGHTLINE_API_PORT": str(port),
           "SIGHTLINE_REDIS_URL": ""}
    ensure_demo(env)
    key = new_key(env)
    server = subprocess.Popen([str(SIGHTLINE), "serve"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            for _ in range(100):
                try:
                    if http.get("/v1/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            auth = {"Authorization": f"Bearer {key}"}
            made = http.post("/v1/dashboards", headers=auth, json={
                "name": "Web bench", "filters": {"last_days": 28}, "widgets": widgets()})
            dashboard = made.json()["data"]["id"]
            data_url = f"/v1/dashboards/{dashboard}/data"
            answer = http.get(data_url, headers=auth).json()  # warm the API
            assert not [w for w in answer["data"]["widgets"] if "error" in w], answer
            charts = sum(1 for w in answer["data"]["widgets"]
                         if w["kind"] not in ("kpi", "table"))
            data_times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                http.get(data_url, headers=auth).raise_for_status()
                data_times.append(time.perf_counter() - started)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "/sign-in")
            page.fill("#api_key", key)
            page.click("form button[type=submit]")
            page.wait_for_url(base + "/")
            cookies = context.cookies()
            context.close()
            pages = {"sign_in": ("/sign-in", 0), "home": ("/", 0),
                     "dashboard": (f"/dashboards/{dashboard}", charts)}
            for path, drawn in pages.values():  # warm: every answer cached once
                page_load(browser, base, cookies, path, drawn)
            measured = {name: [page_load(browser, base, cookies, path, drawn)
                               for _ in range(args.runs)]
                        for name, (path, drawn) in pages.items()}
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    def p50(name: str) -> float:
        return statistics.median(t for t, _ in measured[name])

    data_p50 = statistics.median(data_times)
    result = {
        "machine": machine(load_at_start),
        "data": {"home": str(args.home), "dashboard_widgets": len(widgets()),
                 "charts": charts},
        "runs": args.runs,
        "baselines": {"data_endpoint_warm_p50_s": round(data_p50, 4),
                      "sign_in_page_p50_s": round(p50("sign_in"), 4)},
        "pages": {name: {"drawn_p50_s": round(p50(name), 4),
                         "drawn_max_s": round(max(t for t, _ in measured[name]), 4),
                         "weight_bytes": measured[name][-1][1],
                         "ratio_to_sign_in_page": round(p50(name) / p50("sign_in"), 2)}
                  for name in ("home", "dashboard")},
        "targets": {"drawn_s": 1.5, "weight_bytes": 1_500_000},
    }
    result["met"] = all(page["drawn_p50_s"] <= 1.5 and page["weight_bytes"] <= 1_500_000
                        for page in result["pages"].values())
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    console.print_json(json.dumps(result))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
