"""Routes of the ingest domain: event batches, signed webhooks, CSV uploads and connector
status. Every write goes to the landing zone of the caller's tenant (never to ClickHouse);
see docs/api.md#ingest and docs/landing-zone.md."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import anyio
from fastapi import APIRouter, Header, Request, Response
from starlette.datastructures import UploadFile

from api.answers import envelope
from api.deps import Context, Ingester
from api.envelopes import Envelope
from api.errors import ApiProblem
from api.ingest import webhooks
from api.ingest.connectors_status import connectors_status
from api.ingest.schemas import (
    ConnectorsStatus,
    EventBatch,
    EventBatchReceipt,
    UploadReceipt,
    WebhookReceipt,
)
from api.ingest.service import CsvUpload, UploadRejected, UploadTooLarge, land_events
from ingestion.landing.contracts import CONTRACTS

router = APIRouter(prefix="", tags=["ingest"])

CSV_TYPES = ("text/csv", "application/csv")
_CHUNK = 1 << 16


def _problem(status: int, text: str) -> dict:
    return {"description": text, "content": {"application/problem+json": {}}}


def _landing_connector(connector: str) -> None:
    if connector not in CONTRACTS:
        raise ApiProblem(404, f"no landing connector {connector!r}; known: "
                         f"{', '.join(CONTRACTS)}")


@router.post(
    "/events", status_code=202, response_model=Envelope[EventBatchReceipt],
    summary="Send a batch of product events",
    description="Each event is checked by the `events` landing contract; accepted events "
    "land as one JSONL file in the tenant's landing zone, rejected ones are listed with "
    "their reason. More than 10,000 events → 422.",
    responses={422: _problem(422, "Not a batch, more than 10,000 events, or an item that "
                             "is not an object / has a non-integer schema_version")},
)
async def post_events(batch: EventBatch, principal: Ingester, context: Context) -> Response:
    result = await anyio.to_thread.run_sync(
        land_events, context.settings.landing_dir, principal.tenant_id, batch.events, None,
        context.settings.partition_start)
    return envelope(asdict(result), status=202)


@router.post(
    "/webhooks/{connector}", status_code=202, response_model=Envelope[WebhookReceipt],
    summary="Receive a signed webhook for a landing connector",
    description="HMAC-SHA256 over `<X-Sightline-Delivery>.<X-Sightline-Timestamp>.<raw body>` "
    "with the tenant's "
    "secret for the connector, sent as `X-Sightline-Signature: sha256=<hex>`; timestamps "
    "older or newer than 5 minutes are refused; a repeated `X-Sightline-Delivery` answers "
    "200 with `duplicate: true` and writes nothing. The body is one JSON record or a list.",
    responses={200: {"description": "A replayed delivery id (nothing written)",
                     "model": Envelope[WebhookReceipt]},
               400: _problem(400, "A signing header is missing or malformed"),
               401: _problem(401, "Bad API key, bad signature or stale timestamp"),
               403: _problem(403, "Missing scope, or no webhook secret for this connector"),
               404: _problem(404, "Unknown connector")},
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"oneOf": [{"type": "object"}, {"type": "array", "items": {}}]}}}}},
)
async def post_webhook(
    connector: str, request: Request, principal: Ingester, context: Context,
    x_sightline_timestamp: Annotated[str | None, Header(
        description="Unix seconds when the delivery was signed")] = None,
    x_sightline_signature: Annotated[str | None, Header(
        description="`sha256=<hex HMAC-SHA256 of '<delivery>.<timestamp>.<raw body>'>`")
    ] = None,
    x_sightline_delivery: Annotated[str | None, Header(
        description="Unique id of the delivery; retries reuse it")] = None,
) -> Response:
    body = await request.body()
    try:
        result = await anyio.to_thread.run_sync(
            webhooks.receive_webhook, context.db, context.settings.landing_dir,
            principal.tenant_id, connector, request.headers, body)
    except webhooks.WebhookError as exc:
        raise ApiProblem(exc.status, exc.detail, field=exc.field) from None
    return envelope(asdict(result), status=200 if result.duplicate else 202)


async def _receive(request: Request, upload: CsvUpload) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in CSV_TYPES:
        async for chunk in request.stream():
            upload.write(chunk)
        return
    if content_type != "multipart/form-data":
        raise ApiProblem(415, f"send the CSV as the raw body with Content-Type text/csv, or "
                         f"as the `file` field of multipart/form-data (got "
                         f"{content_type or 'no Content-Type'!r})")
    async with request.form(max_files=1) as form:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise ApiProblem(422, "multipart upload without a `file` field",
                             errors=[{"field": "file", "message": "Field required"}])
        while chunk := await part.read(_CHUNK):
            upload.write(chunk)


@router.post(
    "/uploads/{connector}", status_code=202, response_model=Envelope[UploadReceipt],
    summary="Upload a CSV file for a landing connector",
    description="The header must match one schema version of the connector (column set, "
    "order free), else 422 listing the known versions; the file then lands as is and intake "
    "validates each row (bad rows are quarantined, not lost). Size limit: "
    "SIGHTLINE_API_MAX_UPLOAD_BYTES (413).",
    responses={404: _problem(404, "Unknown connector"),
               413: _problem(413, "The upload is too large"),
               415: _problem(415, "Neither text/csv nor multipart/form-data")},
    openapi_extra={"requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"}}}}}}},
)
async def post_upload(connector: str, request: Request, principal: Ingester,
                      context: Context) -> Response:
    _landing_connector(connector)
    limit = context.settings.api.max_upload_bytes
    with CsvUpload(context.settings.landing_dir, connector, principal.tenant_id,
                   limit) as upload:
        try:
            await _receive(request, upload)
            result = await anyio.to_thread.run_sync(upload.commit)
        except UploadTooLarge as exc:
            raise ApiProblem(413, str(exc)) from None
        except UploadRejected as exc:
            raise ApiProblem(422, str(exc), known_versions=exc.known_versions,
                             errors=[{"field": "header", "message": str(exc)}]) from None
    return envelope(asdict(result), status=202)


@router.get(
    "/connectors", response_model=Envelope[ConnectorsStatus],
    summary="Ingestion status of the caller's tenant",
    description="SaaS connectors (configured or skipped, and why), landing connectors "
    "(files waiting, processed, failed; webhook secret), and per source the last sync and "
    "quarantined rows. Not cached: landing files change without a dataset version.",
)
async def get_connectors(principal: Ingester, context: Context) -> Response:
    tenant = principal.tenant_id
    with_secret = {s.connector for s in await anyio.to_thread.run_sync(
        webhooks.list_webhook_secrets, context.db, tenant)}
    data = await anyio.to_thread.run_sync(
        connectors_status, context.store.scope(tenant), context.settings, with_secret)
    return envelope(data)
