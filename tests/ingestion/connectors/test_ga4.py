"""GA4 Data API runReport connector against the fake server."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, date, datetime

import pytest

from ingestion.connectors import NotConfiguredError, ga4
from ingestion.http_policy import ConnectorError
from warehouse.raw_schemas import RAW_CONNECTOR_RECORDS

DAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 2, 6, 0, tzinfo=UTC)
PATH = "/v1beta/properties/312345678:runReport"
METRIC_HEADERS = [
    {"name": "sessions", "type": "TYPE_INTEGER"},
    {"name": "totalUsers", "type": "TYPE_INTEGER"},
    {"name": "keyEvents", "type": "TYPE_INTEGER"},
    {"name": "totalRevenue", "type": "TYPE_CURRENCY"},
]


def _row(source, sessions, users, key_events, revenue, day="20250301"):
    return {
        "dimensionValues": [{"value": day}, {"value": source}],
        "metricValues": [{"value": v} for v in (sessions, users, key_events, revenue)],
    }


def _report(rows, row_count, currency="USD"):
    report = {
        "dimensionHeaders": [{"name": "date"}, {"name": "sessionSource"}],
        "metricHeaders": METRIC_HEADERS,
        "rows": rows,
        "rowCount": row_count,
        "metadata": {"timeZone": "America/Los_Angeles"},
        "kind": "analyticsData#runReport",
    }
    if currency:
        report["metadata"]["currencyCode"] = currency
    return report


PAGE_1 = _report(
    [_row("google", "1200", "950", "31", "2480.5"), _row("(direct)", "800", "640", "12", "0")],
    row_count=3,
)
PAGE_2 = _report([_row("linkedin.com", "75", "70", "2", "199.99")], row_count=3)


@pytest.fixture
def settings(base_settings):
    return dataclasses.replace(
        base_settings, ga4_access_token="ya29.ga4-token", ga4_property_id="312345678"
    )


def _fetch(settings, client_factory, sleeps):
    return ga4.fetch(settings, (), DAY, client_factory=client_factory, sleep=sleeps.append, now=NOW)


def test_two_pages_map_to_exact_records(fake_server, settings, client_factory, sleeps) -> None:
    fake_server.script("POST", PATH, fake_server.json(PAGE_1), fake_server.json(PAGE_2))
    batch = _fetch(settings, client_factory, sleeps)

    first, second = fake_server.to(PATH)
    assert first.headers["authorization"] == "Bearer ya29.ga4-token"
    assert first.json() == {
        "dateRanges": [{"startDate": "2025-03-01", "endDate": "2025-03-01"}],
        "dimensions": [{"name": "date"}, {"name": "sessionSource"}],
        "metrics": [
            {"name": "sessions"},
            {"name": "totalUsers"},
            {"name": "keyEvents"},
            {"name": "totalRevenue"},
        ],
        "limit": 10000,
        "offset": 0,
    }
    assert second.json()["offset"] == 2

    assert batch.source == "ga4_api"
    table = batch.tables["raw_connector_records"]
    assert table.schema == RAW_CONNECTOR_RECORDS
    rows = table.to_pylist()
    assert [r["record_id"] for r in rows] == [
        "2025-03-01:google",
        "2025-03-01:(direct)",
        "2025-03-01:linkedin.com",
    ]
    assert [r["amount"] for r in rows] == [2480.5, 0.0, 199.99]
    assert rows[0]["payload"] == (
        '{"conversions":31,"date":"2025-03-01","revenue":2480.5,"sessions":1200,'
        '"source":"google","users":950}'
    )
    assert json.loads(rows[2]["payload"]) == {
        "date": "2025-03-01",
        "source": "linkedin.com",
        "sessions": 75,
        "users": 70,
        "conversions": 2,
        "revenue": 199.99,
    }
    assert {
        (
            r["tenant_id"],
            r["connector"],
            r["record_type"],
            r["currency"],
            r["source"],
            r["occurred_at"],
            r["ingested_at"],
        )
        for r in rows
    } == {("acme", "ga4", "ga4_daily", "USD", "ga4_api", datetime(2025, 3, 1, tzinfo=UTC), NOW)}
    assert batch.quarantine.num_rows == 0


def test_currency_comes_from_report_metadata_else_usd(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script(
        "POST",
        PATH,
        fake_server.json(_report([_row("google", "1", "1", "0", "10")], 1, currency="EUR")),
        fake_server.json(_report([_row("google", "1", "1", "0", "10")], 1, currency=None)),
    )
    eur = _fetch(settings, client_factory, sleeps).tables["raw_connector_records"]
    usd = _fetch(settings, client_factory, sleeps).tables["raw_connector_records"]
    assert eur.column("currency").to_pylist() == ["EUR"]
    assert usd.column("currency").to_pylist() == ["USD"]


def test_empty_report_gives_empty_table(fake_server, settings, client_factory, sleeps) -> None:
    empty = {
        "dimensionHeaders": [{"name": "date"}, {"name": "sessionSource"}],
        "metricHeaders": METRIC_HEADERS,
        "metadata": {"currencyCode": "USD"},
        "kind": "analyticsData#runReport",
    }
    fake_server.script("POST", PATH, fake_server.json(empty))
    batch = _fetch(settings, client_factory, sleeps)
    assert batch.row_counts() == {"raw_connector_records": 0, "quarantine": 0}


def test_429_waits_for_retry_after_then_succeeds(
    fake_server, settings, client_factory, sleeps
) -> None:
    exhausted = {
        "error": {
            "code": 429,
            "status": "RESOURCE_EXHAUSTED",
            "message": "Exhausted property tokens per hour.",
        }
    }
    fake_server.script(
        "POST",
        PATH,
        fake_server.json(exhausted, 429, {"Retry-After": "45"}),
        fake_server.json(_report([_row("google", "5", "4", "1", "10")], 1)),
    )
    batch = _fetch(settings, client_factory, sleeps)
    assert sleeps == [45.0]
    assert batch.tables["raw_connector_records"].num_rows == 1


def test_5xx_exhausted_raises_and_returns_nothing(
    fake_server, settings, client_factory, sleeps
) -> None:
    fake_server.script("POST", PATH, fake_server.json(PAGE_1))
    fake_server.script(
        "POST",
        PATH,
        fake_server.json({"error": {"code": 503, "status": "UNAVAILABLE"}}, 503),
        repeat_last=True,
    )
    with pytest.raises(ConnectorError) as caught:
        _fetch(settings, client_factory, sleeps)
    message = str(caught.value)
    assert f"ga4: request to {fake_server.url}{PATH} failed after 4 attempts" in message
    assert "last status 503" in message and "try again later" in message


def test_401_points_at_the_token(fake_server, settings, client_factory, sleeps) -> None:
    fake_server.script(
        "POST", PATH, fake_server.json({"error": {"code": 401, "status": "UNAUTHENTICATED"}}, 401)
    )
    with pytest.raises(ConnectorError, match="check SIGHTLINE_GA4_ACCESS_TOKEN"):
        _fetch(settings, client_factory, sleeps)


def test_malformed_page_is_quarantined_and_earlier_page_kept(
    fake_server, settings, client_factory, sleeps
) -> None:
    truncated = json.dumps(PAGE_2)[:120]
    fake_server.script("POST", PATH, fake_server.json(PAGE_1), fake_server.text(truncated))
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_connector_records"].column("record_id").to_pylist() == [
        "2025-03-01:google",
        "2025-03-01:(direct)",
    ]
    (row,) = batch.quarantine.to_pylist()
    assert (row["line_number"], row["raw"], row["file"]) == (
        2,
        truncated,
        f"{fake_server.url}{PATH}",
    )
    assert (row["source"], row["target_table"], row["partition_date"]) == (
        "ga4_api",
        "raw_connector_records",
        DAY,
    )
    assert "not valid JSON" in row["reason"]


def test_bad_row_is_quarantined_others_kept(fake_server, settings, client_factory, sleeps) -> None:
    bad_number = _row("bing", "12", "many", "0", "0")
    wrong_day = _row("yahoo", "1", "1", "0", "0", day="20250302")
    page = _report([bad_number, _row("google", "5", "4", "1", "10"), wrong_day], 3)
    fake_server.script("POST", PATH, fake_server.json(page))
    batch = _fetch(settings, client_factory, sleeps)

    assert batch.tables["raw_connector_records"].column("record_id").to_pylist() == [
        "2025-03-01:google"
    ]
    reasons = batch.quarantine.column("reason").to_pylist()
    assert reasons == [
        "row 1 on page 1: totalUsers 'many' is not a number",
        "row 3 on page 1: date 2025-03-02 is outside the requested day 2025-03-01",
    ]
    assert json.loads(batch.quarantine.column("raw")[0].as_py()) == bad_number


def test_page_cap_stops_and_warns(fake_server, settings, client_factory, sleeps, caplog) -> None:
    fake_server.script("POST", PATH, fake_server.json(PAGE_1), fake_server.json(PAGE_2))
    with caplog.at_level(logging.WARNING):
        batch = _fetch(dataclasses.replace(settings, max_pages=1), client_factory, sleeps)
    assert len(fake_server.to(PATH)) == 1
    assert batch.tables["raw_connector_records"].num_rows == 2
    assert any(
        "ga4 2025-03-01: stopped after max_pages=1" in r.getMessage() for r in caplog.records
    )


def test_skip_reasons(base_settings, settings) -> None:
    assert ga4.skip_reason(base_settings) == (
        "SIGHTLINE_GA4_ACCESS_TOKEN and SIGHTLINE_GA4_PROPERTY_ID are not set"
    )
    assert ga4.skip_reason(settings) is None
    prefixed = dataclasses.replace(settings, ga4_property_id="properties/312345678")
    assert ga4.skip_reason(prefixed) is None
    bad = dataclasses.replace(settings, ga4_property_id="G-ABC123")
    assert "is not a numeric GA4 property id" in ga4.skip_reason(bad)
    with pytest.raises(NotConfiguredError):
        ga4.fetch(base_settings, (), DAY)
