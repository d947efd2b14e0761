"""Property filters: every operator on hot columns and on the properties map, through
HTTP on hand-made events, and injection strings that stay values.

Also home of the small helpers the analytics API tests share (hand-made raw events for
a tenant of their own, and a client holding that tenant's key).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from api.analytics.filters import QueryParams, filter_sql
from api.analytics.schemas import PropertyFilter
from api.keys import create_key
from tests.api.conftest import client_for

_COLUMNS = ["tenant_id", "event_id", "event", "person_id", "session_id", "timestamp",
            "properties", "url", "referrer", "utm_source", "country", "device", "revenue",
            "source", "ingested_at"]
_HOT = ("url", "referrer", "utm_source", "country", "device")
DROP = "'; DROP TABLE raw_events; --"
OR_TRUE = "x') OR 1=1 --"


def ev(person: str, event: str, at: str, event_id: str | None = None,
       props: dict[str, str] | None = None, revenue: float | None = None,
       **hot: str) -> dict:
    """One hand-made event (`at` is ISO, UTC; hot columns by keyword)."""
    return {"person": person, "event": event, "at": at, "event_id": event_id,
            "props": props or {}, "revenue": revenue, **hot}


def insert_events(clickhouse, tenant: str, events: list[dict]) -> None:
    """Write `events` (from `ev`) into raw_events for `tenant`; a missing event_id is
    the row's index, zero-padded, so equal timestamps keep the written order."""
    rows = []
    for index, e in enumerate(events):
        at = datetime.fromisoformat(e["at"]).replace(tzinfo=UTC)
        rows.append([tenant, e["event_id"] or f"{index:05d}", e["event"], e["person"],
                     f"{e['person']}-s", at, e["props"], *(e.get(c, "") for c in _HOT),
                     e["revenue"], "test", datetime(2026, 3, 1, tzinfo=UTC)])
    clickhouse.insert("raw_events", rows, column_names=_COLUMNS)


def tenant_client(server_url: str, api_context, tenant: str) -> httpx.Client:
    """A client with a fresh read key of `tenant`."""
    return client_for(server_url, create_key(api_context.db, tenant, ["read"], "tests")[0])


TENANT = "t_an_filters"
DAY = "2026-02-10"
EVENTS = [
    ev("f1", "click", f"{DAY}T09:00:00", props={"plan": "pro", "n": "5"}, revenue=10.0,
       utm_source="google", country="US"),
    ev("f2", "click", f"{DAY}T09:10:00", props={"plan": "starter", "n": "12"},
       utm_source="twitter", country="DE"),
    ev("f3", "click", f"{DAY}T09:20:00", props={"plan": "Pro Max"}, revenue=99.5,
       country="US"),
    ev("f4", "click", f"{DAY}T09:30:00", revenue=0.0, utm_source="google", country="FR"),
    ev("f5", "click", f"{DAY}T09:40:00", props={"plan": DROP}, utm_source=OR_TRUE),
]


@pytest.fixture(scope="module")
def client(clickhouse, server_url, api_context) -> Iterator[httpx.Client]:
    insert_events(clickhouse, TENANT, EVENTS)
    with tenant_client(server_url, api_context, TENANT) as c:
        yield c


def _count(client: httpx.Client, *filters: dict) -> int:
    response = client.post("/analytics/trends", json={
        "series": [{"event": "click"}], "date_from": DAY, "date_to": DAY,
        "filters": list(filters)})
    assert response.status_code == 200, response.text
    return response.json()["data"]["results"][0]["data"][0]


