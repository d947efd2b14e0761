"""Public entry points of the deterministic demo generator."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime

import pyarrow as pa

from ingestion.brands import DEMO_TENANTS
from ingestion.demo.clock import MS_PER_DAY, day_start_ms, to_epoch_ms
from ingestion.demo.config import DemoConfig
from ingestion.demo.events import DayEvents
from ingestion.demo.mentions import generate_mentions
from ingestion.demo.records import ga4_snapshots, revenue_lines
from warehouse.raw_schemas import RAW_CONNECTOR_RECORDS, RAW_EVENTS, RAW_SOCIAL_MENTIONS
from warehouse.source_batch import SourceBatch

SOURCE = "demo"
DEFAULT_CONFIG = DemoConfig()


def _ingested_at_ms(day: date, ingested_at: datetime | None) -> int:
    # Default to the day's last millisecond so output depends on inputs only.
    return day_start_ms(day) + MS_PER_DAY - 1 if ingested_at is None else to_epoch_ms(ingested_at)


def _check_tenants(tenants: Sequence[str]) -> list[str]:
    if isinstance(tenants, str):
        raise ValueError(f"tenants must be a sequence of tenant ids, not the string {tenants!r}")
    tenants = list(tenants)
    valid = ", ".join(sorted(DEMO_TENANTS))
    unknown = [t for t in tenants if t not in DEMO_TENANTS]
    if unknown:
        raise ValueError(f"unknown demo tenants {unknown}; valid tenants are: {valid}")
    if len(set(tenants)) != len(tenants):
        raise ValueError(f"duplicate tenants in {tenants}")
    return tenants


def _check_story_brands(tenants: list[str], config: DemoConfig) -> None:
    for field, name in (
        ("crisis_brand", config.crisis_brand),
        ("launch_brand", config.launch_brand),
    ):
        if name is None or not tenants:
            continue
        if not any(name in (b.name for b in DEMO_TENANTS[t].brands) for t in tenants):
            raise ValueError(f"{field} {name!r} is not tracked by any of the tenants {tenants}")


def generate_day(
    day: date,
    tenants: Sequence[str] = ("acme", "globex"),
    config: DemoConfig = DEFAULT_CONFIG,
    ingested_at: datetime | None = None,
) -> SourceBatch:
    """Return one UTC day of demo data for `tenants` as a SourceBatch (source "demo").

    Tables: "raw_social_mentions", "raw_events" and "raw_connector_records" (revenue
    lines + GA4 daily snapshots), each schema-exact and spanning the tenants in the
    given order; the quarantine is empty. `ingested_at` None means the day's last
    millisecond, so equal inputs give byte-identical tables.

    Raises ValueError for a tenant not in DEMO_TENANTS (naming the valid ones), duplicate
    tenants, a naive `ingested_at`, or a crisis/launch brand no tenant tracks.
    """
    tenants = _check_tenants(tenants)
    _check_story_brands(tenants, config)
    ingested_ms = _ingested_at_ms(day, ingested_at)
    mentions, events, records = [], [], []
    for tenant in tenants:
        mentions.append(generate_mentions(tenant, day, config, ingested_ms))
        tenant_events = _concat(list(DayEvents(tenant, day, config, ingested_ms)), RAW_EVENTS)
        events.append(tenant_events)
        records.append(revenue_lines(tenant, day, tenant_events, ingested_ms))
        records.append(ga4_snapshots(tenant, day, tenant_events, ingested_ms))
    return SourceBatch(
        source=SOURCE,
        day=day,
        tables={
            "raw_social_mentions": _concat(mentions, RAW_SOCIAL_MENTIONS),
            "raw_events": _concat(events, RAW_EVENTS),
            "raw_connector_records": _concat(records, RAW_CONNECTOR_RECORDS),
        },
    )


def iter_event_batches(
    tenant: str,
    day: date,
    config: DemoConfig,
    n_visitors: int,
    batch_size: int = 500_000,
    ingested_at: datetime | None = None,
) -> Iterator[pa.Table]:
    """Yield one tenant-day of raw_events in RAW_EVENTS tables of `batch_size` rows (the
    last may be shorter), generating as it goes so memory stays bounded.

    `n_visitors` replaces `config.new_visitors_per_day` (the tenant's daily rate of new
    visitors, which also sizes the returning cohorts): the concatenated batches equal
    `generate_day(day, [tenant], replace(config, new_visitors_per_day=n_visitors))`'s
    raw_events, whatever `batch_size` is. About 9.6 events per new visitor on a
    weekday. Raises ValueError for an unknown tenant, n_visitors < 0 or batch_size < 1.
    """
    _check_tenants([tenant])
    if n_visitors < 0:
        raise ValueError(f"n_visitors must be >= 0, got {n_visitors}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    # Validate now, not at the first next(): return a generator instead of being one.
    config = replace(config, new_visitors_per_day=n_visitors)
    return _rebatched(DayEvents(tenant, day, config, _ingested_at_ms(day, ingested_at)), batch_size)


def _rebatched(chunks: Iterable[pa.Table], batch_size: int) -> Iterator[pa.Table]:
    """Re-cut a stream of tables into tables of exactly `batch_size` rows (zero-copy
    slices; the last may be shorter)."""
    pending: list[pa.Table] = []
    pending_rows = 0
    for chunk in chunks:
        pending.append(chunk)
        pending_rows += chunk.num_rows
        while pending_rows >= batch_size:
            merged = pa.concat_tables(pending)
            yield merged.slice(0, batch_size)
            rest = merged.slice(batch_size)
            pending, pending_rows = [rest], rest.num_rows
    if pending_rows:
        yield pa.concat_tables(pending)


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    return pa.concat_tables(tables) if tables else schema.empty_table()
