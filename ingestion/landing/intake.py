"""Intake of landing files: validate every line, stage good rows by day, quarantine bad.

A file under `<landing>/<connector>/<tenant>/` is read once: each line becomes either a
staged row (Parquet under `_staged/<connector>/<day>/<tenant>/`) or a quarantine row
with its line number, raw text and reason. The file then moves to `processed/` (or to
`failed/` when it is unusable as a whole, e.g. an unknown header). Staged files are
named by the content hash of the source file, so re-reading the same bytes (a crash
before the move, or the same file dropped twice) replaces instead of duplicating.
Writing staged days into ClickHouse is `staging.load_staged_day`'s job.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.landing import fields
from ingestion.landing.contracts import CONTRACTS, SCHEMAS, Contract, now_utc
from ingestion.landing.records import (
    build_row,
    keys_reason,
    parse_header,
    split_lines,
    unknown_header_reason,
)
from warehouse.raw_schemas import QUARANTINE

log = logging.getLogger(__name__)

RESERVED_DIRS = frozenset({"processed", "failed", "_staged"})
TENANT_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,62}")
SUFFIXES = (".csv", ".jsonl")
MAX_RAW_CHARS = 65_536


@dataclass(frozen=True)
class PendingFile:
    """A file waiting in the landing zone."""

    connector: str
    tenant_id: str
    path: Path


@dataclass
class FileReport:
    """What intake did with one file."""

    file: PendingFile
    outcome: str = "processed"  # processed | failed | error (left waiting)
    landed: int = 0
    quarantined: int = 0
    days: set[date] = field(default_factory=set)
    moved_to: Path | None = None
    error: str = ""  # the OS error that left the file waiting

    @property
    def rows(self) -> int:
        """Lines read (excluding a CSV header)."""
        return self.landed + self.quarantined


@dataclass
class _Outcome:
    rows: dict[date, list[dict[str, object]]] = field(default_factory=lambda: defaultdict(list))
    bad: list[dict[str, object]] = field(default_factory=list)
    failed: bool = False


def pending_files(landing_dir: Path) -> list[PendingFile]:
    """Files waiting under `<landing>/<connector>/<tenant>/`, oldest first.

    Files of unknown connectors or in badly named tenant folders are logged and left.
    """
    found: list[PendingFile] = []
    for connector_dir in sorted(p for p in landing_dir.glob("*") if p.is_dir()):
        if connector_dir.name in RESERVED_DIRS:
            continue
        if connector_dir.name not in CONTRACTS:
            log.warning("landing: no contract for connector folder %s; ignored", connector_dir)
            continue
        for tenant_dir in sorted(p for p in connector_dir.iterdir() if p.is_dir()):
            if tenant_dir.name in RESERVED_DIRS:
                continue
            if not TENANT_PATTERN.fullmatch(tenant_dir.name):
                log.warning("landing: %s is not a valid tenant id; ignored", tenant_dir)
                continue
            files = [p for p in tenant_dir.iterdir() if p.is_file() and not p.name.startswith(".")]
            for path in sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name)):
                found.append(PendingFile(connector_dir.name, tenant_dir.name, path))
    return found


def _quarantine_row(contract: Contract, tenant: str, file: str, line: int, raw: str,
                    reason: str, day: date, now: datetime) -> dict[str, object]:
    return {
        "tenant_id": tenant, "source": contract.source, "target_table": contract.target_table,
        "partition_date": day, "file": file, "line_number": line, "raw": raw[:MAX_RAW_CHARS],
        "reason": reason, "ingested_at": now,
    }


def _records(data: bytes, suffix: str, contract: Contract
             ) -> tuple[list[tuple[int, str, dict | None, str]], str]:
    """Split a file's bytes into (line number, raw text, record or None, reason) tuples.

    Returns the tuples and a whole-file failure reason ('' when the file is readable).
    """
    decoded = list(split_lines([data]))
    out: list[tuple[int, str, dict | None, str]] = []
    if suffix == ".csv":
        if not decoded:
            return [], "empty file: expected a CSV header line"
        header = parse_header(decoded[0][1])
        version = contract.version_of_header(header)
        if version is None:
            reason = unknown_header_reason(contract, header)
            return [(n, text, None, reason) for n, text, _ in decoded[1:]], reason
        for number, text, problem in decoded[1:]:
            if problem:
                out.append((number, text, None, problem))
                continue
            try:
                values = next(csv.reader([text]))
            except csv.Error as exc:
                out.append((number, text, None, f"malformed CSV line: {exc}"))
                continue
            if len(values) != len(header):
                out.append((number, text, None,
                            f"expected {len(header)} fields, got {len(values)}"))
                continue
            out.append((number, text, dict(zip(header, values, strict=True)), ""))
        return out, ""
    if not decoded:
        return [], "empty file: expected one JSON object per line"
    for number, text, problem in decoded:
        if problem:
            out.append((number, text, None, problem))
            continue
        try:
            record = json.loads(text)
        except ValueError as exc:
            out.append((number, text, None, f"malformed JSON: {exc}"))
            continue
        if not isinstance(record, dict):
            out.append((number, text, None, "a JSONL line must be a JSON object"))
            continue
        reason = keys_reason(contract, record)
        if reason:
            out.append((number, text, None, reason))
            continue
        out.append((number, text, record, ""))
    return out, ""


def _row_day(record: dict | None, contract: Contract) -> date | None:
    """The day of a record's own timestamp, when it can be read despite other faults."""
    if record is None:
        return None
    try:
        return fields.timestamp(record, contract.time_column).date()
    except fields.FieldError:
        return None


