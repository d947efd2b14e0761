"""Ingest through the API: event batches and CSV uploads, written into the landing zone.

Nothing here touches ClickHouse. Accepted input becomes one file under
`<landing>/<connector>/<tenant>/`, written atomically; intake (the `landing_intake`
asset) validates it again, stages it and the daily landing assets load it. The API
validates event batches with the landing contracts themselves
(`ingestion.landing.records`), so what it accepts is what intake stages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ingestion.landing.contracts import CONTRACTS, Contract, now_utc
from ingestion.landing.fields import FieldError
from ingestion.landing.records import inspect_csv, validate_record
from ingestion.landing.writer import (
    publish,
    relative_name,
    temp_path,
    tenant_folder,
    write_landing_file,
)

MAX_EVENTS = 10_000
HASH_CHARS = 16  # the same prefix of sha256 intake names staged files by


@dataclass(frozen=True)
class Rejection:
    """An event the API did not accept, and why."""

    index: int
    event_id: str | None
    reason: str


@dataclass
class EventBatchResult:
    """What happened to a batch: accepted count, rejections, the landed file (if any)."""

    accepted: int
    rejected: list[Rejection] = field(default_factory=list)
    file: str | None = None


def jsonl(records: list[Any]) -> bytes:
    """Records as JSONL: one canonical JSON text per line (sorted keys, no spaces), so
    the same records always give the same bytes and the same content hash."""
    return b"".join(json.dumps(r, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode() + b"\n" for r in records)


def stamp(now: datetime) -> str:
    """The time part of landed file names (UTC, to the second)."""
    return f"{now:%Y%m%dT%H%M%SZ}"


def content_hash(data: bytes) -> str:
    """The content hash in landed file names (first 16 hex of sha256)."""
    return hashlib.sha256(data).hexdigest()[:HASH_CHARS]


def _waiting_copy(folder: Path, prefix: str, digest: str, suffix: str) -> Path | None:
    """A file with the same content hash still waiting in `folder`, if any."""
    return next(iter(sorted(folder.glob(f"{prefix}-*-{digest}{suffix}"))), None)


def _event_id(event: object) -> str | None:
    if isinstance(event, dict) and event.get("event_id") not in (None, ""):
        return str(event["event_id"])
    return None


def validate_events(events: list[Any], tenant_id: str, now: datetime,
                    first_day: date | None = None) -> tuple[list[dict], list[Rejection]]:
    """Split a batch into accepted events (as sent) and rejections with reasons.

    Each event is checked by the `events` landing contract exactly as intake checks a
    JSONL line: object shape, known fields and schema version, required fields, types,
    limits, not more than a day in the future nor before `first_day` (the first daily
    partition), no event_id twice in the batch.
    """
    contract = CONTRACTS["events"]
    seen: set[str] = set()
    accepted: list[dict] = []
    rejected: list[Rejection] = []
    for index, event in enumerate(events):
        try:
            validate_record(contract, event, tenant_id, now, seen, within="batch",
                            first_day=first_day)
        except FieldError as exc:
            rejected.append(Rejection(index, _event_id(event), str(exc)))
            continue
        accepted.append(event)
    return accepted, rejected


def land_events(landing_dir: Path, tenant_id: str, events: list[Any],
                now: datetime | None = None, first_day: date | None = None
                ) -> EventBatchResult:
    """Validate a batch and land the accepted events as one JSONL file.

    The file is `events/<tenant>/api-<UTC stamp>-<content hash>.jsonl`. When a file with
    the same content hash still waits (a retried batch), nothing new is written and that
    file is returned. Returns the counts, the rejections and the file (None when no event
    was accepted). Raises ValueError for more than MAX_EVENTS events.
    """
    if len(events) > MAX_EVENTS:
        raise ValueError(f"a batch holds at most {MAX_EVENTS:,} events, got {len(events):,}")
    now = now or now_utc()
    accepted, rejected = validate_events(events, tenant_id, now, first_day)
    result = EventBatchResult(len(accepted), rejected)
    if accepted:
        data = jsonl(accepted)
        digest = content_hash(data)
        folder = tenant_folder(landing_dir, "events", tenant_id)
        path = _waiting_copy(folder, "api", digest, ".jsonl") or write_landing_file(
            landing_dir, "events", tenant_id, f"api-{stamp(now)}-{digest}.jsonl", data)
        result.file = relative_name(landing_dir, path)
    return result


class UploadTooLarge(Exception):
    """The upload passed the byte limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upload exceeds {limit:,} bytes (SIGHTLINE_API_MAX_UPLOAD_BYTES)")
        self.limit = limit


class UploadRejected(Exception):
    """The upload is unusable as a whole (empty, or a header no schema version has)."""

    def __init__(self, reason: str, contract: Contract) -> None:
        super().__init__(reason)
        self.known_versions = {str(v): list(c) for v, c in contract.versions.items()}


@dataclass(frozen=True)
class UploadResult:
    """A landed CSV: its name, data-line count and the schema version of its header."""

    file: str
    rows: int
    schema_version: int
    columns: list[str]


class CsvUpload:
    """Receives an upload's bytes into a hidden file in the tenant's landing folder and
    lands it (`commit`) only when its header names a schema version.

    Use as a context manager: leaving it without `commit` removes the hidden file.
    """

    def __init__(self, landing_dir: Path, connector: str, tenant_id: str, limit: int) -> None:
        self.landing_dir = landing_dir
        self.contract = CONTRACTS[connector]
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        self._temp = temp_path(tenant_folder(landing_dir, connector, tenant_id))
        self._handle = self._temp.open("wb")

    def __enter__(self) -> CsvUpload:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._handle.close()
        self._temp.unlink(missing_ok=True)

    def write(self, chunk: bytes) -> None:
        """Append a chunk; raises UploadTooLarge past the limit."""
        self.size += len(chunk)
        if self.size > self.limit:
            raise UploadTooLarge(self.limit)
        self._hash.update(chunk)
        self._handle.write(chunk)

    def commit(self, now: datetime | None = None) -> UploadResult:
        """Check the header and land the file as `upload-<UTC stamp>-<hash>.csv`.

        A file with the same content hash still waiting is reused instead of landing a
        second copy. Raises UploadRejected for an empty file or an unknown header.
        """
        self._handle.close()
        try:
            shape = inspect_csv(self.contract, self._temp)
        except FieldError as exc:
            raise UploadRejected(str(exc), self.contract) from None
        digest = self._hash.hexdigest()[:HASH_CHARS]
        existing = _waiting_copy(self._temp.parent, "upload", digest, ".csv")
        path = existing or publish(self._temp, f"upload-{stamp(now or now_utc())}-{digest}.csv")
        return UploadResult(relative_name(self.landing_dir, path), shape.rows, shape.version,
                            shape.header)
