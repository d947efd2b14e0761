"""GET /v1/connectors: SaaS connectors configured or skipped, landing files per state,
last sync and quarantine counts per source, all for the caller's tenant only."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.ingest.webhooks import create_webhook_secret
from api.keys import create_key
from tests.api.conftest import client_for

TENANT, OTHER = "t_ingest_cs", "t_ingest_cs_other"
EVENTS_COLUMNS = ["tenant_id", "event_id", "event", "person_id", "session_id", "timestamp",
                  "properties", "url", "referrer", "utm_source", "country", "device",
                  "revenue", "source", "ingested_at"]
QUARANTINE_COLUMNS = ["tenant_id", "source", "target_table", "partition_date", "file",
                      "line_number", "raw", "reason", "ingested_at"]
AT = datetime(2026, 2, 13, 8, 0, tzinfo=UTC)
HEADER = "order_id,customer_id,occurred_at,amount,currency\n"


def _event(tenant: str, event_id: str, source: str, ingested_at: datetime) -> list:
    return [tenant, event_id, "visit", "p", "", AT, {}, "", "", "direct", "", "", None, source,
            ingested_at]


def _bad(tenant: str, source: str, line: int) -> list:
    return [tenant, source, "raw_connector_records", date(2026, 2, 13), "f.csv", line, "x",
            "bad", AT]


@pytest.fixture(scope="module")
def seeded(clickhouse, api_settings, api_context) -> None:
    """By hand, for TENANT:
    raw_events: landing:events last ingested 2026-02-13 10:00 (two rows, 09:00 and 10:00),
                demo 2026-02-13 11:30;
    quarantine: landing:revenue 3 rows, x_api 2 rows;
    landing zone: revenue 2 waiting (+1 hidden temp file), 1 processed, 1 failed;
                  events 1 waiting; mentions none;
    webhook secret for mentions.
    OTHER gets rows and files that must not be counted for TENANT."""
    clickhouse.insert("raw_events", [
        _event(TENANT, "cs-1", "landing:events", datetime(2026, 2, 13, 9, 0, tzinfo=UTC)),
        _event(TENANT, "cs-2", "landing:events", datetime(2026, 2, 13, 10, 0, tzinfo=UTC)),
        _event(TENANT, "cs-3", "demo", datetime(2026, 2, 13, 11, 30, tzinfo=UTC)),
        _event(OTHER, "cs-4", "landing:events", datetime(2026, 2, 14, 12, 0, tzinfo=UTC)),
    ], column_names=EVENTS_COLUMNS)
    clickhouse.insert("quarantine", [
        *(_bad(TENANT, "landing:revenue", n) for n in range(3)),
        *(_bad(TENANT, "x_api", n) for n in range(2)),
        *(_bad(OTHER, "landing:revenue", n) for n in range(5)),
    ], column_names=QUARANTINE_COLUMNS)
    landing = api_settings.landing_dir
    files = {
        ("revenue", TENANT): ["a.csv", "b.csv", ".incoming-123.tmp"],
        ("revenue", "processed", TENANT): ["20260213T000000-abcd1234-old.csv"],
        ("revenue", "failed", TENANT): ["20260213T000000-dcba4321-wrong.csv"],
        ("events", TENANT): ["api-x.jsonl"],
        ("revenue", OTHER): ["c.csv", "d.csv", "e.csv"],
    }
    for parts, names in files.items():
        folder = landing.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:  # header-only files: intake later reads them without a trace
            (folder / name).write_text(HEADER if name.endswith(".csv") else "")
    create_webhook_secret(api_context.db, TENANT, "mentions")


@pytest.fixture(scope="module")
def status(seeded, server_url, api_context) -> dict:
    key = create_key(api_context.db, TENANT, ["ingest"], "connectors tests")[0]
    with client_for(server_url, key) as http:
        answer = http.get("/connectors")
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_landing_connectors_count_this_tenants_files(status) -> None:
    landing = {c["name"]: c for c in status["landing"]}
    assert list(landing) == ["revenue", "competitor_moves", "mentions", "events"]
    assert landing["revenue"]["files"] == {"waiting": 2, "processed": 1, "failed": 1}
    assert landing["events"]["files"] == {"waiting": 1, "processed": 0, "failed": 0}
    assert landing["mentions"]["files"] == {"waiting": 0, "processed": 0, "failed": 0}
    assert {n: c["webhook_secret"] for n, c in landing.items()} == {
        "revenue": False, "competitor_moves": False, "mentions": True, "events": False}
    assert landing["revenue"]["schema_versions"]["2"][-1] == "product"


def test_last_sync_and_quarantine_per_source(status) -> None:
    landing = {c["name"]: c for c in status["landing"]}
    assert landing["revenue"]["quarantined"] == 3 and landing["revenue"]["last_sync"] is None
    assert landing["events"]["last_sync"].startswith("2026-02-13T10:00:00")
    assert landing["events"]["quarantined"] == 0
    sources = {s["source"]: s for s in status["sources"]}
    assert sorted(sources) == ["demo", "landing:events", "landing:revenue", "x_api"]
    assert sources["demo"]["last_sync"].startswith("2026-02-13T11:30:00")
    assert sources["x_api"] == {"source": "x_api", "last_sync": None, "quarantined": 2,
                                "quarantine_reasons": [{"reason": "bad", "rows": 2}]}


def test_saas_connectors_report_why_they_are_skipped(status) -> None:
    saas = {c["name"]: c for c in status["saas"]}
    assert sorted(saas) == ["ga4", "linkedin", "reddit", "x"]
    assert {c["status"] for c in saas.values()} == {"skipped"}  # no credentials in tests
    assert "SIGHTLINE_X_BEARER_TOKEN" in saas["x"]["reason"]
    assert saas["x"]["quarantined"] == 2 and saas["x"]["source"] == "x_api"


def test_connectors_need_the_ingest_scope(server_url, keys) -> None:
    with client_for(server_url, keys.acme_read) as reader:
        assert reader.get("/connectors").status_code == 403
    with client_for(server_url, None) as anonymous:
        assert anonymous.get("/connectors").status_code == 401