def _unreadable_reason(records: list[tuple[int, str, dict | None, str]]) -> str:
    """Why a file whose lines all failed to parse is rejected whole ('' when some line
    parsed): a file of garbage is one quarantine row, not one per accidental line break."""
    if not records or any(record is not None for _, _, record, _ in records):
        return ""
    number, _, _, reason = records[0]
    return (f"no line of the file is a record ({len(records)} line(s) unreadable); "
            f"line {number}: {reason}")


def _validate(file: PendingFile, contract: Contract, data: bytes, now: datetime,
              first_day: date | None) -> _Outcome:
    """Validate every line. A bad line is filed under its own day when its timestamp is
    readable and within the partitions, else under the file's first good day, else
    under the intake day. A file unusable as a whole is one file-level row (line 0)."""
    outcome = _Outcome()
    label = f"{file.connector}/{file.tenant_id}/{file.path.name}"
    today = now.date()

    def whole_file(reason: str) -> _Outcome:
        raw = data[:4096].decode("utf-8", "replace")
        outcome.bad.append(_quarantine_row(contract, file.tenant_id, label, 0, raw, reason,
                                           today, now))
        outcome.failed = True
        return outcome

    if file.path.suffix not in SUFFIXES:
        return whole_file(f"unsupported file type {file.path.suffix!r}; use .csv or .jsonl")
    records, file_problem = _records(data, file.path.suffix, contract)
    if file_problem and not records:
        return whole_file(file_problem)
    unreadable = "" if file_problem else _unreadable_reason(records)
    if unreadable:
        return whole_file(unreadable)
    outcome.failed = bool(file_problem)
    seen_ids: set[str] = set()
    bad_lines: list[tuple[int, str, str, date | None]] = []
    for number, text, record, reason in records:
        row: dict[str, object] | None = None
        if record is not None:
            try:
                row = build_row(contract, record, file.tenant_id, now, seen_ids,
                                first_day=first_day)
            except fields.FieldError as exc:
                row, reason = None, str(exc)
        if row is None:
            bad_lines.append((number, text, reason, _row_day(record, contract)))
            continue
        row["ingested_at"] = now
        outcome.rows[row[contract.time_column].date()].append(row)  # type: ignore[union-attr]
    fallback = min(outcome.rows) if outcome.rows else today
    for number, text, reason, day in bad_lines:
        if day is None or day > today or (first_day is not None and day < first_day):
            day = fallback
        outcome.bad.append(_quarantine_row(contract, file.tenant_id, label, number, text,
                                           reason, day, now))
    return outcome


