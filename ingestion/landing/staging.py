"""Staged landing days: what the landing partition assets write into ClickHouse.

A connector-day's staged Parquet files (all tenants, all files so far) form one
SourceBatch; writing it replaces the (tenant, `landing:<connector>`, day) partitions, so
a day rebuilt after a new file arrives holds every file's rows exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingestion.landing.contracts import CONTRACTS, SCHEMAS
from ingestion.landing.intake import staged_dir
from warehouse.raw_schemas import QUARANTINE
from warehouse.source_batch import SourceBatch


@dataclass(frozen=True)
class StagedDay:
    """A connector-day ready to write: the batch, its tenants and its pending token."""

    batch: SourceBatch
    tenants: tuple[str, ...]
    pending_token: str | None  # content of the PENDING marker when it was read


def _read_all(paths: list[Path], schema: pa.Schema) -> pa.Table:
    tables = [pq.read_table(p, schema=schema) for p in paths]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def load_staged_day(landing_dir: Path, connector: str, day: date) -> StagedDay:
    """Every staged row and quarantine row of `connector` on `day`, for all tenants."""
    contract = CONTRACTS[connector]
    folder = staged_dir(landing_dir, connector, day)
    marker = folder / "PENDING"
    token = marker.read_text() if marker.exists() else None
    tenants = tuple(sorted(p.name for p in folder.glob("*") if p.is_dir()))
    rows = _read_all(sorted(folder.glob("*/*.rows.parquet")), SCHEMAS[contract.target_table])
    bad = _read_all(sorted(folder.glob("*/*.quarantine.parquet")), QUARANTINE)
    batch = SourceBatch(contract.source, day, {contract.target_table: rows}, bad)
    return StagedDay(batch, tenants, token)


def clear_pending(landing_dir: Path, connector: str, day: date, token: str | None) -> None:
    """Remove the day's PENDING marker unless a newer intake re-marked it meanwhile."""
    marker = staged_dir(landing_dir, connector, day) / "PENDING"
    if token is not None and marker.exists() and marker.read_text() == token:
        marker.unlink()


def pending_days(landing_dir: Path) -> list[tuple[str, date]]:
    """(connector, day) pairs whose staged rows changed since they were last written."""
    found = []
    for marker in sorted((landing_dir / "_staged").glob("*/*/PENDING")):
        found.append((marker.parent.parent.name, date.fromisoformat(marker.parent.name)))
    return found
