"""The web app in a real browser (Playwright driving Debian's Chromium): every page opens
with no console error and no request to another host, charts draw the numbers the API
answers, the funnel and the retention grid match hand-computed fixtures, dashboards are
built, saved, versioned and shared from forms, and a shared link shows one dashboard.
Each page's screenshot is written under the session's temporary folder."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from api.keys import create_key
from tests.api.conftest import API_FIRST, API_LAST
from tests.api.test_filters import ev, insert_events

CHROMIUM = os.environ.get("SIGHTLINE_TEST_CHROMIUM", "/usr/bin/chromium")
TENANT = "t_web"  # hand-made events for the funnel and retention fixtures
SPAN = {"date_from": API_FIRST.isoformat(), "date_to": API_LAST.isoformat()}
FIXTURE_EVENTS = [
    ev("p1", "view", "2026-05-04T10:00:00"), ev("p1", "signup", "2026-05-04T10:05:00"),
    ev("p1", "buy", "2026-05-04T10:15:00"), ev("p1", "view", "2026-05-05T15:00:00"),
    ev("p2", "view", "2026-05-04T11:00:00"), ev("p2", "signup", "2026-05-04T11:10:00"),
    ev("p2", "view", "2026-05-06T08:00:00"),
    ev("p3", "view", "2026-05-05T09:00:00"), ev("p3", "signup", "2026-05-05T09:20:00"),
    ev("p3", "buy", "2026-05-05T09:50:00"), ev("p3", "view", "2026-05-06T10:00:00"),
    ev("p4", "view", "2026-05-05T12:00:00"),
]


# Module scope: Playwright's sync API runs an event loop on this thread while it is open,
# and later tests call asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's package (`apt-get install "
                    "chromium`; .ci/run does) or set SIGHTLINE_TEST_CHROMIUM")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("web-screenshots")


class Watched:
    """A page whose console errors and requests to other hosts are recorded."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base = base_url
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", self._request)

    def _request(self, request) -> None:
        url = request.url
        if urlsplit(url).scheme not in ("data", "blob") and \
                not url.startswith(self.base + "/"):
            self.foreign.append(url)

    def open(self, path: str, charts: int | None = None) -> Page:
        """Go to `path`; wait until its `charts` charts are drawn (None: all it has)."""
        self.page.goto(self.base + path)
        self.wait_for_charts(charts)
        return self.page

    def wait_for_charts(self, charts: int | None = None) -> None:
        expected = (charts if charts is not None else self.page.locator(
            'script[type="application/json"][data-chart]').count())
        if expected:
            self.page.wait_for_function(
                f"Number(document.body.dataset.chartsDrawn || 0) >= {expected}")

    def assert_clean(self) -> None:
        assert self.errors == [] and self.foreign == []


