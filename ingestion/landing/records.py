"""One record, one header at a time: the checks intake applies to each landing line.

Intake uses these on every line of a file; callers that validate before they land (the
API's event batches and CSV uploads) use the same functions, so a record the API accepts
is a record intake stages, and a rejection reason reads like the quarantine reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from ingestion.landing.contracts import Contract, Row
from ingestion.landing.fields import FieldError


def split_lines(chunks: Iterable[bytes]) -> Iterator[tuple[int, str, str]]:
    """Non-blank lines of a file as (1-based line number, text, problem).

    `chunks` are the file's bytes cut at line ends (a file object iterated in binary
    mode, or `[data]`); lines split like `bytes.splitlines()`. `problem` is
    'line is not valid UTF-8' when the line does not decode (text is then decoded with
    replacement characters), else ''.
    """
    number = 0
    for chunk in chunks:
        for data in chunk.splitlines():
            number += 1
            try:
                text, problem = data.decode("utf-8"), ""
            except UnicodeDecodeError:
                text, problem = data.decode("utf-8", "replace"), "line is not valid UTF-8"
            if text.strip():
                yield number, text, problem


def parse_header(line: str) -> list[str]:
    """Column names of a CSV header line (stripped)."""
    return [name.strip() for name in next(csv.reader([line]), [])]


def unknown_header_reason(contract: Contract, header: list[str]) -> str:
    """Why `header` is rejected: names it and every known version's columns."""
    known = {v: ",".join(c) for v, c in contract.versions.items()}
    return f"unknown CSV header {','.join(header)!r}; known versions: {known}"


@dataclass(frozen=True)
class CsvShape:
    """What a CSV file's header selects and how many data lines intake will read."""

    version: int
    header: list[str]
    rows: int


def inspect_csv(contract: Contract, path: Path) -> CsvShape:
    """Schema version and data-line count of a CSV file, read in one streaming pass.

    Raises FieldError with intake's reason when the file is empty or its header matches
    no schema version of `contract`.
    """
    with path.open("rb") as handle:
        lines = split_lines(handle)
        first = next(lines, None)
        if first is None:
            raise FieldError("empty file: expected a CSV header line")
        header = parse_header(first[1])
        version = contract.version_of_header(header)
        if version is None:
            raise FieldError(unknown_header_reason(contract, header))
        rows = sum(1 for _ in lines)
    return CsvShape(version, header, rows)


def _json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for reasons a sender can act on."""
    names = {dict: "an object", list: "an array", str: "a string", float: "a number",
             bool: "a boolean", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def shape_reason(record: object) -> str:
    """Why a decoded JSON record cannot be read as a record at all ('' when it can): it
    is not an object, or its `schema_version` is not an integer. The API answers these
    with 422 at the edge; intake quarantines them."""
    if not isinstance(record, dict):
        return f"a record must be a JSON object, got {_json_type(record)}"
    version = record.get("schema_version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        return f"schema_version must be an integer, got {_json_type(version)}"
    return ""


def keys_reason(contract: Contract, record: dict) -> str:
    """Why a JSON record's keys are unacceptable ('' when they are fine): a non-integer
    or unknown `schema_version`, or fields no version of the contract knows."""
    shape = shape_reason(record)
    if shape:
        return shape
    version = record.get("schema_version")
    version = contract.latest if version is None else version
    if version not in contract.versions:
        return f"unknown schema_version {version!r}; known: {sorted(contract.versions)}"
    allowed = set().union(*contract.versions.values()) | {"schema_version"}
    extra = sorted(set(record) - allowed)
    if extra:
        return f"unknown field(s) {extra}"
    return ""


def build_row(contract: Contract, record: dict, tenant_id: str, now: datetime,
              seen_ids: set[str], within: str = "file", first_day: date | None = None) -> Row:
    """The raw-table row of one record (without `ingested_at`); adds its id to `seen_ids`.

    Raises FieldError for a bad field, a time more than a day after `now` or before
    `first_day` (the first daily partition: no partition can hold it), or an id already
    in `seen_ids` (a duplicate inside the same `within`: file or batch).
    """
    row = contract.build(record, tenant_id, contract.source)
    at = row[contract.time_column]
    if at > now + timedelta(days=1):  # type: ignore[operator]
        raise FieldError(f"{contract.time_column} {at} is in the future")
    if first_day is not None and at.date() < first_day:  # type: ignore[union-attr]
        raise FieldError(
            f"{contract.time_column} {at} is before the first partition {first_day} "
            "(SIGHTLINE_PARTITION_START); no daily partition can hold it")
    id_field = contract.id_column
    if row[id_field] in seen_ids:
        raise FieldError(f"duplicate {id_field} {row[id_field]!r} in this {within}")
    seen_ids.add(str(row[id_field]))
    return row


def validate_record(contract: Contract, record: object, tenant_id: str, now: datetime,
                    seen_ids: set[str], within: str = "file",
                    first_day: date | None = None) -> Row:
    """Validate one JSON record exactly as intake validates a JSONL line; return its row.

    Raises FieldError whose message is the reason intake would quarantine it with
    (except that a non-object says 'record' rather than 'JSONL line').
    """
    if not isinstance(record, dict):
        raise FieldError("a record must be a JSON object")
    reason = keys_reason(contract, record)
    if reason:
        raise FieldError(reason)
    return build_row(contract, record, tenant_id, now, seen_ids, within, first_day)
