"""POST /v1/webhooks/{connector}: HMAC signatures, timestamp tolerance, replayed deliveries,
per-(tenant, connector) secrets, and the landed file reads cleanly through intake."""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from api.ingest.webhooks import (
    create_webhook_secret,
    list_webhook_secrets,
    rotate_webhook_secret,
    sign,
)
from api.keys import create_key
from ingestion.landing.intake import intake_pending
from tests.api.conftest import client_for

TENANT = "t_ingest_wh"
CONNECTOR = "revenue"
# One good revenue line and one with a negative amount: intake lands 1, quarantines 1.
RECORDS = [
    {"order_id": "wh-1", "customer_id": "c1", "occurred_at": "2026-02-11T10:00:00Z",
     "amount": 20, "currency": "EUR"},
    {"order_id": "wh-2", "customer_id": "c2", "occurred_at": "2026-02-11T11:00:00Z",
     "amount": -5, "currency": "EUR"},
]


@pytest.fixture(scope="module")
def key(api_context) -> str:
    return create_key(api_context.db, TENANT, ["ingest"], "webhook tests")[0]


@pytest.fixture(scope="module")
def secret(api_context) -> str:
    return create_webhook_secret(api_context.db, TENANT, CONNECTOR)


@pytest.fixture(scope="module")
def client(server_url, key, secret):
    with client_for(server_url, key) as http:
        yield http


def _signed(secret: str, body: bytes, delivery: str, at: int | None = None) -> dict[str, str]:
    at = int(time.time()) if at is None else at
    return {"Content-Type": "application/json", "X-Sightline-Timestamp": str(at),
            "X-Sightline-Signature": sign(secret, delivery, at, body),
            "X-Sightline-Delivery": delivery}


def _folder(api_settings):
    return api_settings.landing_dir / CONNECTOR / TENANT


def test_signed_delivery_lands_once_and_replays_are_duplicates(
        client, secret, api_settings, tmp_path) -> None:
    body = json.dumps(RECORDS).encode()
    headers = _signed(secret, body, "dlv-1")
    first = client.post(f"/webhooks/{CONNECTOR}", content=body, headers=headers)
    assert first.status_code == 202, first.text
    data = first.json()["data"]
    assert data == {"delivery_id": "dlv-1", "duplicate": False, "file": data["file"],
                    "records": 2}
    assert data["file"].startswith(f"{CONNECTOR}/{TENANT}/webhook-")
    landed = api_settings.landing_dir / data["file"]
    assert [json.loads(line) for line in landed.read_text().splitlines()] == RECORDS

    replay = client.post(f"/webhooks/{CONNECTOR}", content=body, headers=headers)
    assert replay.status_code == 200
    assert replay.json()["data"] == {"delivery_id": "dlv-1", "duplicate": True,
                                     "file": data["file"], "records": None}
    assert sorted(p.name for p in _folder(api_settings).iterdir()) == [landed.name]

    # The landed JSONL goes through the real intake: 1 row staged, 1 quarantined.
    copy = tmp_path / CONNECTOR / TENANT
    copy.mkdir(parents=True)
    shutil.copy(landed, copy / landed.name)
    [report] = intake_pending(tmp_path, datetime(2026, 2, 12, tzinfo=UTC))
    assert (report.outcome, report.landed, report.quarantined) == ("processed", 1, 1)


