"""POST /v1/events: per-event validation by the landing contract, one atomic JSONL file per
batch, and the accepted events reach raw_events through the real intake and landing load."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import dagster as dg
import pytest

from api.ingest.service import MAX_EVENTS
from api.keys import create_key
from orchestration.runner import run_job, run_range
from tests.api.conftest import client_for

TENANT = "t_ingest_ev"
DAY = date(2026, 2, 10)  # no other test lands events on this day

GOOD = {"event_id": "e1", "event": "signup", "person_id": "p1",
        "timestamp": "2026-02-10T09:00:00Z", "properties": {"plan": "pro", "seats": 3}}
# Ten events, worked out by hand:
#   0 good                                        → accepted
#   1 no person_id                                → missing required field
#   2 timestamp "yesterday"                       → not ISO 8601
#   3 event_id e1 again                           → duplicate in this batch
#   4 extra field "colour"                        → unknown field
#   5 good, +01:00 offset (09:00 UTC), revenue    → accepted
#   6 a day before SIGHTLINE_PARTITION_START      → no partition can hold it
#   7 good, no offset (taken as UTC)              → accepted
#   8 tries to choose a tenant                    → unknown field tenant_id
#   9 timestamp in 2100                           → in the future
# → 3 accepted + 7 rejected = 10 events
BATCH = [
    GOOD,
    {"event_id": "e2", "event": "visit", "timestamp": "2026-02-10T09:10:00Z"},
    {"event_id": "e3", "event": "visit", "person_id": "p2", "timestamp": "yesterday"},
    {"event_id": "e1", "event": "visit", "person_id": "p3", "timestamp": "2026-02-10T09:20:00Z"},
    {"event_id": "e4", "event": "visit", "person_id": "p4", "timestamp": "2026-02-10T09:30:00Z",
     "colour": "red"},
    {"event_id": "e5", "event": "purchase", "person_id": "p1", "revenue": 49.5,
     "timestamp": "2026-02-10T10:00:00+01:00", "country": "de", "device": "Mobile"},
    {"event_id": "e9", "event": "visit", "person_id": "p9", "timestamp": "2025-12-31T23:59:59Z"},
    {"event_id": "e6", "event": "visit", "person_id": "p5", "timestamp": "2026-02-10T11:00:00",
     "utm_source": "newsletter"},
    {"event_id": "e7", "event": "visit", "person_id": "p6", "timestamp": "2026-02-10T12:00:00Z",
     "tenant_id": "globex"},
    {"event_id": "e8", "event": "visit", "person_id": "p7", "timestamp": "2100-01-01T00:00:00Z"},
]
EXPECTED_REJECTIONS = [
    (1, "e2", "missing required field 'person_id'"),
    (2, "e3", "field 'timestamp'='yesterday' is not an ISO 8601 timestamp"),
    (3, "e1", "duplicate event_id 'e1' in this batch"),
    (4, "e4", "unknown field(s) ['colour']"),
    (6, "e9", "timestamp 2025-12-31 23:59:59+00:00 is before the first partition 2026-01-01 "
     "(SIGHTLINE_PARTITION_START); no daily partition can hold it"),
    (8, "e7", "unknown field(s) ['tenant_id']"),
    (9, "e8", "timestamp 2100-01-01 00:00:00+00:00 is in the future"),
]


@pytest.fixture(scope="module")
def client(server_url, api_context):
    key, _ = create_key(api_context.db, TENANT, ["read", "ingest"], "events tests")
    with client_for(server_url, key) as http:
        yield http


def test_batch_lists_every_rejection_and_lands_the_rest_once(client, api_settings) -> None:
    answer = client.post("/events", json={"events": BATCH})
    assert answer.status_code == 202, answer.text
    data = answer.json()["data"]
    assert data["accepted"] == 3
    assert [(r["index"], r["event_id"], r["reason"]) for r in data["rejected"]] == \
        EXPECTED_REJECTIONS
    # Nothing is lost: every index is accepted or rejected.
    assert data["accepted"] + len(data["rejected"]) == len(BATCH)

    # One JSONL file under the key's tenant, named by its content hash.
    folder = api_settings.landing_dir / "events" / TENANT
    assert data["file"].startswith(f"events/{TENANT}/api-") and data["file"].endswith(".jsonl")
    landed = api_settings.landing_dir / data["file"]
    lines = [json.loads(line) for line in landed.read_text().splitlines()]
    assert [e["event_id"] for e in lines] == ["e1", "e5", "e6"]
    assert lines[0] == GOOD
    assert [p.name for p in folder.iterdir()] == [landed.name]  # no temp file left

    # A retried identical batch finds the waiting file and writes nothing new.
    again = client.post("/events", json={"events": BATCH}).json()["data"]
    assert again["file"] == data["file"] and again["accepted"] == 3
    assert [p.name for p in folder.iterdir()] == [landed.name]


def test_accepted_events_reach_raw_events_through_intake_and_load(
        server_url, api_context, api_settings, instance, clickhouse) -> None:
    tenant = "t_ingest_ev2"  # its own tenant: raw_events then holds exactly this batch
    key, _ = create_key(api_context.db, tenant, ["ingest"], "events load test")
    with client_for(server_url, key) as http:
        data = http.post("/events", json={"events": BATCH}).json()["data"]
    assert data["accepted"] == 3

    run_job("landing_intake_job", instance)
    name = data["file"].rsplit("/", 1)[1]
    assert not (api_settings.landing_dir / data["file"]).exists()
    processed = api_settings.landing_dir / "events" / "processed" / tenant
    assert [p.name.endswith(name) for p in processed.iterdir()] == [True]
    run_range(dg.AssetSelection.assets(["raw", "landing_events"]), DAY, DAY, instance)

    rows = clickhouse.query(
        "SELECT event_id, person_id, timestamp, revenue, country, device, utm_source, source "
        "FROM raw_events WHERE tenant_id = {t:String} ORDER BY event_id",
        parameters={"t": tenant}).result_rows
    assert [r[0] for r in rows] == ["e1", "e5", "e6"]
    e1, e5, e6 = rows
    assert e5[2].replace(tzinfo=UTC) == datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # +01:00
    assert e6[2].replace(tzinfo=UTC) == datetime(2026, 2, 10, 11, 0, tzinfo=UTC)  # no offset
    assert (e5[3], e5[4], e5[5]) == (49.5, "DE", "mobile")
    assert (e1[6], e6[6]) == ("direct", "newsletter")
    assert {r[7] for r in rows} == {"landing:events"}
    quarantined = clickhouse.query(
        "SELECT count() FROM quarantine WHERE tenant_id = {t:String}",
        parameters={"t": tenant}).result_rows[0][0]
    assert quarantined == 0  # the API rejected the bad events before landing them


def test_batch_limits_and_shape(client) -> None:
    too_many = [dict(GOOD, event_id=f"x{i}") for i in range(MAX_EVENTS + 1)]
    answer = client.post("/events", json={"events": too_many})
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["errors"][0]["field"] == "events"
    assert "at most 10,000 events, got 10,001" in problem["detail"]

    empty = client.post("/events", json={"events": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "events"
    # The body cannot name a tenant: the batch model forbids extra fields.
    chosen = client.post("/events", json={"events": [GOOD], "tenant_id": "globex"})
    assert chosen.status_code == 422
    assert chosen.json()["errors"][0]["field"] == "tenant_id"


@pytest.mark.parametrize(("item", "message"), [
    (dict(GOOD, schema_version={}), "schema_version must be an integer, got an object"),
    (dict(GOOD, schema_version=[1]), "schema_version must be an integer, got an array"),
    (dict(GOOD, schema_version="1"), "schema_version must be an integer, got a string"),
    ("not an event", "a record must be a JSON object, got a string"),
])
def test_an_item_no_contract_can_read_is_422_naming_it(client, item, message) -> None:
    answer = client.post("/events", json={"events": [GOOD, item]})
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "events.1"
    assert message in error["message"]


def test_events_need_the_ingest_scope(server_url, keys) -> None:
    with client_for(server_url, keys.acme_read) as reader:
        assert reader.post("/events", json={"events": [GOOD]}).status_code == 403
    with client_for(server_url, None) as anonymous:
        assert anonymous.post("/events", json={"events": [GOOD]}).status_code == 401
