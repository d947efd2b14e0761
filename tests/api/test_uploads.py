"""POST /v1/uploads/{connector}: CSV as raw body or multipart, header checked against the
contract's schema versions before anything lands, size limits, scopes, atomic landing."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import UTC, datetime

import pytest

from api.context import build_context
from api.ingest.service import CsvUpload, UploadTooLarge
from api.keys import create_key
from api.main import create_app
from ingestion.landing.intake import intake_pending
from tests.api.conftest import client_for, running_server

TENANT = "t_ingest_up"
# Header of revenue v2 (order free); 4 data lines, a blank line (not a row), and one line
# intake will quarantine (amount "abc"): rows = 4, intake lands 3 and quarantines 1.
V2_CSV = (b"currency,order_id,customer_id,occurred_at,amount,product\n"
          b"USD,up-1,c1,2026-02-12T09:00:00Z,10,starter\n"
          b"EUR,up-2,c2,2026-02-12T10:00:00Z,25.5,pro\n"
          b"\n"
          b"USD,up-3,c3,2026-02-12T11:00:00Z,abc,pro\n"
          b"USD,up-4,c4,2026-02-12T12:00:00Z,99,enterprise\n")
V1_CSV = (b"order_id,customer_id,occurred_at,amount,currency\r\n"
          b"up-5,c5,2026-02-12T13:00:00Z,5,USD\r\n")
V1_COLUMNS = "order_id,customer_id,occurred_at,amount,currency"


@pytest.fixture(scope="module")
def key(api_context) -> str:
    return create_key(api_context.db, TENANT, ["read", "ingest"], "upload tests")[0]


@pytest.fixture(scope="module")
def client(server_url, key):
    with client_for(server_url, key) as http:
        yield http


def _files(api_settings) -> list[str]:
    folder = api_settings.landing_dir / "revenue" / TENANT
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_raw_csv_lands_atomically_with_its_row_count(client, api_settings, tmp_path) -> None:
    answer = client.post("/uploads/revenue", content=V2_CSV,
                         headers={"Content-Type": "text/csv; charset=utf-8"})
    assert answer.status_code == 202, answer.text
    data = answer.json()["data"]
    assert (data["rows"], data["schema_version"]) == (4, 2)
    assert data["columns"][0] == "currency"
    assert data["file"].startswith(f"revenue/{TENANT}/upload-") and data["file"].endswith(".csv")
    landed = api_settings.landing_dir / data["file"]
    assert landed.read_bytes() == V2_CSV
    assert _files(api_settings) == [landed.name]  # no hidden temp file left behind

    # The same bytes again while the first copy waits: no second file.
    again = client.post("/uploads/revenue", content=V2_CSV, headers={"Content-Type": "text/csv"})
    assert again.json()["data"]["file"] == data["file"]
    assert _files(api_settings) == [landed.name]

    # Intake reads exactly the rows the API counted: 3 land, 1 is quarantined.
    copy = tmp_path / "revenue" / TENANT
    copy.mkdir(parents=True)
    shutil.copy(landed, copy / landed.name)
    [report] = intake_pending(tmp_path, datetime(2026, 2, 13, tzinfo=UTC))
    assert (report.rows, report.landed, report.quarantined) == (4, 3, 1)


def test_multipart_file_field(client, api_settings) -> None:
    answer = client.post("/uploads/revenue",
                         files={"file": ("orders.csv", V1_CSV, "text/csv")})
    assert answer.status_code == 202, answer.text
    data = answer.json()["data"]
    assert (data["rows"], data["schema_version"]) == (1, 1)
    assert (api_settings.landing_dir / data["file"]).read_bytes() == V1_CSV

    no_file = client.post("/uploads/revenue", files={"other": ("x.csv", V1_CSV, "text/csv")})
    assert no_file.status_code == 422 and no_file.json()["errors"][0]["field"] == "file"


def test_unknown_header_is_refused_naming_the_known_columns(client, api_settings) -> None:
    before = _files(api_settings)
    answer = client.post("/uploads/revenue", content=b"id,total\n1,2\n",
                         headers={"Content-Type": "text/csv"})
    assert answer.status_code == 422
    problem = answer.json()
    assert "unknown CSV header 'id,total'" in problem["detail"]
    assert V1_COLUMNS in problem["detail"]
    assert problem["known_versions"] == {"1": V1_COLUMNS.split(","),
                                         "2": [*V1_COLUMNS.split(","), "product"]}
    empty = client.post("/uploads/revenue", content=b"", headers={"Content-Type": "text/csv"})
    assert empty.status_code == 422 and "empty file" in empty.json()["detail"]
    assert _files(api_settings) == before  # nothing landed, no temp file left


def test_unknown_connector_and_media_type(client) -> None:
    assert client.post("/uploads/stripe", content=V1_CSV,
                       headers={"Content-Type": "text/csv"}).status_code == 404
    answer = client.post("/uploads/revenue", content=V1_CSV,
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 415 and "text/csv" in answer.json()["detail"]


def test_tenant_comes_from_the_key(client, api_settings) -> None:
    body = V1_CSV.replace(b"up-5", b"up-6")
    answer = client.post("/uploads/revenue", content=body, params={"tenant_id": "globex"},
                         headers={"Content-Type": "text/csv", "X-Tenant-Id": "globex"})
    assert answer.json()["data"]["file"].startswith(f"revenue/{TENANT}/")
    globex = api_settings.landing_dir / "revenue" / "globex"
    assert not globex.exists() or not any(globex.iterdir())


def test_scopes_and_missing_key(server_url, keys) -> None:
    headers = {"Content-Type": "text/csv"}
    with client_for(server_url, keys.acme_read) as reader:
        answer = reader.post("/uploads/revenue", content=V1_CSV, headers=headers)
        assert answer.status_code == 403 and "'ingest' scope" in answer.json()["detail"]
    with client_for(server_url, None) as anonymous:
        assert anonymous.post("/uploads/revenue", content=V1_CSV,
                              headers=headers).status_code == 401


def test_oversized_upload_is_413(api_settings, api_context, key) -> None:
    limit = 100
    tiny = dataclasses.replace(api_settings,
                               api=dataclasses.replace(api_settings.api, max_upload_bytes=limit))
    context = build_context(tiny)
    app = create_app(tiny, context)
    big = V2_CSV * 2  # 360 bytes
    assert len(big) > limit
    before = _files(api_settings)
    with running_server(app) as url, client_for(url, key) as http:
        declared = http.post("/uploads/revenue", content=big, headers={"Content-Type": "text/csv"})
        assert declared.status_code == 413
        assert declared.json()["detail"] == f"request body exceeds {limit} bytes"

        def chunks():  # no Content-Length: the limit applies while streaming
            for start in range(0, len(big), 50):
                yield big[start:start + 50]

        streamed = http.post("/uploads/revenue", content=chunks(),
                             headers={"Content-Type": "text/csv"})
        assert streamed.status_code == 413
        small = http.post("/uploads/revenue", content=V1_CSV.replace(b"up-5", b"up-7"),
                          headers={"Content-Type": "text/csv"})
        assert small.status_code == 202
    context.db.dispose()
    assert len(_files(api_settings)) == len(before) + 1  # only the small one landed


def test_upload_sink_enforces_the_limit_itself(tmp_path) -> None:
    # The route checks the size too, should the middleware's limit ever differ.
    with CsvUpload(tmp_path, "revenue", TENANT, limit=100) as upload:
        upload.write(V2_CSV[:100])
        with pytest.raises(UploadTooLarge, match="exceeds 100 bytes"):
            upload.write(b"x")
    assert list((tmp_path / "revenue" / TENANT).iterdir()) == []