def test_concurrent_replays_write_one_file(client, secret, api_settings) -> None:
    body = json.dumps({"order_id": "wh-3", "customer_id": "c3",
                       "occurred_at": "2026-02-11T12:00:00Z", "amount": 7,
                       "currency": "USD"}).encode()
    headers = _signed(secret, body, "dlv-race")
    before = set(_folder(api_settings).iterdir())
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(
            lambda _: client.post(f"/webhooks/{CONNECTOR}", content=body, headers=headers),
            range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [202]
    assert {a.json()["data"]["file"] for a in answers} == {
        next(a for a in answers if a.status_code == 202).json()["data"]["file"]}
    assert len(set(_folder(api_settings).iterdir()) - before) == 1


def test_bad_signature_stale_timestamp_and_missing_headers(client, secret, api_settings) -> None:
    body = json.dumps(dict(RECORDS[0], order_id="wh-4")).encode()
    before = sorted(_folder(api_settings).iterdir())
    forged = _signed("whsec_not-the-secret", body, "dlv-forged")
    answer = client.post(f"/webhooks/{CONNECTOR}", content=body, headers=forged)
    assert answer.status_code == 401
    assert "X-Sightline-Signature does not match" in answer.json()["detail"]
    tampered = _signed(secret, body, "dlv-tampered")
    answer = client.post(f"/webhooks/{CONNECTOR}", content=body + b" ", headers=tampered)
    assert answer.status_code == 401

    for offset in (-310, 310):  # 5 minutes either way (10 s spare for a slow request)
        at = int(time.time()) + offset
        stale = _signed(secret, body, f"dlv-stale-{at}", at=at)
        answer = client.post(f"/webhooks/{CONNECTOR}", content=body, headers=stale)
        assert answer.status_code == 401
        assert "tolerance is 300s" in answer.json()["detail"]
    within = _signed(secret, body, "dlv-within", at=int(time.time()) - 240)
    assert client.post(f"/webhooks/{CONNECTOR}", content=body, headers=within).status_code == 202

    for missing in ("X-Sightline-Timestamp", "X-Sightline-Signature", "X-Sightline-Delivery"):
        headers = _signed(secret, body, "dlv-missing")
        del headers[missing]
        answer = client.post(f"/webhooks/{CONNECTOR}", content=body, headers=headers)
        assert answer.status_code == 400
        assert answer.json()["detail"].startswith(f"missing header {missing}")
    malformed = _signed(secret, body, "dlv-malformed") | {"X-Sightline-Timestamp": "yesterday"}
    assert client.post(f"/webhooks/{CONNECTOR}", content=body,
                       headers=malformed).status_code == 400
    # Only the delivery signed within the tolerance wrote a file.
    assert len(sorted(_folder(api_settings).iterdir())) == len(before) + 1


def test_unknown_connector_missing_secret_and_bad_json(client, secret, server_url,
                                                       keys) -> None:
    body = json.dumps(RECORDS[0]).encode()
    unknown = client.post("/webhooks/stripe", content=body,
                          headers=_signed(secret, body, "dlv-x"))
    assert unknown.status_code == 404
    assert "revenue, competitor_moves, mentions, events" in unknown.json()["detail"]
    no_secret = client.post("/webhooks/mentions", content=body,
                            headers=_signed(secret, body, "dlv-y"))
    assert no_secret.status_code == 403
    assert ("sightline webhooks create --tenant t_ingest_wh --connector mentions"
            in no_secret.json()["detail"])
    # Secrets are per tenant: globex has none for revenue, so this tenant's signature
    # gets it nowhere (and the tenant always comes from the key, never the path or body).
    with client_for(server_url, keys.globex) as globex:
        other = globex.post(f"/webhooks/{CONNECTOR}", content=body,
                            headers=_signed(secret, body, "dlv-z"))
    assert other.status_code == 403 and "tenant globex" in other.json()["detail"]

    garbage = b"{not json"
    answer = client.post(f"/webhooks/{CONNECTOR}", content=garbage,
                         headers=_signed(secret, garbage, "dlv-garbage"))
    assert answer.status_code == 422 and "not JSON" in answer.json()["detail"]


@pytest.mark.parametrize(("body", "detail"), [
    ([RECORDS[0], dict(RECORDS[0], schema_version=[1])],
     "body[1]: schema_version must be an integer, got an array"),
    (dict(RECORDS[0], schema_version={}), "body: schema_version must be an integer, got an object"),
    ([RECORDS[0], "text"], "body[1]: a record must be a JSON object, got a string"),
])
def test_a_record_no_contract_can_read_is_422_and_lands_nothing(
        client, secret, api_settings, body, detail) -> None:
    before = sorted(_folder(api_settings).glob("*")) if _folder(api_settings).exists() else []
    data = json.dumps(body).encode()
    answer = client.post(f"/webhooks/{CONNECTOR}", content=data,
                         headers=_signed(secret, data, f"dlv-shape-{len(detail)}"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == f"{detail}; nothing was landed"
    after = sorted(_folder(api_settings).glob("*")) if _folder(api_settings).exists() else []
    assert after == before


def test_a_captured_body_under_a_new_delivery_id_does_not_verify(client, secret) -> None:
    body = json.dumps(RECORDS[0]).encode()
    headers = _signed(secret, body, "dlv-captured")
    replay = {**headers, "X-Sightline-Delivery": "dlv-forged"}
    answer = client.post(f"/webhooks/{CONNECTOR}", content=body, headers=replay)
    assert answer.status_code == 401
    assert "X-Sightline-Delivery" in answer.json()["detail"]


def test_webhooks_need_the_ingest_scope(server_url, keys) -> None:
    with client_for(server_url, keys.acme_read) as reader:
        assert reader.post(f"/webhooks/{CONNECTOR}", json=RECORDS).status_code == 403
    with client_for(server_url, None) as anonymous:
        assert anonymous.post(f"/webhooks/{CONNECTOR}", json=RECORDS).status_code == 401


def test_secret_lifecycle(api_context, server_url) -> None:
    db, tenant = api_context.db, "t_ingest_wh2"
    first = create_webhook_secret(db, tenant, "events")
    assert first.startswith("whsec_")
    with pytest.raises(ValueError, match="already has a webhook secret"):
        create_webhook_secret(db, tenant, "events")
    with pytest.raises(ValueError, match="unknown connector"):
        create_webhook_secret(db, tenant, "stripe")
    with pytest.raises(KeyError, match="no webhook secret"):
        rotate_webhook_secret(db, tenant, "revenue")
    assert [(s.tenant_id, s.connector) for s in list_webhook_secrets(db, tenant)] == [
        (tenant, "events")]

    second = rotate_webhook_secret(db, tenant, "events")
    assert second != first
    key = create_key(db, tenant, ["ingest"])[0]
    event = {"event_id": "w1", "event": "visit", "person_id": "p",
             "timestamp": "2026-02-11T10:00:00Z"}
    body = json.dumps(event).encode()
    with client_for(server_url, key) as http:
        old = http.post("/webhooks/events", content=body, headers=_signed(first, body, "r-1"))
        new = http.post("/webhooks/events", content=body, headers=_signed(second, body, "r-1"))
    assert (old.status_code, new.status_code) == (401, 202)
