"""Request and response shapes of the ingest routes (events, webhooks, uploads, connectors)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
)

from api.ingest.service import MAX_EVENTS
from ingestion.landing.records import shape_reason

_STRICT = ConfigDict(extra="forbid")


class ProductEvent(BaseModel):
    """One product event, as the `events` landing contract reads it (schema version 1).

    Documentation only: the API validates each event with the landing contract itself, so
    a bad event is rejected on its own instead of failing the batch.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "event_id": "evt-0001", "event": "signup", "person_id": "p-42",
        "timestamp": "2026-04-06T09:30:00Z", "session_id": "s-9", "url": "https://acme.io/",
        "utm_source": "newsletter", "country": "DE", "device": "desktop",
        "properties": {"plan": "pro"}}]})

    event_id: str = Field(max_length=200, description="Unique per event (required); "
                          "an id twice in one batch is rejected")
    event: str = Field(max_length=200, description="Event name (required)")
    person_id: str = Field(max_length=200, description="Who did it (required)")
    timestamp: str = Field(description="ISO 8601 (required); without offset it is UTC; at "
                           "most one day in the future")
    session_id: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2048)
    referrer: str | None = Field(None, max_length=2048)
    utm_source: str | None = Field(None, max_length=200, description="Empty means 'direct'")
    country: str | None = Field(None, max_length=8, description="Stored upper-case")
    device: str | None = Field(None, max_length=32, description="Stored lower-case")
    revenue: float | None = Field(None, ge=0, description="Non-negative number")
    properties: dict[str, Any] | None = Field(
        None, description="JSON object; non-string values are stored as JSON text")
    schema_version: int | None = Field(None, description="Contract version (1, the latest)")


def _readable_record(value: Any) -> Any:
    """Refuse, at the edge, an item no contract can read (not an object, a non-integer
    schema_version): the sender's code is wrong, not one event's data."""
    reason = shape_reason(value)
    if reason:
        raise ValueError(reason)
    return value


_EventItem = Annotated[Any, AfterValidator(_readable_record),
                       WithJsonSchema(ProductEvent.model_json_schema())]


class EventBatch(BaseModel):
    """A batch of product events for the caller's tenant."""

    model_config = _STRICT

    events: list[_EventItem] = Field(
        min_length=1, max_length=MAX_EVENTS,
        description=f"1 to {MAX_EVENTS:,} events; each is accepted or rejected on its own")

    @field_validator("events", mode="before")
    @classmethod
    def _at_most_max(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > MAX_EVENTS:
            raise ValueError(f"a batch holds at most {MAX_EVENTS:,} events, got "
                             f"{len(value):,}; split it into several requests")
        return value


class RejectedEvent(BaseModel):
    """An event that was not accepted."""

    index: int = Field(description="Position in the `events` list (0-based)")
    event_id: str | None = Field(description="Its event_id, when it has one")
    reason: str = Field(description="Why, in the words of the landing contract",
                        examples=["missing required field 'person_id'"])


class EventBatchReceipt(BaseModel):
    """What became of a batch: every event is either counted in `accepted` or listed in
    `rejected`."""

    accepted: int = Field(description="Events written to the landing zone")
    rejected: list[RejectedEvent]
    file: str | None = Field(description="The landed file `events/<tenant>/api-<stamp>-<hash>"
                             ".jsonl` (null when nothing was accepted)")


class WebhookReceipt(BaseModel):
    """A webhook delivery: landed, or recognised as a replay."""

    delivery_id: str
    duplicate: bool = Field(description="True when this delivery id was received before; "
                            "nothing was written this time")
    file: str = Field(description="The file the delivery landed as (the earlier one for a "
                      "duplicate)")
    records: int | None = Field(description="Records written (null for a duplicate)")


class UploadReceipt(BaseModel):
    """A CSV upload that landed."""

    file: str = Field(description="`<connector>/<tenant>/upload-<stamp>-<hash>.csv`")
    rows: int = Field(description="Data lines in the file (intake validates each one)")
    schema_version: int = Field(description="The schema version its header selects")
    columns: list[str]


class QuarantineReason(BaseModel):
    """Why rows of a source were quarantined, and how many."""

    reason: str
    rows: int


class Activity(BaseModel):
    """A source's last write and quarantined rows for the tenant."""

    last_sync: str | None = Field(description="Latest `ingested_at` of its rows (UTC)")
    quarantined: int = Field(description="Rows of this source in `quarantine`")
    quarantine_reasons: list[QuarantineReason] = Field(
        description="The most frequent quarantine reasons of this source (at most 5)")


class SaasConnectorStatus(Activity):
    """A SaaS connector (x, reddit, linkedin, ga4)."""

    name: str
    source: str
    target_table: str
    status: str = Field(description="configured | skipped")
    reason: str | None = Field(description="Why it is skipped")


class LandingFiles(BaseModel):
    """The tenant's files of one landing connector."""

    waiting: int = Field(description="Files waiting for intake")
    processed: int = Field(description="Files read (bad lines quarantined)")
    failed: int = Field(description="Files unusable as a whole")


class LandingConnectorStatus(Activity):
    """A landing connector (revenue, mentions, events)."""

    name: str
    source: str
    target_table: str
    schema_versions: dict[str, list[str]] = Field(description="Version → CSV columns")
    files: LandingFiles
    webhook_secret: bool = Field(description="A webhook signing secret is configured")


class SourceStatus(Activity):
    """Every source with rows for the tenant (including the demo feed)."""

    source: str


class ConnectorsStatus(BaseModel):
    """Ingestion status of the caller's tenant."""

    saas: list[SaasConnectorStatus]
    landing: list[LandingConnectorStatus]
    sources: list[SourceStatus]