@pytest.mark.parametrize(
    ("prop", "operator", "value", "expected"),
    [
        # properties map: f1 pro/5, f2 starter/12, f3 "Pro Max", f4 no plan, f5 the DROP text
        ("plan", "eq", "pro", 1),  # f1 (eq is case-sensitive)
        ("plan", "neq", "pro", 4),  # f2 f3 f4 (unset) f5
        ("plan", "in", ["pro", "starter"], 2),
        ("plan", "not_in", ["pro", "starter"], 3),
        ("plan", "contains", "PRO", 2),  # f1, f3: case-insensitive substring
        ("plan", "not_contains", "pro", 3),
        ("n", "gt", 5, 1),  # f2 (12)
        ("n", "gte", 5, 2),
        ("n", "lt", "12", 1),  # a numeric string is a number; f1 (5)
        ("n", "lte", 12, 2),
        ("n", "eq", 5, 1),  # a number compared with text reads "5"
        ("plan", "is_set", None, 4),
        ("plan", "is_not_set", None, 1),  # f4
        # hot columns: utm_source, country (String) and revenue (Nullable Float64)
        ("utm_source", "eq", "google", 2),
        ("utm_source", "is_set", None, 4),  # f3 has ''
        ("utm_source", "is_not_set", None, 1),
        ("country", "in", ["US", "DE"], 3),
        ("country", "is_not_set", None, 1),  # f5
        ("revenue", "gt", 5, 2),  # 10, 99.5
        ("revenue", "eq", 0, 1),  # f4
        ("revenue", "neq", 10, 4),  # unset revenue is not 10
        ("revenue", "in", [10, "0"], 2),
        ("revenue", "is_set", None, 3),
        ("revenue", "is_not_set", None, 2),
        # injection strings are values like any other
        ("plan", "eq", DROP, 1),  # f5
        ("utm_source", "eq", OR_TRUE, 1),  # f5
        ("utm_source", "in", [OR_TRUE, DROP], 1),
        ("plan", "contains", "DROP TABLE", 1),
        (DROP, "eq", "x", 0),  # a property named like an injection: just a missing key
        (DROP, "is_not_set", None, 5),
        (OR_TRUE, "neq", "x", 5),
    ],
)
def test_operator(client, prop: str, operator: str, value, expected: int) -> None:
    flt = {"property": prop, "operator": operator}
    if value is not None:
        flt["value"] = value
    assert _count(client, flt) == expected


def test_filters_combine_with_and_and_per_series(client) -> None:
    both = _count(client, {"property": "country", "operator": "eq", "value": "US"},
                  {"property": "revenue", "operator": "gte", "value": 50})
    assert both == 1  # f3
    response = client.post("/analytics/trends", json={
        "series": [
            {"event": "click", "filters": [{"property": "plan", "operator": "is_set"}]},
            {"event": "click", "filters": [{"property": "plan", "operator": "is_not_set"}]},
        ],
        "date_from": DAY, "date_to": DAY,
        "filters": [{"property": "utm_source", "operator": "eq", "value": "google"}]})
    results = response.json()["data"]["results"]
    assert [r["data"] for r in results] == [[1], [1]]  # google: f1 has a plan, f4 none


def test_injection_leaves_the_table_and_the_tenant_alone(client, clickhouse) -> None:
    for flt in ({"property": DROP, "operator": "eq", "value": DROP},
                {"property": OR_TRUE, "operator": "in", "value": [OR_TRUE]},
                {"property": "plan", "operator": "not_in", "value": [DROP, OR_TRUE]}):
        response = client.post("/analytics/trends", json={
            "series": [{"event": "click"}, {"event": "$any"}], "date_from": DAY,
            "date_to": DAY, "filters": [flt], "breakdown": DROP})
        assert response.status_code == 200
    # f5's plan is the DROP text, every other click has another plan or none: 4 rows pass
    assert _count(client, {"property": "plan", "operator": "not_in",
                           "value": [DROP, OR_TRUE]}) == 4
    total = clickhouse.query("SELECT count() FROM raw_events WHERE tenant_id = {t:String}",
                             parameters={"t": TENANT}).result_rows[0][0]
    assert total == len(EVENTS)


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        ({"property": "n", "operator": "gt", "value": "lots"}, "needs a number"),
        ({"property": "plan", "operator": "eq"}, "needs a value"),
        ({"property": "plan", "operator": "eq", "value": ["a"]}, "single value"),
        ({"property": "plan", "operator": "in", "value": []}, "list of 1 to 1000"),
        ({"property": "revenue", "operator": "eq", "value": "ten"}, "needs a number"),
        ({"property": "plan", "operator": "like", "value": "x"}, "operator"),
        ({"property": "", "operator": "eq", "value": "x"}, "property"),
    ],
)
def test_bad_filters_are_422_naming_the_filter(client, flt: dict, message: str) -> None:
    response = client.post("/analytics/trends", json={
        "series": [{"event": "click"}], "date_from": DAY, "date_to": DAY, "filters": [flt]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"].startswith("filters.0")
    assert message in error["message"] or message in error["field"]


def test_generated_sql_holds_no_request_text() -> None:
    params = QueryParams()
    sql = " AND ".join(filter_sql(PropertyFilter(property=prop, operator=op, value=value),
                                  params)
                       for prop, op, value in [(DROP, "eq", OR_TRUE), ("utm_source", "in",
                                                                       [DROP]),
                                               (OR_TRUE, "contains", DROP),
                                               (DROP, "is_set", None)])
    assert "DROP" not in sql and "OR 1=1" not in sql
    assert DROP in params.values.values() and OR_TRUE in params.values.values()
    assert "utm_source" in sql  # hot columns are the only identifiers
