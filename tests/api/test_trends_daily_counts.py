"""Event counts from the daily counts rollup: total trends by day, week and month, with
and without a breakdown of a hot column, and their top values, read from the rollup for
the days it describes and from raw events for the others — the same numbers either way.

Tenant t_an_counts, written through the partition writer (so both rollups are current):
    Mon 02-23: p1 view (mobile, US, /a), p2 view (desktop, GB, /b), p1 buy (mobile, US, /a)
    Tue 02-24: p3 view (mobile, US, /a), p3 view (tablet, DE, /c)
    Mon 03-02: p4 view (desktop, US, /b)
    Wed 03-04: p6 view (mobile, FR, /d)   — made stale by the last test
View by device over 02-23..03-02: desktop 2, mobile 2, tablet 1 → with limit 2 the top
values are desktop and mobile (a tie, broken by value), tablet is Other.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from api.analytics.schemas import TrendsQuery
from api.analytics.trends import compute_trends
from tests.api.test_filters import tenant_client
from tests.api.test_trends_daily_actives import RecordingScope
from tests.raw_events import raw_events_table
from warehouse.daily_actives import FINGERPRINT_SQL, refresh_daily_actives
from warehouse.daily_counts import TABLE as COUNTS_TABLE
from warehouse.partition_writer import write_partition

TENANT = "t_an_counts"
SOURCE = "counts-test"
RANGE = {"date_from": "2026-02-23", "date_to": "2026-03-02"}
# A filter every event passes ('plan' is never set): it forces the raw-events path.
EVERYTHING = [{"property": "plan", "operator": "is_not_set"}]


def _row(person: str, event: str, at: str, device: str, country: str, url: str) -> tuple:
    return (person, event, datetime.fromisoformat(at).replace(tzinfo=UTC),
            {"device": device, "country": country, "url": url})


DAYS = {
    date(2026, 2, 23): [_row("p1", "view", "2026-02-23T08:00", "mobile", "US", "/a"),
                        _row("p2", "view", "2026-02-23T09:00", "desktop", "GB", "/b"),
                        _row("p1", "buy", "2026-02-23T10:00", "mobile", "US", "/a")],
    date(2026, 2, 24): [_row("p3", "view", "2026-02-24T08:00", "mobile", "US", "/a"),
                        _row("p3", "view", "2026-02-24T09:00", "tablet", "DE", "/c")],
    date(2026, 3, 2): [_row("p4", "view", "2026-03-02T08:00", "desktop", "US", "/b")],
    date(2026, 3, 4): [_row("p6", "view", "2026-03-04T08:00", "mobile", "FR", "/d")],
}


@pytest.fixture(scope="module")
def written(clickhouse) -> None:
    for day, rows in DAYS.items():
        write_partition(clickhouse, "raw_events", SOURCE, day, [TENANT],
                        [raw_events_table(TENANT, SOURCE, rows)])


def _trends(scope, **body) -> dict:
    return compute_trends(scope, TrendsQuery.model_validate({**RANGE, **body}))


def _lines(data: dict) -> dict:
    return {(r["series"], r["breakdown_value"]): r["data"] for r in data["results"]}


def _raw_reads(scope: RecordingScope) -> list[str]:
    return [sql for sql, _ in scope.queries if re.search(r"FROM raw_events\b", sql)
            and sql != FINGERPRINT_SQL]


def test_daily_weekly_and_monthly_totals_come_from_the_rollup(written, api_context) -> None:
    scope = RecordingScope(api_context.store.scope(TENANT))
    days = _trends(scope, date_to="2026-02-25",
                   series=[{"event": "view"}, {"event": "$any"}, {"event": "buy"}])
    assert [r["data"] for r in days["results"]] == [[2, 2, 0], [3, 2, 0], [1, 0, 0]]
    # the days' freshness is read once for the question, not once per series
    assert [sql for sql, _ in scope.queries].count(FINGERPRINT_SQL) == 1
    weeks = _trends(scope, series=[{"event": "view"}], interval="week")
    assert weeks["results"][0]["dates"] == ["2026-02-23", "2026-03-02"]
    assert weeks["results"][0]["data"] == [4, 1]
    months = _trends(scope, series=[{"event": "view"}], interval="month")
    assert months["results"][0]["data"] == [4, 1]
    assert _raw_reads(scope) == []


def test_breakdowns_and_top_values_come_from_the_rollup(written, api_context) -> None:
    scope = RecordingScope(api_context.store.scope(TENANT))
    devices = _lines(_trends(scope, series=[{"event": "view"}], breakdown="device",
                             breakdown_limit=2))
    #                 02-23 24 25 26 27 28 03-01 03-02
    assert devices == {("A", "desktop"): [1, 0, 0, 0, 0, 0, 0, 1],
                       ("A", "mobile"): [1, 1, 0, 0, 0, 0, 0, 0],
                       ("A", "Other"): [0, 1, 0, 0, 0, 0, 0, 0]}
    countries = _lines(_trends(scope, series=[{"event": "$any"}], breakdown="country",
                               interval="week"))
    assert countries == {("A", "US"): [3, 1], ("A", "GB"): [1, 0], ("A", "DE"): [1, 0]}
    assert _raw_reads(scope) == []


@pytest.mark.parametrize("body", [
    {"series": [{"event": "view"}, {"event": "buy"}], "breakdown": "url",
     "breakdown_limit": 1},
    {"series": [{"event": "$any"}], "breakdown": "device", "interval": "month"},
    {"series": [{"event": "view"}], "breakdown": "country", "compare": True},
    {"series": [{"event": "view"}, {"event": "view", "math": "dau"}], "formula": "A - B"},
])
def test_the_rollup_answers_as_raw_events_do(written, api_context, body) -> None:
    scope = api_context.store.scope(TENANT)
    assert _trends(scope, **body) == _trends(scope, **body, filters=EVERYTHING)


def test_only_the_committed_batch_is_read(written, clickhouse, api_context) -> None:
    scope = api_context.store.scope(TENANT)
    before = _trends(scope, series=[{"event": "view"}], breakdown="device")
    refresh_daily_actives(clickhouse, [TENANT], date(2026, 2, 23))  # a new batch
    assert _trends(scope, series=[{"event": "view"}], breakdown="device") == before
    # Rows older than the committed batch (values the day no longer has) are not read.
    clickhouse.command(
        f"INSERT INTO {COUNTS_TABLE} SELECT tenant_id, day, event, property, 'ghost', 999, "
        f"computed_at - 60 FROM {COUNTS_TABLE} WHERE tenant_id = {{t:String}}",
        parameters={"t": TENANT})
    assert _trends(scope, series=[{"event": "view"}], breakdown="device") == before


def test_a_stale_day_is_counted_from_raw_events(written, clickhouse, api_context,
                                                server_url) -> None:
    clickhouse.insert_arrow("raw_events", raw_events_table(TENANT, "direct", [
        _row("p7", "view", "2026-03-04T09:00", "mobile", "FR", "/d")]))
    scope = RecordingScope(api_context.store.scope(TENANT))
    body = {"series": [{"event": "view"}], "breakdown": "device",
            "date_from": "2026-03-02", "date_to": "2026-03-04"}
    data = _lines(_trends(scope, **body))
    assert data == {("A", "mobile"): [0, 0, 2], ("A", "desktop"): [1, 0, 0]}
    assert _raw_reads(scope)  # 03-04 from raw events (and its top values)
    with tenant_client(server_url, api_context, TENANT) as client:
        plain = client.post("/analytics/trends", json=body).json()["data"]
        forced = client.post("/analytics/trends", json={**body, "filters": EVERYTHING})
    assert plain == forced.json()["data"]


def test_every_hot_string_column_is_rolled_up() -> None:
    from api.analytics.filters import HOT_COLUMNS, NUMERIC_COLUMNS
    from api.analytics.rollups import ROLLED_UP_PROPERTIES

    assert set(HOT_COLUMNS) - NUMERIC_COLUMNS == ROLLED_UP_PROPERTIES