def signed_in_page(browser: Browser, base_url: str, key: str) -> Watched:
    """A fresh browser context signed in with `key` through the sign-in form."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    watched = Watched(page, base_url)
    page.goto(base_url + "/sign-in")
    page.fill("#api_key", key)
    page.click("form button[type=submit]")
    page.wait_for_url(base_url + "/")
    return watched


@pytest.fixture(scope="module")
def acme_page(browser, server_url, keys, demo_pipeline) -> Iterator[Watched]:
    watched = signed_in_page(browser, server_url, keys.acme)
    yield watched
    watched.page.context.close()


@pytest.fixture(scope="module")
def dashboard_id(acme) -> int:
    """A dashboard over the API test days: a trends line, a share-of-voice pie, a table."""
    body = {"name": "Browser test", "filters": SPAN, "widgets": [
        {"id": "growth", "title": "Signups and visits", "kind": "line", "source": "trends",
         "params": {"series": [{"event": "signup"}, {"event": "visit"}]},
         "position": {"x": 0, "y": 0, "w": 8, "h": 4}},
        {"id": "sov", "title": "Share of voice", "kind": "pie", "source": "share_of_voice",
         "params": {"metric": "mentions"}, "position": {"x": 8, "y": 0, "w": 4, "h": 4}},
        {"id": "pulse", "title": "Pulse", "kind": "table", "source": "pulse_insights",
         "params": {"page_size": 5}, "position": {"x": 0, "y": 4, "w": 12, "h": 3}}]}
    answer = acme.post("/dashboards", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]["id"]


def chart_records(page: Page, chart_id: str) -> list[dict]:
    """The rows a drawn chart holds (its Vega view's source data)."""
    return page.evaluate(f"window.sightlineCharts['{chart_id}'].data('source_0')"
                         ".map(r => ({x: r.x, series: r.series, value: r.value}))")


def test_every_page_opens_clean(acme_page, acme, dashboard_id, screenshots) -> None:
    run = acme.post("/wargaming/simulate", json={"template": "Price War Response",
                                                 "simulations": 500, "seed": 3}).json()
    brief = acme.post("/storytelling/brief", json=SPAN).json()["data"]
    pages = {"home": "/", "dashboards": "/dashboards",
             "dashboard": f"/dashboards/{dashboard_id}",
             "edit": f"/dashboards/{dashboard_id}/edit",
             "versions": f"/dashboards/{dashboard_id}/versions",
             "trends": "/explore/trends?events=signup,visit&date_from=2026-04-06"
                       "&date_to=2026-04-12",
             "funnels": "/explore/funnels?date_from=2026-04-06&date_to=2026-04-12",
             "retention": "/explore/retention?date_to=2026-04-12",
             "social": "/social?date_from=2026-04-06&date_to=2026-04-12",
             "wargaming": "/wargaming", "run": f"/wargaming/{run['data']['id']}",
             "briefs": "/briefs", "brief": f"/briefs/{brief['id']}",
             "claim": f"/claims/{brief['claims'][0]}", "docs": "/docs", "redoc": "/redoc"}
    for name, path in pages.items():
        page = acme_page.open(path)
        if name in ("docs", "redoc"):
            page.wait_for_selector(".swagger-ui .opblock" if name == "docs" else "h1")
        else:
            assert page.locator("main h1").count() == 1, name
        page.screenshot(path=screenshots / f"{name}.png", full_page=True)
        assert acme_page.errors == [], (name, acme_page.errors)
        assert acme_page.foreign == [], (name, acme_page.foreign)


def test_home_kpis_are_the_pulse_api_numbers(acme_page, acme) -> None:
    latest = acme.get("/modules/growth-pulse/daily", params={"latest": "true"}).json()["data"]
    page = acme_page.open("/")
    assert page.inner_text("h1").endswith(latest[0]["pulse_date"])
    for kpi in latest[0]["kpis"]:
        card = page.locator(f'#kpis [data-metric="{kpi["metric"]}"]')
        assert float(card.locator(".value").get_attribute("data-value")) == kpi["value"]
        change = card.locator(".delta").get_attribute("data-change")
        assert (None if change == "None" else float(change)) == kpi["wow_change"]
    acme_page.assert_clean()


def test_dashboard_charts_and_tables_hold_the_data_endpoints_numbers(
        acme_page, acme, dashboard_id) -> None:
    data = acme.get(f"/dashboards/{dashboard_id}/data").json()["data"]["widgets"]
    trends, share = data[0]["data"]["results"], data[1]["data"]["total"]
    page = acme_page.open(f"/dashboards/{dashboard_id}", charts=2)
    drawn = chart_records(page, "chart-growth")
    expected = [(day, series["label"], value) for series in trends
                for day, value in zip(series["dates"], series["data"], strict=True)]
    assert sorted((str(r["x"])[:10], r["series"], r["value"]) for r in drawn) == \
        sorted(expected)
    pie = {r["x"]: r["value"] for r in chart_records(page, "chart-sov")}
    assert pie == {row["brand"]: row["value"] for row in share}
    cells = page.locator('[data-table="pulse"] tbody tr').count()
    assert cells == len(data[2]["data"]["items"])
    acme_page.assert_clean()


def test_a_date_range_change_redraws_the_widgets_for_that_range(acme_page, acme,
                                                                dashboard_id) -> None:
    page = acme_page.open(f"/dashboards/{dashboard_id}", charts=2)
    page.fill("#date_from", "2026-04-08")
    page.fill("#date_to", "2026-04-09")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_function("location.search.includes('date_from=2026-04-08')")  # htmx push
    page.wait_for_function("window.sightlineCharts['chart-growth'] && "
                           "window.sightlineCharts['chart-growth'].data('source_0').length == 4")
    api = acme.get(f"/dashboards/{dashboard_id}/data",
                   params={"date_from": "2026-04-08", "date_to": "2026-04-09"}).json()
    signups = api["data"]["widgets"][0]["data"]["results"][0]["data"]
    drawn = [r["value"] for r in chart_records(page, "chart-growth") if r["series"] == "signup"]
    assert drawn == signups
    acme_page.assert_clean()


@pytest.fixture(scope="module")
def fixture_page(browser, server_url, api_context, clickhouse) -> Iterator[Watched]:
    insert_events(clickhouse, TENANT, FIXTURE_EVENTS)
    watched = signed_in_page(browser, server_url,
                             create_key(api_context.db, TENANT, ["read"], "web")[0])
    yield watched
    watched.page.context.close()


def test_the_funnel_page_shows_hand_computed_steps(fixture_page) -> None:
    page = fixture_page.open("/explore/funnels?steps=view,signup,buy&window=1&window_unit=day"
                             "&date_from=2026-05-04&date_to=2026-05-06")
    steps = page.locator("#funnel [data-step]")
    assert [steps.nth(i).get_attribute("data-persons") for i in range(3)] == ["4", "3", "2"]
    # Conversion from the first step 100% / 75% / 50%; from the previous 75% / 66.7%;
    # median times from the previous step: 300, 600, 1200 s → 600 s; 600, 1800 s → 1200 s.
    texts = [steps.nth(i).inner_text() for i in range(3)]
    assert "100.0% of first" in texts[0]
    assert "75.0% of first · 75.0% of previous · 10 min 0 s" in texts[1]
    assert "50.0% of first · 66.7% of previous · 20 min 0 s" in texts[2]
    widths = [steps.nth(i).locator(".bar").evaluate("e => e.style.width") for i in range(3)]
    assert widths == ["100%", "75%", "50%"]
    fixture_page.assert_clean()


def test_the_retention_grid_shows_hand_computed_cohorts(fixture_page) -> None:
    page = fixture_page.open("/explore/retention?target_event=signup&returning_event=view"
                             "&period=day&intervals=3&date_to=2026-05-06")
    grid = {}
    for row in page.locator("#retention-grid tbody tr").all():
        cells = row.locator("td.cell")
        grid[row.get_attribute("data-cohort")] = [
            (cells.nth(i).get_attribute("data-count"), cells.nth(i).inner_text())
            for i in range(cells.count())]
    # 05-04: p1, p2 sign up; p1 views on day 1, p2 on day 2. 05-05: p3, back on day 1.
    assert grid == {"2026-05-04": [("2", "100.0%"), ("1", "50.0%"), ("1", "50.0%")],
                    "2026-05-05": [("1", "100.0%"), ("1", "100.0%"), ("0", "0.0%")],
                    "2026-05-06": [("0", "0.0%"), ("0", "0.0%"), ("0", "0.0%")]}
    fixture_page.assert_clean()


def test_build_save_version_export_schedule_and_share_a_dashboard_from_forms(acme_page, browser,
                                                              server_url) -> None:
    page = acme_page.open("/dashboards")
    page.fill("#growth_pulse-name", "Built in the browser")
    page.locator('form[aria-labelledby="template-growth_pulse"] button[type=submit]').click()
    page.wait_for_url(re.compile(r"/dashboards/\d+$"))
    dashboard = page.url.rsplit("/", 1)[1]
    acme_page.wait_for_charts()
    page.goto(f"{server_url}/dashboards/{dashboard}/edit")
    page.fill("#add-title", "Purchases")
    page.fill("#add-events", "purchase")
    page.click("#add-widget button[type=submit]")
    cell = page.locator('[data-widget="purchases"]')
    cell.locator('[data-move="w:1"]').click()
    assert page.locator('[data-widget="purchases"] [data-field="w"]').input_value() == "7"
    page.click("#save button[type=submit]")
    page.wait_for_url(f"{server_url}/dashboards/{dashboard}")
    acme_page.wait_for_charts()
    assert page.locator('[data-widget="purchases"]').count() == 1
    page.goto(f"{server_url}/dashboards/{dashboard}/versions")
    assert page.locator("#versions tbody tr").count() == 2
    page.goto(f"{server_url}/dashboards/{dashboard}")
    for fmt, media in (("xlsx", "spreadsheetml"), ("pdf", "application/pdf")):
        href = page.get_by_role("link", name=f"Export {fmt.upper()}").get_attribute("href")
        exported = page.request.get(server_url + href)  # the session's cookie, no key
        assert exported.status == 200 and media in exported.headers["content-type"]
    page.select_option("#channel", "outbox")
    page.fill("#target", "weekly-board")
    page.locator("form", has_text="Schedule a report").locator("button[type=submit]").click()
    page.wait_for_selector("#toast.show")
    assert page.inner_text("#toast") == "Report scheduled."
    schedules = page.request.get(f"{server_url}/v1/dashboards/{dashboard}/schedules").json()
    assert [s["target"] for s in schedules["data"]] == ["weekly-board"]
    page.locator("form", has_text="Share a read-only link").locator(
        "button[type=submit]").click()
    link = page.locator("#share-link a").get_attribute("href")
    acme_page.assert_clean()

    anonymous = Watched(browser.new_context().new_page(), server_url)
    shared = anonymous.open(link)
    assert shared.inner_text("h1") == "Built in the browser"
    assert shared.locator("nav").count() == 0 and shared.locator(".sign-out").count() == 0
    assert shared.locator('[data-widget="purchases"]').count() == 1
    anonymous.open("/dashboards")
    assert "/sign-in" in anonymous.page.url  # the link opens that dashboard, nothing else
    anonymous.assert_clean()
    anonymous.page.context.close()


def test_a_wargame_runs_from_its_template_and_shows_the_apis_quantiles(acme_page,
                                                                        acme) -> None:
    page = acme_page.open("/wargaming")
    form = page.locator("form", has_text="Partnership Play")
    form.locator('input[name="simulations"]').fill("1000")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/wargaming/[0-9a-f-]{36}$"))
    acme_page.wait_for_charts(1)
    run = acme.get(f"/wargaming/{page.url.rsplit('/', 1)[1]}").json()["data"]
    profit = run["result"]["distributions"]["profit_change"]
    for name in ("p10", "p50", "p90"):
        shown = page.locator(f'[data-quantile="{name}"]').get_attribute("data-value")
        assert float(shown) == profit[name]
    rules = page.evaluate("window.sightlineCharts['chart-histogram'].data('data_1')"
                          ".map(r => r.value)")
    assert sorted(rules) == sorted(profit[n] for n in ("p10", "p50", "p90"))
    assert page.locator("#recommendations li").count() == len(run["result"]["recommendations"])
    acme_page.assert_clean()


def test_every_number_of_a_brief_shows_its_claim_and_links_to_its_rows(acme_page,
                                                                      acme) -> None:
    brief = acme.post("/storytelling/brief", json={**SPAN, "audience": "CMO"}).json()["data"]
    page = acme_page.open(f"/briefs/{brief['id']}")
    linked = set(page.locator("#narrative a.claim").evaluate_all(
        "links => links.map(a => a.dataset.claim)"))
    assert linked == set(brief["claims"])
    first = page.locator("#narrative a.claim").first
    first.focus()
    tip = first.locator(".tip")
    assert tip.is_visible() and "v" in tip.inner_text()
    claim_id = first.get_attribute("data-claim")
    first.click()
    page.wait_for_url(f"**/claims/{claim_id}")
    claim = acme.get(f"/claims/{claim_id}").json()["data"]
    assert page.inner_text("h1") == claim["display"]
    if claim["column"]:
        shown = page.locator("[data-claim-column]").all_inner_texts()
        assert str(claim["value"]) in shown or claim["unit"] == "quote"
    acme_page.assert_clean()


def test_sign_out_in_the_browser_ends_access(browser, server_url, keys) -> None:
    watched = signed_in_page(browser, server_url, keys.globex)
    watched.page.click(".sign-out button")
    watched.page.wait_for_url("**/sign-in")
    watched.open("/dashboards")
    assert "/sign-in?next=/dashboards" in watched.page.url
    api = watched.page.request.get(server_url + "/v1/dashboards")
    assert api.status == 401
    watched.page.context.close()

