"""Daily actives from the rollup: a dau trend reads the rollup for the days it still
describes and raw events for the others, with the same numbers either way.

Tenant t_an_rollup, written through the partition writer (so the rollup is current):
    02-16: p1 view, p2 view, p1 buy     → dau view 2, $any 2, buy 1
    02-17: p1 view, p3 view             → dau view 2, $any 2
    02-18: nothing                      → 0
then one event inserted directly on 02-17 (p4 view, no refresh): 02-17 becomes stale and
is counted from raw events → view 3, $any 3.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.analytics.schemas import TrendsQuery
from api.analytics.trends import compute_trends
from tests.api.test_filters import tenant_client
from tests.raw_events import raw_events_table
from warehouse.partition_writer import write_partition

TENANT = "t_an_rollup"
DAYS = {"date_from": "2026-02-16", "date_to": "2026-02-18"}


def _events(rows: list[tuple[str, str, str]], source: str = "rollup-test"):
    return raw_events_table(TENANT, source, [
        (person, event, datetime.fromisoformat(at).replace(tzinfo=UTC))
        for person, event, at in rows])


class RecordingScope:
    """Delegates to a TenantScope and keeps the SQL it ran."""

    def __init__(self, scope) -> None:
        self.scope = scope
        self.queries: list[tuple[str, dict]] = []

    def rows(self, sql: str, parameters: dict | None = None) -> list[dict]:
        self.queries.append((sql, dict(parameters or {})))
        return self.scope.rows(sql, parameters)

    def raw_distinct_counts(self) -> list[dict]:
        return [p for sql, p in self.queries if "FROM raw_events" in sql and "uniqExact" in sql]


@pytest.fixture(scope="module")
def written(clickhouse) -> None:
    write_partition(clickhouse, "raw_events", "rollup-test", date(2026, 2, 16), [TENANT],
                    [_events([("p1", "view", "2026-02-16T08:00"),
                              ("p2", "view", "2026-02-16T09:00"),
                              ("p1", "buy", "2026-02-16T10:00")])])
    write_partition(clickhouse, "raw_events", "rollup-test", date(2026, 2, 17), [TENANT],
                    [_events([("p1", "view", "2026-02-17T08:00"),
                              ("p3", "view", "2026-02-17T09:00")])])


def _dau(scope, event: str) -> list[int]:
    query = TrendsQuery.model_validate({"series": [{"event": event, "math": "dau"}], **DAYS})
    return compute_trends(scope, query)["results"][0]["data"]


def test_fresh_days_come_from_the_rollup(written, api_context) -> None:
    scope = RecordingScope(api_context.store.scope(TENANT))
    assert _dau(scope, "view") == [2, 2, 0]
    assert _dau(scope, "$any") == [2, 2, 0]
    assert _dau(scope, "buy") == [1, 0, 0]
    assert scope.raw_distinct_counts() == []


def test_a_stale_day_is_counted_from_raw_events(written, clickhouse, api_context,
                                                server_url) -> None:
    clickhouse.insert_arrow("raw_events", _events([("p4", "view", "2026-02-17T12:00")],
                                                  source="direct"))
    scope = RecordingScope(api_context.store.scope(TENANT))
    assert _dau(scope, "view") == [2, 3, 0]
    assert _dau(scope, "$any") == [2, 3, 0]
    stale = scope.raw_distinct_counts()  # one per series, for 02-17 only
    assert len(stale) == 2
    assert all([date(2026, 2, 17)] in params.values() for params in stale)
    # Over HTTP, and the same numbers with a filter that forces the raw path everywhere.
    with tenant_client(server_url, api_context, TENANT) as client:
        plain = client.post("/analytics/trends", json={
            "series": [{"event": "view", "math": "dau"}], **DAYS}).json()["data"]
        filtered = client.post("/analytics/trends", json={
            "series": [{"event": "view", "math": "dau"}], **DAYS,
            "filters": [{"property": "utm_source", "operator": "is_not_set"}]}).json()["data"]
    assert plain["results"][0]["data"] == filtered["results"][0]["data"] == [2, 3, 0]