def staged_dir(landing_dir: Path, connector: str, day: date) -> Path:
    """Folder holding the staged rows of one connector-day."""
    return landing_dir / "_staged" / connector / day.isoformat()


def _stage(landing_dir: Path, file: PendingFile, contract: Contract, outcome: _Outcome,
           digest: str) -> set[date]:
    """Write staged Parquet per day (rows and quarantine) and mark those days pending."""
    bad_by_day: dict[date, list[dict[str, object]]] = defaultdict(list)
    for bad in outcome.bad:
        bad_by_day[bad["partition_date"]].append(bad)  # type: ignore[index]
    days = set(outcome.rows) | set(bad_by_day)
    for day in days:
        folder = staged_dir(landing_dir, file.connector, day) / file.tenant_id
        folder.mkdir(parents=True, exist_ok=True)
        schema = SCHEMAS[contract.target_table]
        pq.write_table(pa.Table.from_pylist(outcome.rows.get(day, []), schema=schema),
                       folder / f"{digest}.rows.parquet")
        pq.write_table(pa.Table.from_pylist(bad_by_day.get(day, []), schema=QUARANTINE),
                       folder / f"{digest}.quarantine.parquet")
        (folder.parent / "PENDING").write_text(now_utc().isoformat())
    return days


def intake_file(landing_dir: Path, file: PendingFile, now: datetime | None = None,
                first_day: date | None = None) -> FileReport:
    """Validate, stage and move one landing file; return what happened to its lines.

    Rows dated before `first_day` (the first partition) are quarantined with that reason.
    Whatever the bytes hold, the file ends in `processed/` or `failed/` with every line
    accounted for; only an OS error (the file vanished, a full disk) propagates.
    """
    now = now or now_utc()
    contract = CONTRACTS[file.connector]
    data = file.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        outcome = _validate(file, contract, data, now, first_day)
    except Exception as exc:  # one file's surprise must not stop the others
        log.exception("landing: %s could not be validated", file.path)
        outcome = _Outcome(failed=True)
        label = f"{file.connector}/{file.tenant_id}/{file.path.name}"
        outcome.bad.append(_quarantine_row(
            contract, file.tenant_id, label, 0, data[:4096].decode("utf-8", "replace"),
            f"file could not be validated ({type(exc).__name__}: {exc}); fix it and send it "
            "again", now.date(), now))
    report = FileReport(file, "failed" if outcome.failed else "processed",
                        landed=sum(len(r) for r in outcome.rows.values()),
                        quarantined=len(outcome.bad))
    report.days = _stage(landing_dir, file, contract, outcome, digest)
    target = landing_dir / file.connector / report.outcome / file.tenant_id
    target.mkdir(parents=True, exist_ok=True)
    report.moved_to = target / f"{now:%Y%m%dT%H%M%S}-{digest[:8]}-{file.path.name}"
    file.path.rename(report.moved_to)
    log.info("landing: %s → %s (%d landed, %d quarantined)", file.path, report.outcome,
             report.landed, report.quarantined)
    return report


def intake_pending(landing_dir: Path, now: datetime | None = None,
                   first_day: date | None = None) -> list[FileReport]:
    """Intake every pending file of the landing zone; return one report per file.

    A file that cannot be staged or moved (an OS error) is logged, reported with outcome
    'error' and left waiting for the next intake; the other files go on.
    """
    reports = []
    for pending in pending_files(landing_dir):
        try:
            reports.append(intake_file(landing_dir, pending, now, first_day))
        except OSError as exc:
            log.error("landing: %s left waiting: %s", pending.path, exc)
            reports.append(FileReport(pending, outcome="error", error=str(exc)))
    return reports
